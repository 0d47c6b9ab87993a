"""The data contract on PostgreSQL and MariaDB/MySQL: the small demo loaded into a server
reads back exactly as it does from SQLite, loads are all-or-nothing, and the app's
read-only engines cannot write on any of the three engines.

Needs COCKPIT_TEST_PG_URL / COCKPIT_TEST_MYSQL_URL (scratch databases: the ``server_db`` fixture
of tests/integration/conftest.py loads the demo and drops every table of ours afterwards); skips
without them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from servers import contract_tables, drop_ours, our_tables
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    distinct,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError

from cockpit.store import schema
from cockpit.store.engine import make_engine
from cockpit.store.loader import LoadError, write_database
from cockpit.tools.demo.build import build_frames, run_demo

pytestmark = pytest.mark.servers

Snapshot = dict[str, list[tuple]]


# -- reading a database back -----------------------------------------------------------------

def _plain(value: object) -> object:
    """Driver values in one vocabulary: SUM over integers is Decimal on the servers, int on SQLite."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def snapshot(url: str) -> Snapshot:
    """Every row of every contract table, read through a read-only engine, sorted by primary key."""
    engine = make_engine(url)
    try:
        out = {}
        with engine.connect() as conn:
            for table in schema.TABLES_IN_LOAD_ORDER:
                pk = [i for i, c in enumerate(table.columns) if c.primary_key]
                rows = [tuple(_plain(v) for v in row) for row in conn.execute(select(table))]
                out[table.name] = sorted(rows, key=lambda r, pk=pk: tuple(r[i] for i in pk))
        return out
    finally:
        engine.dispose()


def aggregates(url: str) -> dict[str, dict[str, object]]:
    """What the database itself computes per column: counts, NULLs, sums, min/max, distinct values."""
    engine = make_engine(url)
    out: dict[str, dict[str, object]] = {}
    try:
        with engine.connect() as conn:
            for table in schema.TABLES_IN_LOAD_ORDER:
                cols = [func.count().label("rows")]
                for c in table.columns:
                    cols.append(func.count(c).label(f"{c.name}.count"))
                    if isinstance(c.type, Integer | Float):
                        cols += [func.sum(c).label(f"{c.name}.sum"), func.min(c).label(f"{c.name}.min"),
                                 func.max(c).label(f"{c.name}.max")]
                    elif isinstance(c.type, DateTime | Date):
                        cols += [func.min(c).label(f"{c.name}.min"), func.max(c).label(f"{c.name}.max")]
                    elif isinstance(c.type, String | Text):
                        cols.append(func.count(distinct(c)).label(f"{c.name}.distinct"))
                row = conn.execute(select(*cols).select_from(table)).mappings().one()
                out[table.name] = {k: _plain(v) for k, v in row.items()}
    finally:
        engine.dispose()
    return out


def assert_same_rows(got: Snapshot, want: Snapshot, where: str) -> None:
    assert list(got) == list(want)
    for name in want:
        assert len(got[name]) == len(want[name]), f"{where}: {name} has {len(got[name])} rows, SQLite {len(want[name])}"
        for g, w in zip(got[name], want[name]):
            assert g == w, f"{where}: {name} row differs:\n  server {g}\n  sqlite {w}"


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9)
    return a == b


# -- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sqlite_rows(small_demo) -> Snapshot:
    return snapshot(small_demo.db_url)


@pytest.fixture(scope="module")
def sqlite_aggregates(small_demo) -> dict[str, dict[str, object]]:
    return aggregates(small_demo.db_url)


@pytest.fixture(scope="module")
def server(server_db) -> str:
    """The URL of the server holding the small demo (tests/integration/conftest.py ``server_db``)."""
    return server_db.url


@pytest.fixture(scope="module")
def small_frames(small_demo):
    return build_frames(small_demo.preset, small_demo.seed)[0]


# -- round trip ------------------------------------------------------------------------------

def test_every_row_reads_back_as_from_sqlite(server, sqlite_rows):
    assert sum(len(rows) for rows in sqlite_rows.values()) > 40_000
    assert_same_rows(snapshot(server), sqlite_rows, server.split(":")[0])


def test_database_aggregates_match_sqlite(server, sqlite_aggregates):
    got = aggregates(server)
    for table, want in sqlite_aggregates.items():
        diff = {k: (got[table][k], v) for k, v in want.items() if not _same(got[table][k], v)}
        assert not diff, f"{table}: server vs SQLite {diff}"
    # the values the cockpit leans on, spelled out
    cases = got["case_record"]
    assert cases["rows"] - cases["closed_at.count"] == sqlite_aggregates["case_record"]["rows"] - \
        sqlite_aggregates["case_record"]["closed_at.count"] > 0, "open cases (closed_at NULL)"
    assert cases["grid_code.distinct"] == sqlite_aggregates["grid"]["code.distinct"]
    assert isinstance(cases["received_at.min"], datetime) and isinstance(got["population_stat"]["as_of.max"], date)
    assert cases["received_at.max"] <= datetime(2026, 10, 31, 23, 59, 59)
    # Int64 columns with NA: NULL on the server, not 0 or NaN
    assert got["points_ledger"]["venue_id.count"] < got["points_ledger"]["rows"]
    assert got["alert"]["case_id.count"] < got["alert"]["rows"]


