"""draw_pool: the screen's charts drawn in a worker process come out as drawn here, and a failing pool never loses one."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cockpit.views import charts, draw_pool

DAILY = pd.DataFrame({"day": pd.date_range("2026-11-01", periods=5), "cases_received": [3, 0, 5, 2, 1],
                      "alerts_raised": [1, 1, 0, 0, 2], "points_earned": [10, 0, 0, 4, 8]})


def _chart_args() -> tuple:
    return (DAILY, ["cases_received"], "事件", "zh")


@pytest.fixture(autouse=True)
def _fresh_pool():
    draw_pool.shutdown()
    yield
    draw_pool.shutdown()


def test_a_worker_draws_what_the_server_would():
    here = draw_pool.draw(charts.build_trend_chart, _chart_args(), workers=0)
    there = draw_pool.draw(charts.build_trend_chart, _chart_args(), workers=1)
    assert there == here and there.startswith("<svg")
    assert draw_pool._pool is not None  # it was the worker that drew


def test_a_killed_worker_is_replaced_and_the_chart_still_drawn(caplog):
    draw_pool.draw(charts.build_trend_chart, _chart_args(), workers=1)
    for pid in list(draw_pool._pool._processes):
        os.kill(pid, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger="cockpit.views.draw_pool"):
        svg = draw_pool.draw(charts.build_trend_chart, _chart_args(), workers=1)
    assert svg.startswith("<svg") and "worker died" in caplog.text
    assert draw_pool.draw(charts.build_trend_chart, _chart_args(), workers=1).startswith("<svg")  # a new worker


def test_what_cannot_go_to_a_worker_is_drawn_here(caplog):
    build = lambda *a: charts.build_trend_chart(*a)  # noqa: E731 - a lambda does not pickle
    with caplog.at_level(logging.WARNING, logger="cockpit.views.draw_pool"):
        svg = draw_pool.draw(build, _chart_args(), workers=1)
    assert svg.startswith("<svg") and "pickle" in caplog.text and "drawing in the server process" in caplog.text


def test_a_worker_leaves_with_its_server(tmp_path):
    """A server killed outright (SIGKILL) leaves no worker behind holding its memory."""
    script = tmp_path / "server.py"
    script.write_text(
        "import os, sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from cockpit.views import draw_pool\n"
        "if __name__ == '__main__':\n"
        "    draw_pool.start(1)\n"
        "    print(draw_pool._get(1).submit(os.getpid).result(timeout=60), flush=True)\n"
        "    time.sleep(600)\n", encoding="utf-8")
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(server.stdout.readline())
        assert _alive(worker)
        server.kill()
        server.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker)
    finally:
        server.kill()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_worker_running_the_page_script_as_its_main_starts_nothing():
    """During a page run Streamlit installs app.py as __main__, so a worker spawned then runs app.py as
    __mp_main__: it must neither build the server's app nor start workers of its own (each worker died
    at birth, and every chart respawned one)."""
    import runpy

    found = runpy.run_path(str(Path(__file__).resolve().parents[2] / "app.py"), run_name="__mp_main__")
    assert "app" not in found and "draw_pool" not in found
