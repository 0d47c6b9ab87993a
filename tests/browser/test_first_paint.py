"""`python -m cockpit bench --browser`: one cold-browser load of the overview and of the bare pydeck page.

Skips without Chromium or Playwright, fails instead when ``COCKPIT_REQUIRE_BROWSER=1`` (as in
``conftest.py``). The figure itself is not held to its target here: the small city on a busy
test machine says nothing about ``jiaxing``; this checks that the measurement works and cleans up.
"""

from __future__ import annotations

import os

import pytest

from cockpit.tools.bench import browser as bench_browser
from cockpit.tools.bench.servers import port_open
from tests.conftest import browser_unavailable

pytestmark = pytest.mark.browser


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_first_paint_of_overview_and_bare_page(small_demo, playwright_session):
    try:
        result = bench_browser.measure_first_paint(small_demo.db_url, small_demo.geo_dir, runs=1,
                                                   playwright=playwright_session)
    except bench_browser.BrowserUnavailable as exc:
        browser_unavailable(str(exc))

    assert result["errors"] == []
    for name in ("cockpit", "bare"):
        page = result[name]
        assert len(page["first_paint_ms"]) == 1 and page["median_ms"] > 0, page
        load = page["runs"][0]
        assert load["painted_share"] > bench_browser.PAINTED_SHARE and load["confirmed_ms"] >= load["draw_ms"] > 0
        assert load["js_from_cache"] == 0 and load["js_kb"] > 1000, "every load is a cold browser: deck.gl fetched again"
        assert load["page_errors"] == [] and load["app_exceptions"] == 0
    cockpit = result["cockpit"]["runs"][0]
    assert cockpit["first_paint_ms"] == max(cockpit["draw_ms"], cockpit["cards_ms"])  # map and KPI cards
    # The bare map has the cockpit map's canvas, so both draw the same pixels.
    assert result["bare"]["runs"][0]["canvas"] == cockpit["canvas"] and cockpit["canvas"][1] > 0
    assert result["ratio"] == pytest.approx(result["cockpit"]["median_ms"] / result["bare"]["median_ms"])
    target = result["target"]
    assert target["worst"] == result["ratio"] and target["pass"] == (result["ratio"] < bench_browser.TARGET_RATIO)
    assert "→" in bench_browser.format_line(result) and "target < 1.5×" in bench_browser.format_line(result)

    # Both servers are gone: terminated and reaped, their ports closed.
    assert set(result["servers"]) == {"cockpit", "bare"}
    for server in result["servers"].values():
        assert server["returncode"] is not None
        assert not _alive(server["pid"]) and not port_open(server["port"])


def test_missing_chromium_skips_the_browser_figure(monkeypatch, tmp_path):
    monkeypatch.setattr(bench_browser, "CHROMIUM", tmp_path / "no-chromium")
    section, text = bench_browser.bench_section("sqlite:////nonexistent.sqlite", tmp_path, runs=1)
    assert section["target"] is None and "not found" in section["skipped"]
    assert text.startswith("browser first paint skipped:") and "\n" not in text