def _city(url: str) -> tuple[str, float, float, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            u = schema.admin_unit.c
            name, lon, lat = conn.execute(select(u.name, u.lon, u.lat).where(u.parent_code.is_(None))).one()
            label = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "city_name")).scalar_one()
    finally:
        engine.dispose()
    return name, lon, lat, label


def test_chinese_names_and_coordinates_survive(server, small_demo):
    name, lon, lat, label = _city(server)
    assert name == label == "诸暨市"
    # exactly SQLite's doubles: a single-precision FLOAT column would round 120.xxxxxx to ~10 m
    assert (lon, lat) == _city(small_demo.db_url)[1:3]
    assert lon != round(lon, 3)


def test_new_rows_get_fresh_ids(server):
    """After COPY with explicit ids, PostgreSQL's sequences must start past them (MySQL's AUTO_INCREMENT does)."""
    engine = make_engine(server, read_only=False)
    try:
        with engine.connect() as conn:
            top = conn.execute(select(func.max(schema.vote.c.id))).scalar_one()
            row = conn.execute(select(schema.vote).limit(1)).mappings().one()
            values = {k: v for k, v in row.items() if k != "id"}
            new_id = conn.execute(insert(schema.vote).values(values)).inserted_primary_key[0]
            conn.rollback()  # leave the demo as loaded
    finally:
        engine.dispose()
    assert new_id > top


# -- read-only engines -----------------------------------------------------------------------

WRITES: dict[str, Callable] = {
    "insert": lambda conn: conn.execute(insert(schema.meta).values(key="ro_probe", value="x")),
    "update": lambda conn: conn.execute(update(schema.meta).where(schema.meta.c.key == "label").values(value="real")),
    "delete": lambda conn: conn.execute(delete(schema.vote)),
    "create": lambda conn: Table("ro_probe", MetaData(), Column("x", Integer)).create(conn),
}
READ_ONLY_WORDS = ("readonly", "read-only", "read only")


def assert_read_only(url: str) -> None:
    engine = make_engine(url)  # the app's engine: read_only=True by default
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(schema.meta)).scalar_one() > 0, "cannot even read"
        for name, write in WRITES.items():
            with pytest.raises(DBAPIError) as info, engine.connect() as conn:
                write(conn)
                conn.commit()
            message = str(info.value.orig).lower()
            assert any(w in message for w in READ_ONLY_WORDS), f"{name} failed for another reason: {message}"
    finally:
        engine.dispose()
    writer = make_engine(url, read_only=False)
    try:
        assert not inspect(writer).has_table("ro_probe")
        with writer.connect() as conn:
            label = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "label")).scalar_one()
            assert label == "demo"
            assert conn.execute(select(func.count()).select_from(schema.vote)).scalar_one() > 0
    finally:
        writer.dispose()


def test_read_only_engine_cannot_write_sqlite(small_demo):
    assert_read_only(small_demo.db_url)


def test_read_only_engine_cannot_write_server(server):
    assert_read_only(server)


# -- all or nothing (these change the server's data; keep them last) -------------------------

def test_second_load_without_replace_is_refused(server, sqlite_rows, small_demo, tmp_path):
    with pytest.raises(LoadError, match="--replace"):
        run_demo(small_demo.preset, small_demo.seed + 1, server, tmp_path / "geo")
    assert not (tmp_path / "geo" / "units.geojson").exists()
    assert_same_rows(snapshot(server), sqlite_rows, "after a refused load")


def _broken(frames):
    """Frames with a duplicate key in the last table, so most rows are written before the load fails."""
    bad = dict(frames)
    bad["points_ledger"] = pd.concat([frames["points_ledger"], frames["points_ledger"].iloc[[0]]], ignore_index=True)
    return bad


def test_failed_replace_leaves_no_half_written_database(server, sqlite_rows, small_frames):
    with pytest.raises(LoadError, match="rolled back"):
        write_database(server, _broken(small_frames), replace=True)
    if server.startswith("postgresql"):
        # one transaction, DDL included: the previous data is untouched
        assert_same_rows(snapshot(server), sqlite_rows, "after a failed replace")
    else:
        # MySQL commits DDL as it goes: the loader drops what it created, so nothing half-written remains
        assert contract_tables(server) == []


def test_interrupted_load_leaves_nothing(server, small_frames, ctrl_c_during_load):
    drop_ours(server)
    assert our_tables(server) == []
    ctrl_c_during_load("case_event")
    with pytest.raises(KeyboardInterrupt):
        write_database(server, small_frames)
    assert contract_tables(server) == []


def test_reload_after_failures_matches_sqlite(server, sqlite_rows, small_demo, tmp_path):
    """The control: with good frames the same server takes the load again."""
    run_demo(small_demo.preset, small_demo.seed, server, tmp_path / "geo", replace=True)
    assert_same_rows(snapshot(server), sqlite_rows, "after reloading")
    assert (tmp_path / "geo" / "units.geojson").is_file()
