"""The one way tests put a demo city on a scratch PostgreSQL or MariaDB/MySQL database and take it off.

Used by tests/integration/conftest.py (the ``server_db`` fixture) and by tests that empty or
reload the server in the middle of a module (test_servers.py). "Ours" are the tables ``run_demo``
writes: the data contract (cockpit.store.schema) and the rollups (cockpit.store.rollup), plus the
``*_new`` / ``*_old`` tables a MySQL rollup refresh builds beside the live ones and swaps in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect

from cockpit.store import schema
from cockpit.store.engine import make_engine
from cockpit.store.rollup.tables import rollup_metadata
from cockpit.tools.demo.build import run_demo

CONTRACT_TABLES = [t.name for t in schema.TABLES_IN_LOAD_ORDER]
ROLLUP_TABLES = [t.name for t in rollup_metadata.sorted_tables]
SWAP_TABLES = [f"{name}{suffix}" for name in ROLLUP_TABLES for suffix in ("_new", "_old")]
OUR_TABLES = [*CONTRACT_TABLES, *ROLLUP_TABLES, *SWAP_TABLES]


@dataclass(frozen=True)
class ServerDB:
    """A server holding the demo: its kind (``postgresql`` / ``mysql``), URL and the app's read-only engine."""

    name: str
    url: str
    engine: Engine


def writer(url: str) -> Engine:
    """An engine that may write (the app's engines are read-only); dispose it after use."""
    return make_engine(url, read_only=False)


def our_tables(url: str) -> list[str]:
    """Which of our tables exist on the server, contract first, in load order."""
    engine = writer(url)
    try:
        present = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    return [name for name in OUR_TABLES if name in present]


def contract_tables(url: str) -> list[str]:
    """Which contract tables exist on the server (rollup tables are not part of the contract)."""
    return [name for name in our_tables(url) if name in CONTRACT_TABLES]


def drop_ours(url: str) -> None:
    """Drop every table ``run_demo`` and a rollup refresh may leave: rollups first, then the contract."""
    engine = writer(url)
    quote = engine.dialect.identifier_preparer.quote
    try:
        with engine.begin() as conn:
            for name in SWAP_TABLES:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name)}")
        rollup_metadata.drop_all(engine)
        schema.metadata.drop_all(engine)
    finally:
        engine.dispose()


def forget_app_caches() -> None:
    """Drop the app's cached frames and engines (keyed by URL) so nothing outlives the data they came from."""
    import streamlit as st

    from cockpit.ui import data

    data.clear_caches()
    st.cache_resource.clear()


@contextmanager
def demo_on_server(name: str, url: str, preset: str, seed: int, geo_dir: Path) -> Iterator[ServerDB]:
    """The demo (``preset``, ``seed``) loaded into the server at ``url``; on exit every table of ours is dropped.

    Drops first too: a previous run that died may have left tables. A body that leaves any of our
    tables behind after the drop fails here, so the next module starts from an empty server.
    """
    drop_ours(url)
    run_demo(preset, seed, url, geo_dir, replace=True)
    engine = make_engine(url)
    try:
        yield ServerDB(name, url, engine)
    finally:
        engine.dispose()
        forget_app_caches()
        drop_ours(url)
    left = our_tables(url)
    assert left == [], f"tables left on the {name} server: {left}"
