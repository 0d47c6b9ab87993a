"""The cockpit's own store (``COCKPIT_AUDIT_URL``, default data/audit.sqlite): the audit log and the sign-in sessions.

Never the city's database, which the cockpit only reads. Every process of one deployment must
point at the same store (a shared SQLite file on one host, a small PostgreSQL database for
several hosts) so that a sign-in, a sign-out and the audit log are the same on all of them.
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa

_engines: dict[tuple[str, int], sa.Engine] = {}
_lock = threading.Lock()


def own_engine(url: str, metadata: sa.MetaData) -> sa.Engine:
    """One engine per store and table set per process, its tables created on first use.

    Locked: many sessions' threads ask at once on a fresh process, and two concurrent
    CREATE TABLEs on one SQLite file would fail one of them.
    """
    key = (url, id(metadata))
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, pool_pre_ping=True)
            metadata.create_all(engine)
            _engines[key] = engine
        return engine
