"""Who may see what, through AppTest: sign-in, roles by subtree, every path out of it, exports, kiosks, the audit log.

A users file with a leader, a street user, a viewer of one community, an analyst and an
account with no valid role; each path the issue names — a deep link to a sibling, the parent,
the city or a grid elsewhere, the breadcrumb, every page, the exports, the cache — is tried
for the street user and must stay inside their street.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cockpit.store import audit
from cockpit.store.users import User, Users, hash_password, new_kiosk, write_users

pytestmark = pytest.mark.usefixtures("app_env")
PASSWORD = "correct horse 42"
THEME_PAGES = ("overview", "cases", "alerts", "participation", "grids")


@pytest.fixture
def people(app_env, units) -> dict[str, str]:
    """The users file of this test (clean_env pointed COCKPIT_USERS_FILE at a scratch path); name -> unit."""
    del app_env  # needed first: it sets the scratch paths
    street = units.first("street")
    community = units.children(street)[0]
    users = Users()
    h = hash_password(PASSWORD)
    for name, role, unit in (("li", "leader", None), ("zhang", "street", street), ("wang", "viewer", community),
                             ("zhao", "analyst", None), ("qian", "janitor", street)):
        users.users[name] = User(name, role, unit, h)
    _, token = new_kiosk(users, street, "主屏")
    write_users(Path(os.environ["COCKPIT_USERS_FILE"]), users)
    return {"street": street, "community": community, "kiosk_token": token}


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="signin-name").input(name)
    at.text_input(key="signin-password").input(password)
    return at.button[0].click().run()


def header(at: AppTest) -> str:
    return next(h.proto.body for h in at.get("html") if "ck-title" in h.proto.body or "<h1" in h.proto.body)


def shown_unit(at: AppTest) -> str:
    return at.query_params.get("unit", "")


def events() -> list[tuple]:
    return audit.read_events(os.environ["COCKPIT_AUDIT_URL"])


def test_sign_in_is_asked_before_anything_and_failures_are_recorded(people, start):
    at = start(unit=people["street"])
    assert not at.exception
    assert [t.key for t in at.text_input] == ["signin-name", "signin-password"]
    assert not at.get("deck_gl_json_chart") and not at.dataframe  # nothing of the data before sign-in
    at = sign_in(at, "zhang", "wrong")
    assert at.error and "不正确" in at.error[0].value
    at = sign_in(at, "nobody", "wrong")
    assert at.error
    failed = [e for e in events() if e[2] == "sign_in_failed"]
    assert [e[1] for e in failed] == ["zhang", "nobody"]


@pytest.mark.parametrize("target", ["city", "parent_sibling", "grid_elsewhere", "sibling_community"])
def test_a_street_user_never_leaves_the_street(target, people, units, start):
    street = people["street"]
    others = [c for c in units.rows if units.rows[c][1] == "street" and c != street]
    elsewhere = {
        "city": units.city,
        "parent_sibling": others[0],
        "grid_elsewhere": next(g for g, (_, p) in units.grids.items() if not p.startswith(street[:9])),
        "sibling_community": units.children(others[0])[0],
    }[target]
    at = sign_in(start(unit=elsewhere), "zhang")
    assert not at.exception
    assert shown_unit(at) == street, (target, shown_unit(at))
    assert any("无权查看" in w.value for w in at.warning)
    # the breadcrumb: the city above the street is a name, not a button
    crumbs = [b for b in at.button if b.key and b.key.startswith("crumb-")]
    assert [b.key for b in crumbs] == [f"crumb-{street}"]
    assert any(units.name(units.city) in c.value for c in at.caption)


def test_a_street_user_drills_down_inside_and_is_stopped_at_every_page(people, units, start):
    street = people["street"]
    at = sign_in(start(), "zhang")
    assert shown_unit(at) == street  # no unit in the link: their own
    community = units.children(street)[0]
    at.selectbox(key=f"drill-{street}-zh").select(community).run()
    assert shown_unit(at) == community and not at.exception
    for page in THEME_PAGES:
        at.query_params["unit"] = units.city
        at.session_state["unit"] = units.city  # as a stale session or a crafted rerun would have it
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        assert shown_unit(at) == street, page


@pytest.mark.usefixtures("people")
def test_pages_a_role_may_not_use_are_not_in_the_navigation(start):
    at = sign_in(start(), "zhang")
    # 数据说明 names the database: leaders and analysts only. For others it is not registered at all.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/about.py")
    at = sign_in(start(), "li")
    at.switch_page("pages/about.py").run()
    assert any("sqlite" in c.value for c in at.caption)


def test_a_viewer_gets_no_export_and_a_street_user_exports_only_their_street(people, start, downloads):
    caught = downloads
    at = sign_in(start(page="pages/cases.py"), "wang")
    assert not at.exception and shown_unit(at) == people["community"]
    assert caught == {}  # no download is even built
    at = sign_in(start(unit=people["street"]), "zhang")
    caught.clear()
    at.switch_page("pages/cases.py").run()
    street_name = at.query_params.get("unit") and header(at)
    assert caught and street_name and all("_cases_" in n for n in caught)
    [book] = [n for n in caught if n.endswith("_workbook.xlsx")]
    caught[book]()
    [export] = [e for e in events() if e[2] == "export"]
    assert export[1] == "zhang" and export[5] == people["street"] and export[4] == "cases"


def test_the_cache_never_answers_a_street_user_with_a_leaders_figures(people, units, start):
    leader = sign_in(start(unit=units.city), "li")
    assert shown_unit(leader) == units.city
    city_header = header(leader)
    street_user = sign_in(start(unit=units.city), "zhang")  # the city's figures are in the cache now
    assert shown_unit(street_user) == people["street"] and header(street_user) != city_header
    assert units.name(people["street"]) in header(street_user)


@pytest.mark.usefixtures("people")
def test_an_account_without_a_valid_role_sees_nothing(start):
    at = sign_in(start(), "qian")
    assert not at.exception
    assert any("没有可查看的范围" in i.value for i in at.info)
    assert not at.get("deck_gl_json_chart") and not at.dataframe


def test_a_kiosk_token_opens_its_unit_on_the_big_screen_only(people, start):
    at = start(page="pages/bigscreen.py", unit=people["street"], kiosk=people["kiosk_token"])
    assert not at.exception
    assert not at.text_input  # no sign-in form on a wall
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/cases.py")  # a kiosk's navigation holds the big screen only
    bad = start(page="pages/bigscreen.py", unit=people["street"], kiosk="not-a-token")
    assert any("没有可查看的范围" in i.value for i in bad.info)
    assert [e[1] for e in events() if e[2] == "kiosk"][:1] and all(e[1].startswith("kiosk:") for e in events() if e[2] == "kiosk")


def test_without_a_users_file_the_demo_runs_open_and_says_so(start):
    at = start()
    assert not at.exception and not at.text_input
    assert any("演示模式" in c.value for c in at.caption)


def test_small_counts_are_suppressed_alike_on_screen_and_in_the_files(units, start, clean_env, downloads):
    clean_env.setenv("COCKPIT_SUPPRESS", "1")
    caught = downloads
    at = start(page="pages/grids.py", unit=units.first("street"))  # its grids, ranked by overdue cases
    assert not at.exception
    shown = at.dataframe[0].value
    households = shown["户数"].tolist()
    assert all(v == "<5" or int(v) == 0 or int(v) >= 5 for v in households)
    [csv] = [n for n in caught if n.endswith("_grids.csv")]
    raw = caught[csv]().decode("utf-8-sig")
    hidden = sum(str(v) == "<5" for col in shown.columns for v in shown[col])
    assert hidden > 0 and raw.count("<5") == hidden  # the same cells hidden on screen and in the file
    assert any("<5" in c.value for c in at.caption)


def test_the_phone_home_is_the_viewers_own_unit_wherever_the_link_was(people, units, start):
    community = people["community"]
    grid = units.children(community)[0]
    at = sign_in(start(unit=grid), "wang")  # a viewer of one community, sent a link to one of its grids
    assert shown_unit(at) == grid and not at.exception
    at.switch_page("pages/home.py").run()
    assert not at.exception
    assert shown_unit(at) == community  # the URL, the header and the figures all name their own unit
    assert units.name(community) in header(at)
    at = sign_in(start(unit=grid), "li")  # a whole-city leader has no own unit: the home follows the link
    at.switch_page("pages/home.py").run()
    assert shown_unit(at) == grid and units.name(grid) in header(at)
