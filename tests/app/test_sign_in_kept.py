"""The kept sign-in through AppTest: a session in the own store per password, ended everywhere by a sign-out
or from elsewhere, and an emptied users file that closes the cockpit instead of opening it.

(The cookie itself needs a browser: tests/browser/test_sign_in_stays.py.)
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from cockpit.store import audit, sessions
from cockpit.store.users import User, Users, hash_password, write_users

pytestmark = pytest.mark.usefixtures("app_env")
PASSWORD = "kept in the own store"


@pytest.fixture
def street_user(app_env, units, monkeypatch) -> str:
    del app_env  # needed first: it sets the scratch paths
    monkeypatch.setenv("COCKPIT_SESSION_RECHECK_SECONDS", "0")  # every run reads the session again
    street = units.first("street")
    users = Users()
    users.users["zhang"] = User("zhang", "street", street, hash_password(PASSWORD))
    write_users(Path(os.environ["COCKPIT_USERS_FILE"]), users)
    return street


def sign_in(at):
    at.text_input(key="signin-name").input("zhang")
    at.text_input(key="signin-password").input(PASSWORD)
    return at.button[0].click().run()


def open_sessions() -> list[tuple]:
    engine = sa.create_engine(os.environ["COCKPIT_AUDIT_URL"])
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT who, role, unit_code, ended_at, ended_why FROM signin_session")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_password_opens_one_session_and_signing_out_ends_it(street_user, start):
    at = sign_in(start())
    assert not at.exception and at.query_params["unit"] == street_user
    assert open_sessions() == [("zhang", "street", street_user, None, None)]
    at.button(key="sign-out").click().run()
    assert [t.key for t in at.text_input] == ["signin-name", "signin-password"]
    [(who, _, _, ended_at, why)] = open_sessions()
    assert who == "zhang" and ended_at is not None and why == "sign_out"


@pytest.mark.usefixtures("street_user")
def test_a_session_ended_elsewhere_ends_here_at_the_next_run(start):
    at = sign_in(start())
    engine = sa.create_engine(os.environ["COCKPIT_AUDIT_URL"])
    with engine.connect() as conn:
        sid = conn.execute(sa.text("SELECT id FROM signin_session")).scalar_one()
    engine.dispose()
    assert sessions.end_session(os.environ["COCKPIT_AUDIT_URL"], sid, "sign_out", datetime.now())  # another tab's sign-out
    at.run()
    assert [t.key for t in at.text_input] == ["signin-name", "signin-password"]
    assert any("已退出登录" in i.value for i in at.info)
    assert not at.get("deck_gl_json_chart")


def test_a_new_role_ends_the_sign_in_and_says_why(street_user, units, start):
    at = sign_in(start())
    community = units.children(street_user)[0]
    users = Users()
    users.users["zhang"] = User("zhang", "community", community, hash_password(PASSWORD))
    write_users(Path(os.environ["COCKPIT_USERS_FILE"]), users)
    at.run()
    assert [t.key for t in at.text_input] == ["signin-name", "signin-password"]
    assert any("角色或单位已变更" in i.value for i in at.info)
    events = [(e[1], e[2], e[7]) for e in audit.read_events(os.environ["COCKPIT_AUDIT_URL"])]
    assert ("zhang", "session_ended", "changed") in events


def test_an_emptied_users_file_closes_the_cockpit(street_user, start):
    write_users(Path(os.environ["COCKPIT_USERS_FILE"]), Users())  # `users remove` of the last user
    at = start(unit=street_user)
    assert not at.exception
    assert [t.key for t in at.text_input] == ["signin-name", "signin-password"]
    assert not at.get("deck_gl_json_chart")
