"""Sign-in sessions of the users file, in the cockpit's own store (cockpit.store.own).

A session outlives the Streamlit session that opened it: the browser keeps its id in an
HttpOnly cookie (set by the route in cockpit.ui.routes), and every process of the deployment
finds it here. Ending it here ends it in every tab and on every process.

The cookie is only ever set from a *claim*: a one-time value, good for a minute, that the page
that signed the user in hands to the browser, which trades it for the cookie. The claim is kept
as its SHA-256 only and forgotten once traded, so the page never carries the session id itself.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from cockpit.store.own import own_engine

CLAIM_SECONDS = 60

_meta = sa.MetaData()
signin_session = sa.Table(
    "signin_session", _meta,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("who", sa.String(120), nullable=False, index=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("unit_code", sa.String(15)),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime),
    sa.Column("ended_why", sa.String(20)),
    sa.Column("claim_sha256", sa.String(64), index=True),
    sa.Column("claim_until", sa.DateTime),
)

StoreError = SQLAlchemyError


@dataclass(frozen=True)
class SignInSession:
    id: str
    who: str
    role: str
    unit_code: str | None
    issued_at: datetime
    last_seen: datetime
    ended_at: datetime | None = None
    ended_why: str | None = None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def open_session(url: str, who: str, role: str, unit_code: str | None, now: datetime) -> tuple[str, str]:
    """A new session for a user who has just given their password: (session id, one-time claim)."""
    sid, claim = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = {"id": sid, "who": who[:120], "role": role, "unit_code": unit_code, "issued_at": now, "last_seen": now,
           "claim_sha256": _digest(claim), "claim_until": now + timedelta(seconds=CLAIM_SECONDS)}
    with own_engine(url, _meta).begin() as conn:
        conn.execute(sa.insert(signin_session), row)
    return sid, claim


def trade_claim(url: str, claim: str, now: datetime) -> str | None:
    """The session id a claim stands for, once: a used, late or unknown claim gives None."""
    t = signin_session
    with own_engine(url, _meta).begin() as conn:
        sid = conn.execute(sa.select(t.c.id).where(t.c.claim_sha256 == _digest(claim), t.c.claim_until >= now,
                                                   t.c.ended_at.is_(None))).scalar()
        if sid is None:
            return None
        done = conn.execute(sa.update(t).where(t.c.id == sid, t.c.claim_sha256.is_not(None))
                            .values(claim_sha256=None, claim_until=None))
        return sid if done.rowcount == 1 else None  # another request traded it first


def find_session(url: str, sid: str) -> SignInSession | None:
    t = signin_session
    with own_engine(url, _meta).connect() as conn:
        row = conn.execute(sa.select(t.c.id, t.c.who, t.c.role, t.c.unit_code, t.c.issued_at, t.c.last_seen,
                                     t.c.ended_at, t.c.ended_why).where(t.c.id == sid)).first()
    return SignInSession(*row) if row is not None else None


def touch_session(url: str, sid: str, now: datetime) -> None:
    """The user did something now (the idle timeout counts from here)."""
    t = signin_session
    with own_engine(url, _meta).begin() as conn:
        conn.execute(sa.update(t).where(t.c.id == sid, t.c.ended_at.is_(None)).values(last_seen=now))


def end_session(url: str, sid: str, why: str, now: datetime) -> bool:
    """End a session everywhere; False when it had already ended (or never was)."""
    t = signin_session
    with own_engine(url, _meta).begin() as conn:
        done = conn.execute(sa.update(t).where(t.c.id == sid, t.c.ended_at.is_(None))
                            .values(ended_at=now, ended_why=why[:20], claim_sha256=None, claim_until=None))
    return done.rowcount == 1


def forget_before(url: str, before: datetime) -> int:
    """Delete sessions that ended or were last seen before `before` (they can no longer be used)."""
    t = signin_session
    with own_engine(url, _meta).begin() as conn:
        done = conn.execute(sa.delete(t).where(sa.or_(t.c.ended_at < before, t.c.last_seen < before)))
    return done.rowcount


def deployment_secret(configured: str | None, path: Path) -> str:
    """The secret that signs the sign-in cookie: the configured one, else one made once and kept in `path` (0600).

    Every process on one host then shares it without configuration; processes on several hosts
    need COCKPIT_COOKIE_SECRET (or `[auth] cookie_secret`) set alike (docs/deployment.md).
    """
    if configured:
        return configured
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    made = secrets.token_urlsafe(48)
    try:  # O_EXCL: two processes starting at once must not end up with two secrets
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(made)
    return made
