"""Who may see what, through AppTest: sign-in, roles by subtree, every path out of it, exports, kiosks, the audit log.

A users file with a leader, a street user, a viewer of one community, an analyst and an
account with no valid role; each path the issue names — a deep link to a sibling, the parent,
the city or a grid elsewhere, the breadcrumb, every page, the exports, the cache — is tried
for the street user and must stay inside their street.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cockpit.store import audit
from cockpit.store.users import User, Users, find_kiosk, hash_password, new_kiosk, read_users, token_digest, write_users

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
    assert not at.exception and not [ti for ti in at.text_input if (ti.key or "").startswith("signin")]  # no sign-in form
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


# ---------------------------------------------------------------- kiosks (issue 29): the same subtree rule as sign-ins

BIGSCREEN = "pages/bigscreen.py"


def screen_unit(at: AppTest) -> str:
    """The unit the big screen draws (its header names it), not the URL (a kiosk's URL is left as given)."""
    head = next(h.proto.body for h in at.get("html") if 'class="bs-head"' in h.proto.body)
    return re.search(r'data-unit="(\d+)"', head).group(1)


def screen_head(at: AppTest) -> str:
    return next(h.proto.body for h in at.get("html") if 'class="bs-head"' in h.proto.body)


def kiosk_id(token: str) -> str:
    found = find_kiosk(read_users(Path(os.environ["COCKPIT_USERS_FILE"])), token)
    assert found is not None
    return found.id


def add_raw_kiosk(unit: str, children: bool) -> str:
    """A kiosk written as an operator's file holds it (`children = true` or no such line); its token."""
    token = f"wall-{unit}-{children}-token-long-enough"
    path = Path(os.environ["COCKPIT_USERS_FILE"])
    line = "children = true\n" if children else ""
    kid = "kids" if children else "plain"
    path.write_text(path.read_text(encoding="utf-8") + f'\n[kiosks.{kid}]\nunit = "{unit}"\n'
                    f'token_sha256 = "{token_digest(token)}"\ncreated = "2026-01-01T00:00:00"\n{line}',
                    encoding="utf-8")
    return token


@pytest.fixture
def nav_paths(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The URL paths of each st.navigation the app builds. AppTest opens pages by file hash, and Streamlit falls
    back to the default page silently; a browser opens them by path, and an unknown path gets Streamlit's English
    "Page not found" over the page (the browser test sees that one)."""
    import streamlit as st

    built: list[list[str]] = []
    original = st.navigation

    def navigation(pages, **kwargs):
        built.append([p.url_path for p in pages])
        return original(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", navigation)
    return built


def elsewhere_of(target: str, street: str, units) -> str:
    others = [c for c in units.rows if units.rows[c][1] == "street" and c != street]
    return {
        "sibling": others[0],
        "city": units.city,
        "grid_elsewhere": next(g for g, (_, p) in units.grids.items() if not p.startswith(street[:9])),
        "own_community": units.children(street)[0],  # below its unit: not without --children
    }[target]


@pytest.mark.parametrize("target", ["sibling", "city", "grid_elsewhere", "own_community"])
def test_a_kiosk_shows_only_its_own_unit_whatever_the_link_asks(target, people, units, start):
    street, token = people["street"], people["kiosk_token"]
    asked = elsewhere_of(target, street, units)
    at = start(page=BIGSCREEN, unit=asked, kiosk=token)
    assert not at.exception
    assert screen_unit(at) == street, (target, screen_unit(at))
    assert any("无权查看" in w.value and asked in w.value for w in at.warning), [w.value for w in at.warning]
    at.run()  # the same session again: one record per session and refusal, not one per run
    kid = kiosk_id(token)
    refused = [e for e in events() if e[2] == "kiosk_refused"]
    assert [(e[1], e[5]) for e in refused] == [(f"kiosk:{kid}", asked)]


def test_a_kiosk_rotating_children_from_a_unit_above_stays_on_its_own_unit(people, units, start):
    street, token = people["street"], people["kiosk_token"]
    at = start(page=BIGSCREEN, unit=units.city, rotate="children", every="10", kiosk=token)
    assert not at.exception
    assert screen_unit(at) == street
    assert "bs-rot" not in screen_head(at)  # no rotation: its children are not its to show
    assert any("轮播" in w.value for w in at.warning), [w.value for w in at.warning]
    refused = [(e[5], e[7]) for e in events() if e[2] == "kiosk_refused"]
    assert (units.city, None) in refused and (street, "rotate=children") in refused


def test_a_kiosks_notice_follows_the_pages_language(people, units, start):
    at = start(page=BIGSCREEN, unit=units.city, lang="en", kiosk=people["kiosk_token"])
    assert screen_unit(at) == people["street"]
    [notice] = [w.value for w in at.warning]
    assert "may not" in notice and not re.search(r"[\u3400-\u9fff]", notice)


def test_a_kiosk_made_with_children_opens_and_rotates_below_its_unit_only(people, units, start):
    street = people["street"]
    token = add_raw_kiosk(street, children=True)
    community = units.children(street)[0]
    at = start(page=BIGSCREEN, unit=community, kiosk=token)
    assert not at.exception and not at.warning
    assert screen_unit(at) == community
    sibling = elsewhere_of("sibling", street, units)
    at = start(page=BIGSCREEN, unit=sibling, kiosk=token)
    assert screen_unit(at) == street and at.warning
    at = start(page=BIGSCREEN, unit=units.city, rotate="children", every="10", kiosk=token)
    assert screen_unit(at) == street
    assert f"轮播 1/{len(units.children(street)) + 1}" in screen_head(at)


def test_an_old_kiosk_without_the_children_line_may_not_open_below(people, units, start):
    street = people["street"]
    token = add_raw_kiosk(street, children=False)
    at = start(page=BIGSCREEN, unit=units.children(street)[0], kiosk=token)
    assert screen_unit(at) == street and at.warning


@pytest.mark.parametrize("how", ["wrong", "revoked"])
def test_a_wrong_or_revoked_token_gets_one_chinese_notice_and_an_audit_record(how, people, start, nav_paths):
    token = "not-a-token"
    if how == "revoked":
        path = Path(os.environ["COCKPIT_USERS_FILE"])
        users = read_users(path)
        kiosk, token = new_kiosk(users, people["street"], "旧屏")
        write_users(path, users)
        users.kiosks.pop(kiosk.id)
        write_users(path, users)
    at = start(page=BIGSCREEN, unit=people["street"], kiosk=token)
    assert not at.exception and not at.text_input
    notices = [i.value for i in at.info] + [w.value for w in at.warning] + [e.value for e in at.error]
    assert len(notices) == 1 and "无效或已撤销" in notices[0] and not re.search(r"[A-Za-z]{4,}", notices[0])
    assert "bigscreen" in nav_paths[-1]  # the address asked for is known: no English "Page not found"
    assert not at.get("deck_gl_json_chart")
    at.run()
    bad = [e for e in events() if e[2] == "kiosk_invalid"]
    assert len(bad) == 1 and bad[0][7] == f"sha256:{token_digest(token)[:6]}"
    assert all(token not in " ".join(map(str, e)) for e in events())


def test_a_wrong_token_notice_is_english_with_lang_en(people, start):
    at = start(page=BIGSCREEN, unit=people["street"], lang="en", kiosk="not-a-token")
    [notice] = [i.value for i in at.info]
    assert "invalid or revoked" in notice


def test_a_kiosk_session_without_its_token_is_no_kiosk_and_not_the_open_demo(people, units, start):
    at = start(page=BIGSCREEN, unit=people["street"], kiosk=people["kiosk_token"])
    assert screen_unit(at) == people["street"]
    del at.query_params["kiosk"]
    at.query_params["unit"] = units.city
    at.run()
    assert not at.exception
    assert [t.key for t in at.text_input] == ["signin-name", "signin-password"]  # asks who is looking
    assert not at.get("deck_gl_json_chart")


def test_a_users_file_with_kiosks_only_is_not_the_open_demo(units, start):
    path = Path(os.environ["COCKPIT_USERS_FILE"])
    users = Users()
    _, token = new_kiosk(users, units.first("street"), "主屏")
    write_users(path, users)
    at = start(page=BIGSCREEN, unit=units.city)  # the wall's link with its token cut off
    assert not at.exception and not any("演示模式" in c.value for c in at.caption)
    assert not at.get("deck_gl_json_chart")
    at = start(page=BIGSCREEN, unit=units.first("street"), kiosk=token)
    assert screen_unit(at) == units.first("street")


def test_a_viewer_of_one_grid_sees_no_other_grid_on_the_grids_page(units, start):
    """The grids page at a grid lists its community's grids: for a viewer whose unit is that grid, only it."""
    path = Path(os.environ["COCKPIT_USERS_FILE"])
    community = units.first("community")
    grid, other = units.children(community)[:2]
    users = Users()
    users.users["zhou"] = User("zhou", "viewer", grid, hash_password(PASSWORD))
    write_users(path, users)
    at = sign_in(start(unit=grid), "zhou")
    at.switch_page("pages/grids.py").run()
    assert not at.exception and shown_unit(at) == grid
    shown = " ".join(map(str, at.dataframe[0].value.to_numpy().ravel()))
    assert units.name(grid) in shown and units.name(other) not in shown
