"""In Chromium: the database file moved away mid-session and put back — a notice, then recovery with no reload.

The server here reads its own copy of the small demo, so moving the file cannot disturb the
other browser tests' server.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from cockpit.tools.bench.servers import BrowserBenchError, streamlit_servers

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
RECOVERY_LIMIT_S = 60  # the promise: back within a minute, by itself


@pytest.fixture
def own_server(small_demo, tmp_path):
    db = tmp_path / "city.sqlite"
    shutil.copyfile(small_demo.db_path, db)
    env = {**small_demo.env, "COCKPIT_DB_URL": f"sqlite:///{db}", "COCKPIT_BUILD_DEMO": "0"}
    with ExitStack() as stack:
        try:
            servers = stack.enter_context(streamlit_servers({"cockpit": (REPO / "app.py", env)}, _logs(tmp_path)))
        except BrowserBenchError as exc:
            pytest.fail(f"streamlit did not start: {exc}")
        yield servers["cockpit"], db


def _logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder


def _no_error_box(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, "Streamlit's exception box is on screen"
    body = page.locator("body").inner_text()
    assert "Ask Google" not in body and "Ask ChatGPT" not in body and "Traceback" not in body


def test_database_moved_away_then_back_recovers_without_reload(watched_page, own_server, output_dir):
    server, db = own_server
    with sqlite3.connect(db) as conn:
        (city,) = conn.execute("SELECT code FROM admin_unit WHERE parent_code IS NULL").fetchone()
    conn.close()
    page, watch = watched_page(1920, 1080)
    page.goto(f"{server.base_url}/?unit={city}&lang=zh")
    page.locator(".cards .kpi").first.wait_for(timeout=60_000)
    away = db.with_suffix(".away")
    db.rename(away)
    try:
        # drill into a street whose figures were never read: the store must answer, and cannot
        page.locator('[data-testid="stSelectbox"]').last.click()
        page.get_by_role("option").nth(1).click()
        notice = page.locator(".ck-notice")
        notice.wait_for(timeout=30_000)
        text = notice.inner_text()
        assert "无法连接数据库" in text and "自动重试" in text
        _no_error_box(page)
        page.screenshot(path=str(output_dir / "outage-notice.png"))
    finally:
        away.rename(db)
    loads = []
    page.on("load", lambda _p: loads.append(1))
    t0 = time.monotonic()
    notice.wait_for(state="detached", timeout=RECOVERY_LIMIT_S * 1000)
    page.locator(".cards .kpi").first.wait_for(timeout=30_000)
    recovered_s = time.monotonic() - t0
    assert recovered_s < RECOVERY_LIMIT_S
    assert loads == [], "recovery must not reload the page"
    _no_error_box(page)
    assert "› " in page.locator("body").inner_text()  # the drilled street's breadcrumb: the view was kept
    page.screenshot(path=str(output_dir / "outage-recovered.png"))
    assert watch.page_errors == []
