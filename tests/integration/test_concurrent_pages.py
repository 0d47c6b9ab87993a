"""100 page loads at once against one `streamlit run app.py`, over Streamlit's own WebSocket protocol.

Each load is a browser tab's first run: a socket, a rerun with the page's query string, the
elements until the script finishes. All 100 start together (a district's staff at 9 a.m.) at units
from the city down to grids. Every load must end with its page drawn — the same KPI cards a
single viewer got for that unit, one at a time — or, where no database connection was free in
time, the "many viewers" notice in Chinese with its retry; never Streamlit's exception element,
never a lost socket, and the process still answers afterwards. On SQLite (where the old
SingletonThreadPool segfaulted the process), PostgreSQL and MariaDB.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from cockpit.core.i18n import t
from cockpit.tools.bench.servers import BrowserBenchError, streamlit_servers

REPO = Path(__file__).resolve().parents[2]
LOADS = 100
BUSY = t("outage_busy", "zh")


@dataclass
class Loaded:
    unit: str
    finished: bool = False
    cards: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    busy: bool = False
    failure: str | None = None


def open_page(ws_url: str, unit: str, timeout: float = 240) -> Loaded:
    """One tab opening the overview at `unit`: its KPI cards, exception elements and notices."""
    got = Loaded(unit)
    try:
        with connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60) as ws:
            msg = BackMsg()
            msg.rerun_script.query_string = f"unit={unit}&period=30&lang=zh"
            msg.rerun_script.page_name = ""
            msg.rerun_script.widget_states.SetInParent()
            ws.send(msg.SerializeToString())
            while True:
                fm = ForwardMsg.FromString(ws.recv(timeout=timeout))
                kind = fm.WhichOneof("type")
                if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    element = fm.delta.new_element
                    which = element.WhichOneof("type")
                    if which == "exception":
                        got.exceptions.append(element.exception.message)
                    elif which == "html":
                        got.busy |= BUSY in element.html.body
                        if 'class="kpi"' in element.html.body:
                            got.cards.append(element.html.body)
                elif kind == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    got.finished = True
                    return got
    except Exception as exc:  # noqa: BLE001 - a lost socket or a dead server is the finding, not a test crash
        got.failure = f"{type(exc).__name__}: {exc}"
    return got


def units_of(db_path: Path) -> list[str]:
    """The city, every street, two communities a street and a grid of each: what 100 viewers would open."""
    with closing(sqlite3.connect(db_path)) as con:
        units = [r[0] for r in con.execute(
            "SELECT code FROM admin_unit WHERE level IN ('city', 'district', 'street') ORDER BY code")]
        units += [r[0] for r in con.execute("SELECT code FROM admin_unit WHERE level = 'community' ORDER BY code LIMIT 8")]
        units += [r[0] for r in con.execute("SELECT MIN(code) FROM grid GROUP BY community_code ORDER BY 1 LIMIT 8")]
    return units


def hundred_at_once(db_url: str, geo_dir: Path, units: list[str], tmp_path: Path, pool: dict[str, str]) -> None:
    env = {"COCKPIT_DB_URL": db_url, "COCKPIT_GEO_DIR": str(geo_dir), "COCKPIT_BUILD_DEMO": "0",
           "COCKPIT_USERS_FILE": str(tmp_path / "no-users.toml"), "COCKPIT_AUDIT_URL": f"sqlite:///{tmp_path / 'own.sqlite'}",
           **pool}
    try:
        with streamlit_servers({"cockpit": (REPO / "app.py", env)}, tmp_path) as servers:
            server = servers["cockpit"]
            ws_url = server.base_url.replace("http://", "ws://") + "/_stcore/stream"
            wanted = [units[i % len(units)] for i in range(LOADS)]
            with ThreadPoolExecutor(max_workers=LOADS) as workers:  # cold: every unit's first reads at once
                loads = list(workers.map(lambda u: open_page(ws_url, u), wanted))
            failed = [(x.unit, x.failure) for x in loads if x.failure or not x.finished]
            assert not failed, f"{len(failed)} of {LOADS} loads lost: {failed[:3]}\n{server.log_tail(30)}"
            raised = [(x.unit, x.exceptions[0]) for x in loads if x.exceptions]
            assert not raised, f"{len(raised)} loads drew Streamlit's exception element: {raised[:3]}"
            single = {u: open_page(ws_url, u) for u in units}  # then one viewer at a time: the reference
            assert all(s.finished and s.cards and not s.exceptions for s in single.values()), single
            differ = [x.unit for x in loads if not x.busy and x.cards != single[x.unit].cards]
            assert not differ, f"figures differ from one viewer's for {differ[:5]}"
            assert sum(not x.busy for x in loads) >= LOADS // 2, "most pages should draw, not wait"
            assert server.process.poll() is None and open_page(ws_url, units[0]).cards == single[units[0]].cards
    except BrowserBenchError as exc:
        pytest.fail(f"streamlit did not start: {exc}")


def test_a_hundred_loads_at_once_on_sqlite(small_demo, tmp_path):
    hundred_at_once(small_demo.db_url, small_demo.geo_dir, units_of(small_demo.db_path), tmp_path, {})


@pytest.mark.servers
def test_a_hundred_loads_at_once_on_a_server_with_a_small_pool(server_db, small_demo, tmp_path):
    # Two connections for a hundred viewers: some runs wait their turn, a few may get the busy notice.
    pool = {"COCKPIT_DB_POOL_SIZE": "2", "COCKPIT_DB_MAX_OVERFLOW": "0", "COCKPIT_DB_POOL_TIMEOUT": "5"}
    hundred_at_once(server_db.url, small_demo.geo_dir, units_of(small_demo.db_path), tmp_path, pool)
