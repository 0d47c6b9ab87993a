"""The audit log: every sign-in, failed sign-in, export, kiosk opening and kiosk refusal, in the cockpit's own store.

Never the city's database (the cockpit only reads that): ``COCKPIT_AUDIT_URL``, default
data/audit.sqlite. Writing it must never break a page: a failure to record is logged on the
server and the page goes on.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from cockpit.store.own import own_engine

log = logging.getLogger("cockpit.audit")
EVENTS = ("sign_in", "sign_in_failed", "sign_out", "export", "kiosk", "kiosk_refused", "kiosk_invalid", "denied",
          "session_ended")

_meta = sa.MetaData()
audit_event = sa.Table(
    "audit_event", _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("who", sa.String(120), nullable=False),
    sa.Column("event", sa.String(20), nullable=False),
    sa.Column("role", sa.String(20)),
    sa.Column("page", sa.String(40)),
    sa.Column("unit_code", sa.String(15)),
    sa.Column("period_days", sa.Integer),
    sa.Column("detail", sa.String(500)),
)
COLUMNS = ("at", "who", "event", "role", "page", "unit_code", "period_days", "detail")


def _engine(url: str) -> sa.Engine:
    return own_engine(url, _meta)


def record(url: str, who: str, event: str, *, role: str | None = None, page: str | None = None,
           unit_code: str | None = None, period_days: int | None = None, detail: str | None = None) -> bool:
    """Append one event; False (and a server log line) when the audit store cannot be written."""
    row = {"at": datetime.now().replace(microsecond=0), "who": who[:120] or "-", "event": event, "role": role,
           "page": page, "unit_code": unit_code, "period_days": period_days, "detail": (detail or "")[:500] or None}
    try:
        with _engine(url).begin() as conn:
            conn.execute(sa.insert(audit_event), row)
    except SQLAlchemyError:
        log.exception("audit record failed: %s", row)
        return False
    return True


def read_events(url: str, since: datetime | None = None) -> list[tuple]:
    stmt = sa.select(*(audit_event.c[c] for c in COLUMNS)).order_by(audit_event.c.at, audit_event.c.id)
    if since is not None:
        stmt = stmt.where(audit_event.c.at >= since)
    with _engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]
