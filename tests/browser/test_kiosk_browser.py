"""In Chromium: a wall's kiosk link keeps to its own unit whatever its URL asks (issue 29), and a wrong or
revoked token gets one Chinese notice — never Streamlit's English "Page not found".

The server reads a users file of its own: one user (so the cockpit asks who is looking), a kiosk
for the first street made without --children (the default), and a revoked kiosk.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from contextlib import ExitStack, closing

import pytest

from cockpit.store import audit
from cockpit.store.users import User, Users, hash_password, new_kiosk, write_users
from cockpit.tools.bench.servers import BrowserBenchError, streamlit_servers
from tests.browser.test_outage_browser import REPO, _logs

pytestmark = pytest.mark.browser
ENGLISH = ("Page not found", "Running the app", "main page")


@pytest.fixture(scope="module")
def kiosk_server(small_demo, tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("kiosk")
    with closing(sqlite3.connect(small_demo.db_path)) as con:
        city = con.execute("SELECT code FROM admin_unit WHERE parent_code IS NULL").fetchone()[0]
        street, sibling = (r[0] for r in con.execute(
            "SELECT code FROM admin_unit WHERE level = 'street' ORDER BY code LIMIT 2"))
        grid = con.execute("SELECT code FROM grid WHERE code NOT LIKE ? ORDER BY code", (street[:9] + "%",)).fetchone()[0]
    users = Users()
    users.users["li"] = User("li", "leader", None, hash_password("a leader's password"))
    kiosk, token = new_kiosk(users, street, "主屏")
    old, revoked = new_kiosk(users, street, "旧屏")
    del users.kiosks[old.id]
    write_users(folder / "users.toml", users)
    audit_url = f"sqlite:///{folder / 'audit.sqlite'}"
    env = {**small_demo.env, "COCKPIT_BUILD_DEMO": "0", "COCKPIT_USERS_FILE": str(folder / "users.toml"),
           "COCKPIT_AUDIT_URL": audit_url}
    with ExitStack() as stack:
        try:
            servers = stack.enter_context(streamlit_servers({"cockpit": (REPO / "app.py", env)}, _logs(folder)))
        except BrowserBenchError as exc:
            pytest.fail(f"streamlit did not start: {exc}")
        # A fresh server's first session is slow and odd (see test_bigscreen_browser.py): spend it here.
        warm = browser.new_page()
        warm.goto(f"{servers['cockpit'].base_url}/bigscreen?unit={street}&embed=true&kiosk={token}")
        warm.locator(".bs-title").wait_for(timeout=180_000)
        warm.close()
        yield {"server": servers["cockpit"], "city": city, "street": street, "sibling": sibling, "grid": grid,
               "kiosk": kiosk.id, "token": token, "revoked": revoked, "audit_url": audit_url}


@pytest.fixture
def wall(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(90_000)
    yield page
    context.close()


def _settled(page) -> None:
    time.sleep(1.5)  # Streamlit's "Page not found" dialog comes with the first run's messages
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and page.locator("[data-testid=stStatusWidget]").count():
        time.sleep(0.3)


@pytest.mark.parametrize("asked", ["sibling", "city", "grid", "rotate_from_city"])
def test_a_kiosk_link_shows_its_own_street_whatever_unit_it_names(asked, kiosk_server, wall, output_dir):
    s = kiosk_server
    query = f"unit={s['city']}&rotate=children&every=10" if asked == "rotate_from_city" else f"unit={s[asked]}"
    wall.goto(f"{s['server'].base_url}/bigscreen?{query}&embed=true&kiosk={s['token']}")
    wall.locator(".bs-head").wait_for()
    _settled(wall)
    assert wall.locator(".bs-head").get_attribute("data-unit") == s["street"]
    assert wall.locator(".bs-rot").count() == 0  # no rotation through the units below: not this kiosk's
    assert wall.get_by_text("本大屏无权查看单元").count() == 1
    if asked == "rotate_from_city":
        assert wall.get_by_text("本大屏不可轮播下级单元").count() == 1
    body = wall.locator("body").inner_text()
    assert not any(e in body for e in ENGLISH) and wall.locator("[data-testid=stException]").count() == 0
    wall.screenshot(path=str(output_dir / f"kiosk-refused-{asked}.png"))
    refused = [(e[1], e[5]) for e in audit.read_events(s["audit_url"]) if e[2] == "kiosk_refused"]
    wanted = s["city"] if asked == "rotate_from_city" else s[asked]
    assert (f"kiosk:{s['kiosk']}", wanted) in refused


@pytest.mark.parametrize("how", ["wrong", "revoked"])
def test_a_wrong_or_revoked_token_gets_one_chinese_notice(how, kiosk_server, wall, output_dir):
    s = kiosk_server
    token = "not-a-kiosk-token" if how == "wrong" else s["revoked"]
    wall.goto(f"{s['server'].base_url}/bigscreen?unit={s['street']}&embed=true&kiosk={token}")
    wall.get_by_text("大屏链接无效或已撤销").wait_for()
    _settled(wall)
    body = wall.locator("body").inner_text()
    assert not any(e in body for e in ENGLISH), body
    assert wall.locator("[data-testid=stDialog]").count() == 0 and wall.locator(".bs-head").count() == 0
    assert wall.locator("[data-testid=stAlert]").count() == 1  # one notice, nothing else
    wall.screenshot(path=str(output_dir / f"kiosk-{how}-token.png"))
    prefix = hashlib.sha256(token.encode()).hexdigest()[:6]
    assert ("kiosk_invalid", f"sha256:{prefix}") in [(e[2], e[7]) for e in audit.read_events(s["audit_url"])]
