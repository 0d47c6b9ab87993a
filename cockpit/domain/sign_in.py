"""When a users-file sign-in still holds, and the cookie that carries it. Pure functions.

A sign-in lasts `SessionPolicy.hours` from the password (default 12 h) and ends earlier after
`idle_minutes` without a page run (default 30 min), on sign-out, or when the users file no
longer gives the person the same role over the same unit (`users remove`, a new role).

The cookie holds the session id signed with the deployment's secret (itsdangerous, HMAC-SHA1
over the id and a timestamp): without the secret nobody can make one, and the own store alone
(which holds the ids) is not enough to sign in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, TimestampSigner

from cockpit.core.settings import SessionPolicy

COOKIE_NAME = "cockpit_session"
_SALT = "cockpit.sign-in"

# Why a sign-in no longer holds (the audit log's detail for "session_ended").
ENDED, EXPIRED, IDLE, REMOVED, CHANGED = "ended", "expired", "idle", "removed", "changed"


def session_verdict(*, issued_at: datetime, last_seen: datetime, ended_at: datetime | None, role: str,
                    unit_code: str | None, user_now: tuple[str, str | None] | None, now: datetime,
                    policy: SessionPolicy, ended_why: str | None = None) -> str | None:
    """None while the sign-in holds, else why it does not (ENDED, EXPIRED, IDLE, REMOVED, CHANGED).

    `user_now`: the person's (role, unit) in the users file now, None when they are no longer in it.
    `ended_why`: what the process that ended it saw (every other tab then tells the person the same reason).
    """
    if ended_at is not None:
        return ended_why if ended_why in (EXPIRED, IDLE, REMOVED, CHANGED) else ENDED
    if now - issued_at >= timedelta(hours=policy.hours):
        return EXPIRED
    if now - last_seen >= timedelta(minutes=policy.idle_minutes):
        return IDLE
    if user_now is None:
        return REMOVED
    if user_now != (role, unit_code):
        return CHANGED
    return None


def sign_cookie(sid: str, secret: str) -> str:
    return TimestampSigner(secret, salt=_SALT).sign(sid).decode("ascii")


def read_cookie(value: str | None, secret: str, max_age: int) -> str | None:
    """The session id in a cookie, or None for no cookie, a forged or foreign one, or one older than max_age."""
    if not value:
        return None
    try:
        return TimestampSigner(secret, salt=_SALT).unsign(value, max_age=max_age).decode("ascii")
    except (BadSignature, UnicodeDecodeError):
        return None
