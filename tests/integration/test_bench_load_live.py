"""bench-load against a real `streamlit run app.py` on the small demo: runs counted, failures seen.

Two servers start side by side on free ports (cockpit.tools.bench.browser.streamlit_servers):
``good`` reads the small demo; ``gone`` reads a copy of it that is deleted once the server is up,
before any viewer came (so nothing of it is cached): every page there draws the cockpit's outage
notice instead of figures — no exception box, so only the notice check can see it. The load tool
must count page runs with no error on the first and errors on the second. Both servers are always
stopped; the whole module takes about 40 s.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cockpit.tools.bench import load
from cockpit.tools.bench.servers import BrowserBenchError, streamlit_servers

REPO = Path(__file__).resolve().parents[2]


def bench(capsys: pytest.CaptureFixture[str], url: str, db_url: str, sessions: int, duration: float) -> dict:
    capsys.readouterr()
    code = load.main(["--url", url, "--sessions", str(sessions), "--duration", str(duration), "--think", "1-3",
                      "--ramp", "1", "--grace", "15", "--timeout", "30", "--seed", "5", "--db", db_url, "--json"])
    out = capsys.readouterr().out
    report = json.loads(out)
    assert code == (1 if report["errors"]["count"] or report["connection_failures"] else 0)
    return report


def test_bench_load_counts_runs_and_sees_a_page_that_fails(small_demo, tmp_path, capsys):
    copy = tmp_path / "vanishing.sqlite"
    shutil.copy(small_demo.db_path, copy)
    common = {"COCKPIT_GEO_DIR": str(small_demo.geo_dir), "COCKPIT_BUILD_DEMO": "0",
              "COCKPIT_USERS_FILE": str(tmp_path / "no-users.toml")}  # no users file: the demo runs open
    scripts = {"good": (REPO / "app.py", {**common, "COCKPIT_DB_URL": small_demo.db_url}),
               "gone": (REPO / "app.py", {**common, "COCKPIT_DB_URL": f"sqlite:///{copy}"})}
    try:
        with streamlit_servers(scripts, tmp_path) as servers:
            good = bench(capsys, servers["good"].base_url, small_demo.db_url, sessions=4, duration=18)
            assert good["errors"] == {"count": 0, "first": []}, servers["good"].log_tail(20)
            assert good["connection_failures"] == 0 and good["dropped_sockets"] == 0
            assert good["rerun_time"]["first"]["count"] == 4  # every viewer opened its page
            assert good["rerun_time"]["rerun"]["count"] >= 4  # and clicked on the same socket
            assert good["page_runs"] == good["rerun_time"]["all"]["count"] >= 8
            assert good["rerun_time"]["all"]["p95_ms"] > 0
            assert good["units_seen"] >= 2
            assert good["sessions_held"]["client_peak"] == 4
            assert good["server"]["pid"] == servers["good"].process.pid  # found through /proc by its port
            assert good["server"]["rss_peak_mb"] > 50

            copy.unlink()  # the database goes away under a running server no viewer has asked yet
            gone = bench(capsys, servers["gone"].base_url, small_demo.db_url, sessions=2, duration=4)
            assert gone["page_runs"] >= 2 and gone["connection_failures"] == 0
            assert gone["errors"]["count"] >= 2, gone
            assert all("notice" in m for m in gone["errors"]["first"]), gone["errors"]
    except BrowserBenchError as exc:
        pytest.fail(f"a server did not start: {exc}")
