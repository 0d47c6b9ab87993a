"""Bulk-load contract tables into a database, all or nothing.

SQLite: written to a temporary file beside the target and moved into place at
the end. PostgreSQL: one transaction (its DDL is transactional), rows by COPY,
id sequences moved past the loaded ids. MySQL/MariaDB: DDL commits implicitly
there, so a failed or interrupted load drops the tables it created (tables it
was told to --replace are already gone by then); rows go in multi-row INSERT
batches, Float columns as DOUBLE.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Date, DateTime, Double, Engine, Float, MetaData, Table, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable
from sqlalchemy.types import TypeEngine

from cockpit.store import schema
from cockpit.store.engine import DatabaseError, make_engine, sqlite_path

Progress = Callable[[str, float], None]
BATCH = 50_000


class LoadError(DatabaseError):
    """The load was refused or failed; nothing was left half-written."""


def _column_values(series: pd.Series, column_type: TypeEngine, sqlite: bool) -> list:
    if isinstance(column_type, DateTime) and len(series):
        arr = pd.to_datetime(series).to_numpy().astype("datetime64[s]")
        text = pd.Series(np.datetime_as_string(arr, unit="s")).str.replace("T", " ", regex=False)
        if sqlite:
            # SQLAlchemy's SQLite DateTime stores microseconds; bound parameters carry them too,
            # so stored text must match for string comparison to order correctly.
            text = text + ".000000"
        # object dtype first: pandas' str dtype turns None back into NaN, which drivers send as 'nan'.
        return text.astype(object).where(~np.isnat(arr), None).tolist()
    if isinstance(column_type, Date) and len(series):
        arr = pd.to_datetime(series).to_numpy().astype("datetime64[D]")
        return pd.Series(np.datetime_as_string(arr, unit="D")).astype(object).where(~np.isnat(arr), None).tolist()
    if series.dtype == object or isinstance(series.dtype, pd.api.extensions.ExtensionDtype) or series.hasnans:
        return series.astype(object).where(series.notna(), None).tolist()
    return series.tolist()


def frame_rows(table: Table, frame: pd.DataFrame, sqlite: bool) -> list[tuple]:
    """Rows in the table's column order, as plain Python values the drivers accept."""
    missing = [c.name for c in table.columns if c.name not in frame.columns and not c.nullable and not c.autoincrement]
    if missing:
        raise LoadError(f"{table.name}: missing required columns {missing}")
    cols = [c for c in table.columns if c.name in frame.columns]
    values = [_column_values(frame[c.name], c.type, sqlite) for c in cols]
    return list(zip(*values))


def _names(table: Table, columns: list[str], dialect: Dialect) -> tuple[str, str]:
    # Quoted where the engine needs it: `key` is reserved on MySQL/MariaDB.
    quote = dialect.identifier_preparer.quote
    return quote(table.name), ", ".join(quote(c) for c in columns)


def _insert_sql(table: Table, columns: list[str], dialect: Dialect) -> str:
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    name, cols = _names(table, columns, dialect)
    return f"INSERT INTO {name} ({cols}) VALUES ({', '.join([mark] * len(columns))})"


def _existing_contract_tables(engine: Engine) -> list[str]:
    names = set(inspect(engine).get_table_names())
    return [t.name for t in schema.TABLES_IN_LOAD_ORDER if t.name in names]


def write_database(url: str, frames: dict[str, pd.DataFrame], replace: bool = False, progress: Progress | None = None) -> None:
    """Write every contract table from `frames` (missing frames become empty tables)."""
    path = sqlite_path(url)
    if path is not None:
        _write_sqlite(path, frames, progress)
    else:
        _write_server(url, frames, replace, progress)


def preflight(url: str, replace: bool = False) -> None:
    """Raise LoadError now, before a build that may take minutes, if `url` is sure to refuse the load."""
    path = sqlite_path(url)
    if path is not None:
        _make_folder(path)
        if path.exists() and not replace and not _is_demo_file(path):
            raise LoadError(f"数据库文件已存在且不是演示数据 / {path} exists and is not a demo database; pass --replace to overwrite it")
        return
    engine = make_engine(url, read_only=False)
    try:
        _refuse_existing(engine, replace)
    finally:
        engine.dispose()


def _is_demo_file(path: Path) -> bool:
    """True when the file is a demo this command wrote: rebuilding a demo loses nothing real."""
    try:
        engine = make_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as conn:
                return conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'label'").scalar() == "demo"
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - unreadable, not SQLite, no meta table: not a demo
        return False


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LoadError(f"无法创建数据库目录 / cannot create database folder {path.parent}: {exc.strerror}") from exc


def _refuse_existing(engine: Engine, replace: bool) -> list[str]:
    """The contract tables already in a server database; refuses them unless `replace`."""
    try:
        existing = _existing_contract_tables(engine)
    except Exception as exc:  # any driver error means "cannot reach"
        # The driver's first line says why (refused, unknown role, no such database); it never holds the password.
        why = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [exc.__class__.__name__])[0]
        raise LoadError(f"无法连接数据库 / cannot connect to {engine.url.render_as_string(hide_password=True)}: {why}") from exc
    if existing and not replace:
        raise LoadError(f"数据库已有数据表 / the database already has contract tables ({', '.join(existing)}); pass --replace to overwrite them")
    return existing


