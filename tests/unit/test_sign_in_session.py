"""A users-file sign-in that stays: when it holds (pure), its cookie's signature, its sessions in the own store."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta

import pytest

from cockpit.core.settings import SessionPolicy, load_settings
from cockpit.domain import sign_in
from cockpit.domain.sign_in import read_cookie, session_verdict, sign_cookie
from cockpit.store import sessions

NOW = datetime(2026, 10, 8, 9, 0)
POLICY = SessionPolicy()


def verdict(**changes: object) -> str | None:
    args: dict[str, object] = {"issued_at": NOW - timedelta(hours=2), "last_seen": NOW - timedelta(minutes=5),
                               "ended_at": None, "role": "street", "unit_code": "330681001000",
                               "user_now": ("street", "330681001000"), "now": NOW, "policy": POLICY}
    return session_verdict(**(args | changes))


def test_a_sign_in_holds_until_each_reason_to_end_it():
    assert verdict() is None
    assert verdict(ended_at=NOW - timedelta(seconds=1)) == sign_in.ENDED
    assert verdict(ended_at=NOW, ended_why="sign_out") == sign_in.ENDED
    assert verdict(ended_at=NOW, ended_why=sign_in.REMOVED) == sign_in.REMOVED  # the reason another tab saw
    assert verdict(issued_at=NOW - timedelta(hours=12)) == sign_in.EXPIRED
    assert verdict(issued_at=NOW - timedelta(hours=11, minutes=59)) is None
    assert verdict(last_seen=NOW - timedelta(minutes=30)) == sign_in.IDLE
    assert verdict(last_seen=NOW - timedelta(minutes=29)) is None
    assert verdict(user_now=None) == sign_in.REMOVED
    assert verdict(user_now=("viewer", "330681001000")) == sign_in.CHANGED
    assert verdict(user_now=("street", "330681002000")) == sign_in.CHANGED
    assert verdict(last_seen=NOW - timedelta(minutes=3), policy=SessionPolicy(idle_minutes=2)) == sign_in.IDLE


def test_the_cookie_is_signed_and_ages():
    value = sign_cookie("abc", "secret one")
    assert read_cookie(value, "secret one", 60) == "abc"
    assert read_cookie(value, "another deployment", 60) is None  # a foreign or forged signature
    assert read_cookie("abc", "secret one", 60) is None  # an unsigned id
    assert read_cookie(value[:-2] + "xx", "secret one", 60) is None
    assert read_cookie(None, "secret one", 60) is None and read_cookie("", "secret one", 60) is None
    assert read_cookie(value, "secret one", -1) is None  # older than the policy allows


def test_a_session_in_the_own_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'own.sqlite'}"
    sid, claim = sessions.open_session(url, "zhang", "street", "330681001000", NOW)
    found = sessions.find_session(url, sid)
    assert found is not None and (found.who, found.role, found.unit_code, found.ended_at) == \
        ("zhang", "street", "330681001000", None)
    assert sessions.trade_claim(url, "not the claim", NOW) is None
    assert sessions.trade_claim(url, claim, NOW + timedelta(seconds=sessions.CLAIM_SECONDS + 1)) is None  # late
    assert sessions.trade_claim(url, claim, NOW + timedelta(seconds=5)) == sid
    assert sessions.trade_claim(url, claim, NOW + timedelta(seconds=6)) is None  # once only
    sessions.touch_session(url, sid, NOW + timedelta(minutes=10))
    assert sessions.find_session(url, sid).last_seen == NOW + timedelta(minutes=10)
    assert sessions.end_session(url, sid, "sign_out", NOW + timedelta(minutes=11)) is True
    assert sessions.end_session(url, sid, "sign_out", NOW + timedelta(minutes=12)) is False  # already ended
    assert sessions.find_session(url, sid).ended_at == NOW + timedelta(minutes=11)
    sessions.touch_session(url, sid, NOW + timedelta(minutes=13))  # an ended session is not revived
    assert sessions.find_session(url, sid).last_seen == NOW + timedelta(minutes=10)
    _, claim2 = sessions.open_session(url, "li", "leader", None, NOW)
    assert sessions.forget_before(url, NOW + timedelta(minutes=11, seconds=30)) == 2
    assert sessions.find_session(url, sid) is None
    assert sessions.trade_claim(url, claim2, NOW) is None


def test_the_secret_is_made_once_owner_only_and_configuration_wins(tmp_path):
    path = tmp_path / "deep" / "cookie_secret"
    made = sessions.deployment_secret(None, path)
    assert len(made) >= 60 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sessions.deployment_secret(None, path) == made  # a second process reads the same one
    assert sessions.deployment_secret("configured", path) == "configured"


def test_session_settings(monkeypatch, tmp_path):
    monkeypatch.setattr("cockpit.core.settings.SECRETS_PATH", tmp_path / "none.toml")
    for name in [n for n in os.environ if n.startswith("COCKPIT_")]:
        monkeypatch.delenv(name)
    assert load_settings().session == SessionPolicy(hours=12, idle_minutes=30, recheck_seconds=30)
    monkeypatch.setenv("COCKPIT_SESSION_HOURS", "8")
    monkeypatch.setenv("COCKPIT_SESSION_IDLE_MINUTES", "15")
    assert load_settings().session.max_age == 8 * 3600 and load_settings().session.idle_minutes == 15
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('[auth]\ncookie_secret = "shared with st.login"\n', encoding="utf-8")
    monkeypatch.setattr("cockpit.core.settings.SECRETS_PATH", secrets_file)
    assert load_settings().cookie_secret == "shared with st.login"
    monkeypatch.setenv("COCKPIT_COOKIE_SECRET", "from the environment")
    assert load_settings().cookie_secret == "from the environment"


@pytest.mark.parametrize("base, want", [("", "/"), ("cockpit", "/cockpit/"), ("/a/b/", "/a/b/")])
def test_routes_live_under_the_base_path(base, want):
    from cockpit.web import routes

    paths = [r.path for r in routes.routes(base)]
    assert paths == [f"{want}{routes.CLAIM_PATH}", f"{want}{routes.SIGN_OUT_PATH}"]


def test_the_routes_set_an_httponly_cookie_from_a_claim_once_and_clear_it(monkeypatch, tmp_path):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient  # httpx, a dependency of streamlit[auth]

    from cockpit.web import routes

    monkeypatch.setattr("cockpit.core.settings.SECRETS_PATH", tmp_path / "none.toml")
    url = f"sqlite:///{tmp_path / 'own.sqlite'}"
    monkeypatch.setenv("COCKPIT_AUDIT_URL", url)
    monkeypatch.setenv("COCKPIT_SECRET_FILE", str(tmp_path / "cookie_secret"))
    sid, claim = sessions.open_session(url, "zhang", "street", "330681001000", datetime.now())
    client = TestClient(Starlette(routes=routes.routes("")), base_url="http://cockpit.test")
    assert client.post(f"/{routes.CLAIM_PATH}", content="forged").status_code == 403
    answer = client.post(f"/{routes.CLAIM_PATH}", content=claim, headers={"X-Forwarded-Proto": "https"})
    assert answer.status_code == 204
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{sign_in.COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" in cookie and "Max-Age=43200" in cookie and "Path=/" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert read_cookie(value, (tmp_path / "cookie_secret").read_text(), 60) == sid  # signed with the deployment's secret
    assert client.post(f"/{routes.CLAIM_PATH}", content=claim).status_code == 403  # a claim works once
    plain = TestClient(Starlette(routes=routes.routes("")), base_url="http://cockpit.test")
    sid2, claim2 = sessions.open_session(url, "li", "leader", None, datetime.now())
    assert "Secure" not in plain.post(f"/{routes.CLAIM_PATH}", content=claim2).headers["set-cookie"]
    out = plain.post(f"/{routes.SIGN_OUT_PATH}")
    assert out.status_code == 204 and 'cockpit_session=""' in out.headers["set-cookie"]
    assert sessions.find_session(url, sid2).ended_at is not None  # ended everywhere, not only here
    assert sessions.find_session(url, sid).ended_at is None  # another browser's session is untouched
