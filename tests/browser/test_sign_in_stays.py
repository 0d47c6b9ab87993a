"""In Chromium, on two cockpit processes sharing one users file, own store and secret: a sign-in that stays.

Signed in once on process A: a reload, a new tab with a deep link and the same link on process B
all show the street user's own street, signed in; every page's link to the city, a sibling street
or a grid elsewhere shows the street again with the refusal notice. Signing out on A ends the
session in B's open tab without anyone touching it; `users remove` and a new role end a sign-in
at the next page run.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import ExitStack, closing
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import pytest

from cockpit.domain.sign_in import COOKIE_NAME
from cockpit.store import audit
from cockpit.store.users import User, Users, hash_password, read_users, write_users
from cockpit.tools.bench.servers import BrowserBenchError, Server, streamlit_servers
from tests.browser.test_outage_browser import REPO, _logs

pytestmark = pytest.mark.browser
PASSWORD = "stays signed in"
PAGES = ("overview", "home", "cases", "alerts", "participation", "grids")


@dataclass
class Deployment:
    a: Server
    b: Server
    users_file: object
    audit_url: str
    city: str
    street: tuple[str, str]
    sibling: str
    grid_elsewhere: str
    community: str


@pytest.fixture
def two_processes(small_demo, tmp_path):
    with closing(sqlite3.connect(small_demo.db_path)) as con:
        city = con.execute("SELECT code FROM admin_unit WHERE parent_code IS NULL").fetchone()[0]
        streets = con.execute("SELECT code, name FROM admin_unit WHERE level = 'street' ORDER BY code").fetchall()
        community = con.execute("SELECT code FROM admin_unit WHERE level = 'community' AND parent_code = ? ORDER BY code",
                                (streets[0][0],)).fetchone()[0]
        grid = con.execute("SELECT code FROM grid WHERE code NOT LIKE ? ORDER BY code", (streets[0][0][:9] + "%",)).fetchone()[0]
    users = Users()
    users.users["zhang"] = User("zhang", "street", streets[0][0], hash_password(PASSWORD))
    users_file = tmp_path / "users.toml"
    write_users(users_file, users)
    audit_url = f"sqlite:///{tmp_path / 'own.sqlite'}"
    env = {**small_demo.env, "COCKPIT_BUILD_DEMO": "0", "COCKPIT_USERS_FILE": str(users_file),
           "COCKPIT_AUDIT_URL": audit_url, "COCKPIT_SECRET_FILE": str(tmp_path / "cookie_secret"),
           "COCKPIT_SESSION_RECHECK_SECONDS": "2"}
    with ExitStack() as stack:
        try:
            servers = stack.enter_context(streamlit_servers({"a": (REPO / "app.py", env), "b": (REPO / "app.py", env)},
                                                            _logs(tmp_path)))
        except BrowserBenchError as exc:
            pytest.fail(f"streamlit did not start: {exc}")
        yield Deployment(servers["a"], servers["b"], users_file, audit_url, city, tuple(streets[0]), streets[1][0], grid,
                         community)


def _sign_in(page, name: str) -> None:
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _settled(page, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    time.sleep(0.5)
    while time.monotonic() < deadline and page.locator("[data-testid=stStatusWidget]").count():
        time.sleep(0.3)


def _shown(page, timeout_s: float = 60) -> tuple[str, str]:
    """(the header, the unit in the address) once the page has drawn, signed in."""
    page.locator("h1.ck-title").wait_for(timeout=timeout_s * 1000)
    _settled(page)
    assert page.locator("[data-testid=stException]").count() == 0
    return page.locator("h1.ck-title").inner_text(), parse_qs(urlparse(page.url).query).get("unit", [""])[0]


def _cookie(context, timeout_s: float = 10) -> dict:
    """The sign-in cookie, once the page has traded its claim for it (a request of its own, just after the sign-in)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no {COOKIE_NAME} cookie {timeout_s} s after the sign-in")


def _signed_out(page, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.get_by_label("用户名").count() and page.locator("h1.ck-title").count() == 0:
            return True
        time.sleep(0.5)
    return False


def test_a_sign_in_stays_across_reloads_tabs_links_and_processes(browser, two_processes, output_dir):
    d = two_processes
    street, street_name = d.street
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{d.a.base_url}/cases?unit={d.city}")
        _sign_in(page, "zhang")
        assert street_name in _shown(page)[0]
        cookie = _cookie(context)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > time.time() + 11 * 3600
        assert page.evaluate("document.cookie").find(COOKIE_NAME) == -1  # no script on the page can read it
        assert COOKIE_NAME not in page.url and "claim" not in page.url

        page.reload()
        header, unit = _shown(page)
        assert street_name in header and unit == street and urlparse(page.url).path.endswith("/cases")

        tab = context.new_page()  # a link pasted into a new tab, to the community, on the other process
        tab.goto(f"{d.b.base_url}/alerts?unit={d.community}&period=7")
        header, unit = _shown(tab)
        assert unit == d.community and tab.get_by_label("用户名").count() == 0
        tab.screenshot(path=str(output_dir / "sign_in_stays_process_b.png"))

        for name in PAGES:  # every way out of the street, typed into the address bar, on every page
            for target in (d.city, d.sibling, d.grid_elsewhere):
                tab.goto(f"{d.b.base_url}/{name}?unit={target}")
                header, unit = _shown(tab)
                assert unit == street, f"/{name}?unit={target} showed {unit}"
                assert tab.get_by_text("无权查看单元").count() == 1, f"/{name}?unit={target}: no refusal notice"
                assert street_name in header, f"/{name}?unit={target}: {header}"

        page.get_by_role("button", name="退出登录").click()  # on A: B's open tab follows by itself
        assert _signed_out(page, 30)
        assert _signed_out(tab, 20), "the other process's open tab still shows figures 20 s after the sign-out"
        assert tab.get_by_text("已退出登录").count() == 1
        assert COOKIE_NAME not in [c["name"] for c in context.cookies()]
        page.goto(f"{d.a.base_url}/?unit={street}")  # the old cookie is gone and its session ended: sign in again
        assert _signed_out(page, 30)
    finally:
        context.close()
    events = [(e[1], e[2]) for e in audit.read_events(d.audit_url)]
    assert events.count(("zhang", "sign_in")) == 1 and ("zhang", "sign_out") in events


def test_removing_a_user_or_changing_their_role_ends_the_sign_in(browser, two_processes, output_dir):
    d = two_processes
    street, street_name = d.street
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{d.a.base_url}/?unit={street}")
        _sign_in(page, "zhang")
        assert street_name in _shown(page)[0]
        _cookie(context)
        users = read_users(d.users_file)
        user = users.users["zhang"]
        users.users["zhang"] = User("zhang", "community", d.community, user.password_hash)  # a new role
        write_users(d.users_file, users)
        assert _signed_out(page, 20), "a new role did not end the sign-in within 20 s"
        assert page.get_by_text("角色或单位已变更").count() == 1
        _sign_in(page, "zhang")
        header, unit = _shown(page)
        assert unit == d.community
        _cookie(context)
        users.users.pop("zhang")  # `users remove`
        write_users(d.users_file, users)
        other = context.new_page()
        other.goto(f"{d.b.base_url}/cases?unit={d.community}")
        signed_out = _signed_out(other, 20)
        other.screenshot(path=str(output_dir / "sign_in_removed.png"))
        assert signed_out and other.get_by_text("已被停用").count() == 1
    finally:
        context.close()
    ended = [e for e in audit.read_events(d.audit_url) if e[2] == "session_ended"]
    assert [e[7] for e in ended] == ["changed", "removed"]
