"""The unit search (#23) through AppTest: type, pick, land there with the page, period and language kept;
only the viewer's subtree is offered."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cockpit.store.users import User, Users, hash_password, write_users

pytestmark = pytest.mark.usefixtures("app_env")
PASSWORD = "correct horse 42"


def _search(at, text: str):
    at.text_input(key="unit_search_text").input(text)
    return at.run()


def _picker(at):
    found = [s for s in at.selectbox if s.key == "unit_search_pick"]
    return found[0] if found else None


def test_typing_a_name_offers_it_with_its_path_and_picking_goes_there(start, units):
    street = units.first("street")
    name = units.name(street)
    at = _search(start(page="pages/cases.py", period="90"), name[:2])
    picker = _picker(at)
    assert picker is not None
    # options are shown as labels: the name, then its path (here the city)
    assert f"{name}（{units.name(units.city)}）" in picker.options
    at = picker.set_value(street).run()
    assert not at.exception and not at.error
    assert at.query_params["unit"] == street and at.query_params["period"] == "90"
    assert any("ck-cases" in h.proto.body for h in at.get("html"))  # still the cases page
    assert at.text_input(key="unit_search_text").value == ""  # the box is emptied for the next search


def test_pinyin_initials_and_code_find_the_same_unit(start, units):
    from pypinyin import lazy_pinyin

    street = units.first("street")
    syllables = lazy_pinyin(units.name(street))
    for text in ("".join(syllables), "".join(s[0] for s in syllables).upper(), street[:9]):
        at = _search(start(), text)
        picker = _picker(at)
        assert picker is not None and picker.options[0].startswith(units.name(street)), (text, picker and picker.options)


def test_nothing_found_says_so(start):
    at = _search(start(lang="en"), "zzzzqqq")
    assert _picker(at) is None and any("No unit matches" in c.value for c in at.caption)


@pytest.fixture
def street_user(app_env, units) -> str:
    del app_env
    street = units.first("street")
    users = Users()
    users.users["zhang"] = User("zhang", "street", street, hash_password(PASSWORD))
    write_users(Path(os.environ["COCKPIT_USERS_FILE"]), users)
    return street


def test_a_street_user_is_offered_only_their_street(start, units, street_user):
    at = start()
    at.text_input(key="signin-name").input("zhang")
    at.text_input(key="signin-password").input(PASSWORD)
    at.button[0].click()
    at = at.run()
    sibling = next(c for c in units.children(units.city) if c != street_user)
    at = _search(at, units.name(sibling))
    picker = _picker(at)
    assert picker is None or not any(o.startswith(units.name(sibling)) for o in picker.options)
    at = _search(at, units.name(units.city))
    picker = _picker(at)  # the city's name is in every path, never itself a result
    assert picker is None or not any(o.startswith(units.name(units.city)) for o in picker.options)
    mine = units.children(street_user)[0]
    at = _search(at, units.name(mine))
    picker = _picker(at)
    assert picker is not None and any(o.startswith(units.name(mine)) for o in picker.options)
    assert all(units.name(street_user) in o for o in picker.options)  # every result lies in their street


def test_phone_home_has_the_search_inline(start):
    at = start(page="pages/home.py")
    assert any(ti.key == "home_search_text" for ti in at.text_input)
