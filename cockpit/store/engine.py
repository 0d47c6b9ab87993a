"""Engines: the only place that creates them.

The app reads a city's shared database and must never write to it, so
`make_engine(read_only=True)` (the default) makes writes fail at the engine:
SQLite is opened with ``mode=ro``, PostgreSQL sessions default to read-only
transactions, MySQL/MariaDB sessions are set ``TRANSACTION READ ONLY``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, PoolProxiedConnection, QueuePool

from cockpit.core.settings import PoolSettings

__all__ = ["STORE_ERRORS", "DatabaseError", "Engine", "make_engine", "normalise_url", "ping", "pool_exhausted",
           "sqlite_path"]

# Seconds to wait for a server before calling it down: a command-centre page must not hang on it.
CONNECT_TIMEOUT = 5


class DatabaseError(Exception):
    """A database problem worth showing to a person, in one sentence."""


# Everything a read can raise when the store is down, locked, empty or missing tables.
STORE_ERRORS: tuple[type[BaseException], ...] = (DatabaseError, SQLAlchemyError, sqlite3.Error, OSError)


def pool_exhausted(exc: BaseException) -> bool:
    """Whether a read failed because every pooled connection was busy (many viewers), not because the store is down."""
    return isinstance(exc, PoolTimeout)


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other engines and in-memory databases."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def normalise_url(url: str) -> str:
    """Accept short driver-less URLs and pick the drivers we ship."""
    try:
        u = make_url(url)
    except ArgumentError as exc:
        # Never echo the URL itself: an unparsable one may still hold a password.
        scheme = url.split("://", 1)[0][:30] if "://" in url else "?"
        raise DatabaseError(f"数据库地址无法解析 / cannot parse database URL (scheme {scheme!r})") from exc
    backend, driver = u.get_backend_name(), u.get_driver_name()
    if backend == "postgresql" and driver in ("psycopg2", "postgresql", ""):
        u = u.set(drivername="postgresql+psycopg")
    elif backend in ("mysql", "mariadb") and driver in ("mysqldb", "mysql", "mariadb", ""):
        u = u.set(drivername=f"{backend}+pymysql")
    if backend in ("mysql", "mariadb") and "charset" not in u.query:
        u = u.update_query_dict({"charset": "utf8mb4"})
    return u.render_as_string(hide_password=False)


def make_engine(url: str, read_only: bool = True, pool: PoolSettings | None = None) -> Engine:
    """An engine for ``url``; read-only unless the caller is a loader told to write.

    Every engine is shared by all of a process's Streamlit sessions, each running its script on a
    thread of its own, so its pool hands a connection to one thread at a time (`pool`: how many).
    """
    url = normalise_url(url)
    backend = make_url(url).get_backend_name()
    pool = pool or PoolSettings()
    sizes: dict[str, object] = {"pool_size": pool.size, "max_overflow": pool.max_overflow, "pool_timeout": pool.timeout}
    if backend == "sqlite":
        return _sqlite_engine(url, read_only, sizes)
    # connect_args win over the URL's query: a deployer's connect_timeout there (per host of a failover
    # list, docs/deployment.md) must not be overridden by the default.
    connect_args: dict[str, object] = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT}
    if backend == "postgresql":
        # A server that vanishes without closing the connection (a cut network) would otherwise
        # leave a page waiting on a dead socket for the kernel's default of many minutes.
        connect_args |= {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
                         "tcp_user_timeout": 60_000}
    if backend == "postgresql" and read_only:
        connect_args["options"] = "-c default_transaction_read_only=on"
    kwargs: dict[str, object] = {"pool_pre_ping": True, "connect_args": connect_args, **sizes}
    engine = create_engine(url, **kwargs)
    if backend in ("mysql", "mariadb") and read_only:

        @event.listens_for(engine, "connect")
        def _read_only_session(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            cur.close()

    return engine


def _sqlite_engine(url: str, read_only: bool, sizes: dict[str, object]) -> Engine:
    path = sqlite_path(url)
    if path is None:
        return create_engine(url)
    if not read_only:
        return create_engine(url, poolclass=NullPool)
    if not path.is_file():
        raise DatabaseError(f"数据库文件不存在 / database file not found: {path}")
    uri = f"{path.resolve().as_uri()}?mode=ro"

    resolved = path.resolve()

    def connect() -> sqlite3.Connection:
        # check_same_thread=False: a connection goes back to the pool and out again on another
        # session's thread. Safe only because QueuePool lends it to one thread at a time.
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    # Not SQLAlchemy's default for a creator (SingletonThreadPool: one connection per thread, the
    # others closed under their threads' feet once a sixth thread comes — a segfault in libsqlite3
    # with a few dozen viewers).
    engine = create_engine("sqlite://", creator=connect, poolclass=QueuePool, **sizes)

    # A pooled connection keeps reading a file that was moved away or replaced (it holds the old
    # inode), so the app would neither notice an outage nor see a rebuilt database. Each checkout
    # compares the file now at the path with the one the connection opened.
    @event.listens_for(engine, "connect")
    def _remember_file(_dbapi_conn: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info["inode"] = _inode(resolved)

    @event.listens_for(engine, "checkout")
    def _same_file(_dbapi_conn: DBAPIConnection, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        if _inode(resolved) is None or _inode(resolved) != record.info.get("inode"):
            raise DisconnectionError(f"database file moved or replaced: {resolved}")

    return engine


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def ping(engine: Engine) -> bool:
    """Whether the store answers a trivial read now (a fresh connection, not a pooled one)."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    except STORE_ERRORS:
        return False
