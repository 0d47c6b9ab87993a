"""Writing imported rows (`python -m cockpit import`): rows matched by key and upserted, inside the caller's transaction.

The importer opens one transaction, calls these, and commits only when nothing was rejected; a
process killed before the commit leaves the database as it was (SQLite rolls its journal back
on the next open, a server drops the uncommitted transaction with the connection).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine, Table, and_, bindparam, delete, func, insert, inspect, select, tuple_, update

from cockpit.store import schema
from cockpit.store.engine import make_engine, sqlite_path
from cockpit.store.loader import LoadError, write_database

BATCH = 5_000
CHUNK = 300  # values per IN (...) list
Key = tuple[str, ...]
Say = Callable[[str], None]


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def text(self) -> str:
        return f"{self.inserted:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged"


def key_text(value: object) -> str:
    """A key value as text, the same for a parsed value and the value a driver returns."""
    return value.isoformat() if isinstance(value, date) else str(value)


def key_of(row: dict, key: Sequence[str]) -> Key:
    return tuple(key_text(row.get(k)) for k in key)


def open_for_import(url: str) -> Engine:
    """A write engine on ``url`` whose database holds the contract tables (created empty when it holds none)."""
    path = sqlite_path(url)
    if path is not None and path.exists():
        _refuse_foreign_sqlite(url)
    engine = make_engine(url, read_only=False)
    try:
        present = set(inspect(engine).get_table_names())
    except Exception as exc:  # noqa: BLE001 - any driver error means "cannot reach": one line, no traceback
        engine.dispose()
        why = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
        raise LoadError(f"无法连接数据库 / cannot connect to {engine.url.render_as_string(hide_password=True)}: {why}") from None
    missing = [t.name for t in schema.TABLES_IN_LOAD_ORDER if t.name not in present]
    if missing and len(missing) < len(schema.TABLES_IN_LOAD_ORDER):
        engine.dispose()
        raise LoadError(f"数据库缺少数据表 / the database lacks contract tables {', '.join(missing)}")
    if missing:
        engine.dispose()
        write_database(url, {})  # the contract's empty tables, indexes and MySQL DOUBLE columns, as `demo` makes them
        engine = make_engine(url, read_only=False)
    return engine


def _refuse_foreign_sqlite(url: str) -> None:
    engine = make_engine(url, read_only=False)
    try:
        names = set(inspect(engine).get_table_names())
    except Exception as exc:
        raise LoadError(f"不是 SQLite 数据库 / {sqlite_path(url)} is not an SQLite database") from exc
    finally:
        engine.dispose()
    if names and not names & {t.name for t in schema.TABLES_IN_LOAD_ORDER}:
        raise LoadError(f"不是驾驶舱数据库 / {sqlite_path(url)} holds other tables, not the cockpit's")


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float | int):
        return math.isclose(a, float(b), rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def fetch_in(conn: Connection, table: Table, column: str, values: Iterable[object],
             columns: Sequence[str] | None = None) -> list[dict]:
    """Rows of ``table`` whose ``column`` is one of ``values`` (all columns, or ``columns``), in chunks."""
    wanted = sorted({v for v in values if v is not None}, key=str)
    cols = [table.c[c] for c in columns] if columns else [table]
    out: list[dict] = []
    for start in range(0, len(wanted), CHUNK):
        stmt = select(*cols).where(table.c[column].in_(wanted[start : start + CHUNK]))
        out += [dict(r._mapping) for r in conn.execute(stmt)]
    return out


def existing_rows(conn: Connection, table: Table, key: Sequence[str], columns: Sequence[str],
                  keys: list[tuple]) -> dict[Key, dict]:
    """The stored rows among ``keys`` (values as the columns' types), by key as text (``key_of``)."""
    cols = [table.c[c] for c in dict.fromkeys([*key, *columns])]
    target = table.c[key[0]] if len(key) == 1 else tuple_(*[table.c[k] for k in key])
    width = max(1, CHUNK // len(key))
    out: dict[Key, dict] = {}
    for start in range(0, len(keys), width):
        chunk = keys[start : start + width]
        values = [k[0] for k in chunk] if len(key) == 1 else chunk
        for row in conn.execute(select(*cols).where(target.in_(values))):
            mapping = dict(row._mapping)
            out[key_of(mapping, key)] = mapping
    return out


def upsert(conn: Connection, table: Table, key: Sequence[str], columns: Sequence[str], rows: list[dict],
           say: Say | None = None, insert_new: bool = True) -> Counts:
    """Insert new rows, update changed ones (only ``columns``), leave equal ones alone; matched by ``key``."""
    counts = Counts()
    stored = existing_rows(conn, table, key, columns, [tuple(r[k] for k in key) for r in rows])
    new, changed = [], []
    for row in rows:
        old = stored.get(key_of(row, key))
        if old is None:
            new.append(row)
        elif all(_same(row.get(c), old.get(c)) for c in columns):
            counts.unchanged += 1
        else:
            changed.append(row)
    if new and insert_new:
        for start in range(0, len(new), BATCH):
            conn.execute(insert(table), new[start : start + BATCH])
            counts.inserted += len(new[start : start + BATCH])
            if say:
                say(f"{table.name}: {counts.inserted:,}/{len(new):,} new rows written (not committed yet)")
        sync_sequence(conn, table)
    if changed:
        where = and_(*[table.c[k] == bindparam(f"k_{k}") for k in key])
        values = {c: bindparam(f"v_{c}") for c in columns if c not in key}
        stmt = update(table).where(where).values(values)
        params = [{**{f"k_{k}": r[k] for k in key}, **{f"v_{c}": r.get(c) for c in values}} for r in changed]
        for start in range(0, len(params), BATCH):
            conn.execute(stmt, params[start : start + BATCH])
        counts.updated = len(changed)
    return counts


def next_id(conn: Connection, table: Table) -> int:
    """One past the largest id: new rows get explicit ids, so related rows (events) can name them."""
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def sync_sequence(conn: Connection, table: Table) -> None:
    """PostgreSQL: explicit ids leave the SERIAL sequence behind; move it past the largest id."""
    pk = list(table.primary_key.columns)
    if conn.dialect.name != "postgresql" or len(pk) != 1 or pk[0].autoincrement is not True:
        return
    conn.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
        f"COALESCE(MAX({pk[0].name}), 0) + 1, false) FROM {table.name}"
    )


def delete_later_events(conn: Connection, last_seq: dict[int, int]) -> None:
    """Drop the events of each case after its ``last_seq`` (a re-imported case whose history got shorter)."""
    t = schema.case_event
    if last_seq:
        stmt = delete(t).where(t.c.case_id == bindparam("cid"), t.c.seq > bindparam("n"))
        conn.execute(stmt, [{"cid": cid, "n": n} for cid, n in last_seq.items()])


def label_real(conn: Connection) -> None:
    """A database first filled by an import is real data: meta ``label`` = ``real`` (a demo's label stays)."""
    m = schema.meta
    if conn.execute(select(m.c.value).where(m.c.key == "label")).first() is None:
        conn.execute(insert(m), [{"key": "label", "value": "real"}])
