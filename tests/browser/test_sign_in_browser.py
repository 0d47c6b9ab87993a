"""In Chromium: signing in through the form, two users at once in two browser contexts, each kept to their unit.

The server here reads a users file of its own (a street user and a leader); a deep link to the
cases page of the city lands the street user on the cases page of their street.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import ExitStack, closing
from urllib.parse import parse_qs, urlparse

import pytest

from cockpit.store import audit
from cockpit.store.users import User, Users, hash_password, write_users
from cockpit.tools.bench.servers import BrowserBenchError, streamlit_servers
from tests.browser.test_outage_browser import REPO, _logs

pytestmark = pytest.mark.browser
PASSWORD = "two users at once"


@pytest.fixture
def signed_server(small_demo, tmp_path):
    with closing(sqlite3.connect(small_demo.db_path)) as con:
        city = con.execute("SELECT code, name FROM admin_unit WHERE parent_code IS NULL").fetchone()
        street = con.execute("SELECT code, name FROM admin_unit WHERE level = 'street' ORDER BY code").fetchone()
    users = Users()
    users.users["zhang"] = User("zhang", "street", street[0], hash_password(PASSWORD))
    users.users["li"] = User("li", "leader", None, hash_password(PASSWORD))
    write_users(tmp_path / "users.toml", users)
    audit_url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    env = {**small_demo.env, "COCKPIT_BUILD_DEMO": "0", "COCKPIT_USERS_FILE": str(tmp_path / "users.toml"),
           "COCKPIT_AUDIT_URL": audit_url, "COCKPIT_SECRET_FILE": str(tmp_path / "cookie_secret")}
    with ExitStack() as stack:
        try:
            servers = stack.enter_context(streamlit_servers({"cockpit": (REPO / "app.py", env)}, _logs(tmp_path)))
        except BrowserBenchError as exc:
            pytest.fail(f"streamlit did not start: {exc}")
        yield servers["cockpit"], city, street, audit_url


def _sign_in(page, name: str, password: str) -> None:
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def _title(page, timeout_s: float = 60) -> str:
    page.locator("h1.ck-title").wait_for(timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and page.locator("[data-testid=stStatusWidget]").count():
        time.sleep(0.3)
    return page.locator("h1.ck-title").inner_text()


def test_two_users_signed_in_at_once_each_see_their_own(browser, signed_server, output_dir):
    server, (city, city_name), (street, street_name), audit_url = signed_server
    contexts = [browser.new_context(viewport={"width": 1920, "height": 1080}) for _ in range(2)]
    try:
        street_page, leader_page = (c.new_page() for c in contexts)
        street_page.goto(f"{server.base_url}/cases?unit={city}")
        leader_page.goto(f"{server.base_url}/?unit={city}")
        for page in (street_page, leader_page):
            page.get_by_label("用户名").wait_for(timeout=60_000)
            assert page.locator("h1.ck-title").count() == 0  # nothing of the data before sign-in
        _sign_in(street_page, "zhang", "wrong password")
        street_page.get_by_text("用户名或密码不正确").wait_for(timeout=30_000)
        _sign_in(street_page, "zhang", PASSWORD)
        _sign_in(leader_page, "li", PASSWORD)
        assert street_name in _title(street_page) and city_name in _title(leader_page)
        time.sleep(2)
        street_url, leader_url = urlparse(street_page.url), urlparse(leader_page.url)
        assert street_url.path.rstrip("/").endswith("cases")  # the deep link's page, after sign-in
        assert parse_qs(street_url.query)["unit"] == [street] and parse_qs(leader_url.query)["unit"] == [city]
        assert street_page.get_by_text("无权查看单元").count() == 1
        # the leader's session does not change the street user's, and the other way round; a reload keeps
        # each signed in as themselves (the cookie, tests/browser/test_sign_in_stays.py)
        leader_page.reload()
        assert city_name in _title(leader_page) and leader_page.get_by_label("用户名").count() == 0
        assert street_name in _title(street_page)
        for page in (street_page,):
            assert page.locator("[data-testid=stException]").count() == 0
        street_page.screenshot(path=str(output_dir / "sign_in_street.png"))
    finally:
        for c in contexts:
            c.close()
    events = [(e[1], e[2]) for e in audit.read_events(audit_url)]
    assert ("zhang", "sign_in_failed") in events and ("zhang", "sign_in") in events and ("li", "sign_in") in events