def _write_sqlite(path: Path, frames: dict[str, pd.DataFrame], progress: Progress | None) -> None:
    _make_folder(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        engine = make_engine(f"sqlite:///{tmp}", read_only=False)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA journal_mode=OFF")
            cur.execute("PRAGMA synchronous=OFF")
            _load_all(cur, engine, frames, progress, sqlite=True)
            cur.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
            engine.dispose()
        os.replace(tmp, path)
    except OSError as exc:
        raise LoadError(f"无法写入数据库 / cannot write database {path}: {exc.strerror}") from exc
    except sqlite3.Error as exc:
        # A bad row or a full disk: the temporary file goes, the target is left as it was.
        raise LoadError(f"写入失败，未改动原库 / load failed, {path} left unchanged: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _write_server(url: str, frames: dict[str, pd.DataFrame], replace: bool, progress: Progress | None) -> None:
    engine = make_engine(url, read_only=False)
    try:
        existing = _refuse_existing(engine, replace)
    except LoadError:
        engine.dispose()
        raise
    mysql = engine.dialect.name in ("mysql", "mariadb")
    raw = engine.raw_connection()
    created: list[Table] = []
    try:
        cur = raw.cursor()
        if mysql:
            cur.execute("SET FOREIGN_KEY_CHECKS=0")
        for table in reversed(schema.TABLES_IN_LOAD_ORDER):
            if table.name in existing:
                cur.execute(str(DropTable(table).compile(dialect=engine.dialect)))
        # `created` fills as tables are made, so a failure part-way knows what to drop.
        _load_all(cur, engine, frames, progress, sqlite=False, created=created)
        if mysql:
            cur.execute("SET FOREIGN_KEY_CHECKS=1")
        raw.commit()
    except BaseException as exc:
        # BaseException too: after Ctrl-C MySQL would otherwise keep the tables its DDL already committed.
        raw.rollback()
        if mysql:
            _drop_quietly(raw, engine, created)
        if not isinstance(exc, Exception):
            raise
        raise LoadError(f"写入失败，已回滚 / load failed and was rolled back: {exc}") from exc
    finally:
        raw.close()
        engine.dispose()


def _drop_quietly(raw: Any, engine: Engine, tables: list[Table]) -> None:
    cur = raw.cursor()
    for table in reversed(tables):
        try:
            cur.execute(str(DropTable(table, if_exists=True).compile(dialect=engine.dialect)))
        except Exception:  # noqa: BLE001, S110 - best effort clean-up after a failure already reported
            pass


def _load_all(cur: Any, engine: Engine, frames: dict[str, pd.DataFrame], progress: Progress | None, sqlite: bool,
              created: list[Table] | None = None) -> None:
    """Create and fill every contract table; each table is appended to `created` once it exists."""
    created = [] if created is None else created
    dialect = engine.dialect
    total = sum(len(frames.get(t.name, ())) for t in schema.TABLES_IN_LOAD_ORDER) or 1
    done = 0
    for table in schema.TABLES_IN_LOAD_ORDER:
        cur.execute(_create_sql(table, dialect))
        created.append(table)
        frame = frames.get(table.name)
        if frame is not None and len(frame):
            columns = [c.name for c in table.columns if c.name in frame.columns]
            for start in range(0, len(frame), BATCH):
                rows = frame_rows(table, frame.iloc[start : start + BATCH], sqlite)
                bulk_insert(cur, table, columns, rows, dialect)
                done += len(rows)
                if progress:
                    progress(f"写入 {table.name}", done / total)
        # Indexes after the rows: building them once is much faster than maintaining them per row.
        for index in table.indexes:
            cur.execute(str(CreateIndex(index).compile(dialect=dialect)))
        if dialect.name == "postgresql":
            _sync_sequence(cur, table, dialect)
    if dialect.name == "postgresql":
        cur.execute("ANALYZE")


@cache
def _mysql_tables() -> dict[str, Table]:
    """The contract with DOUBLE for Float: MySQL's bare FLOAT is 4 bytes, ~10 m of error in a coordinate."""
    md = MetaData()
    for table in schema.metadata.sorted_tables:
        copy = table.to_metadata(md)
        for column in copy.columns:
            if type(column.type) is Float:
                column.type = Double()
    return dict(md.tables)


def _create_sql(table: Table, dialect: Dialect) -> str:
    if dialect.name in ("mysql", "mariadb"):
        table = _mysql_tables()[table.name]
    return str(CreateTable(table).compile(dialect=dialect))


def _sync_sequence(cur: Any, table: Table, dialect: Dialect) -> None:
    """COPY with explicit ids leaves a SERIAL's sequence at 1; move it past the largest id."""
    pk = list(table.primary_key.columns)
    if len(pk) != 1 or pk[0].autoincrement is not True:
        return
    quote = dialect.identifier_preparer.quote
    name, col = quote(table.name), quote(pk[0].name)
    cur.execute(
        f"SELECT setval(pg_get_serial_sequence('{name}', '{pk[0].name}'), COALESCE(MAX({col}), 0) + 1, false) FROM {name}"
    )


def bulk_insert(cur: Any, table: Table, columns: list[str], rows: list[tuple], dialect: Dialect) -> None:
    if dialect.name == "postgresql":
        name, cols = _names(table, columns, dialect)
        with cur.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cur.executemany(_insert_sql(table, columns, dialect), rows)
