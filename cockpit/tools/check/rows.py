"""Check's rules applied to rows about to be imported (`python -m cockpit import`), each finding with its row.

* Row rules (`rules.row_rules`: required columns, enums, ranges, positions, lifecycle order) run
  in an in-memory SQLite copy of the table holding only the given rows, so every bad row is found,
  whatever the target database.
* Foreign keys are looked up in the target before anything is written (PostgreSQL and MySQL
  enforce them, and a refused INSERT says less than "line 12: grid_code not found").
* The other join rules (parent levels, a category's kind, event order) and the unit-tree rules
  of `database` (padding, parents, prefixes) run inside the importer's write transaction, on the
  rows as written; only findings of the imported rows are returned.

A finding is ``(label, column, message, value)``; the label is the importer's name for the row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Column, Connection, Integer, MetaData, Table, create_engine, insert, literal_column, select

from cockpit.store import schema
from cockpit.store.upsert import CHUNK, Key, key_text
from cockpit.tools.check import database as check_db
from cockpit.tools.check.rules import join_rules, row_rules

REQUIRED = "is NULL in a required column"  # the message of the required-column rules
Finding = tuple[str, str, str, str]


def check_rows(table: Table, rows: list[dict], labels: Sequence[str], already: set[tuple[str, str]] = frozenset(),
               set_later: frozenset[str] = frozenset()) -> list[Finding]:
    """Rows breaking a row rule of ``table``; (label, column) pairs in ``already`` are not repeated.

    ``set_later``: columns the importer fills after this check (a case's new id), exempt from "required".
    """
    if not rows:
        return []
    loose = Table(table.name, MetaData(), Column("_n", Integer), *[Column(c.name, c.type) for c in table.columns])
    engine = create_engine("sqlite://")
    found: list[Finding] = []
    try:
        with engine.begin() as conn:
            loose.create(conn)
            conn.execute(insert(loose), [{**row, "_n": i} for i, row in enumerate(rows)])
            for rule in row_rules(table):
                if rule.message == REQUIRED and rule.column in set_later:
                    continue
                for (n,) in conn.execute(select(literal_column("_n")).select_from(table).where(rule.bad)):
                    if (labels[n], rule.column) not in already:
                        found.append((labels[n], rule.column, rule.message, _shown(rows[n], rule.column)))
    finally:
        engine.dispose()
    return found


def _shown(row: dict, column: str) -> str:
    if column == "lon/lat":
        return f"{row.get('lon')},{row.get('lat')}"
    value = row.get(column)
    return "" if value is None else str(value)


def _existing(conn: Connection, column: Column, values: Iterable[object]) -> set[str]:
    wanted = sorted({v for v in values if v is not None}, key=str)
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found |= {key_text(v) for (v,) in conn.execute(select(column).where(column.in_(wanted[start : start + CHUNK])))}
    return found


def check_foreign_keys(conn: Connection, table: Table, rows: list[dict], labels: Sequence[str]) -> list[Finding]:
    """Rows whose foreign keys name nothing in the target database."""
    found: list[Finding] = []
    for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
        name, parent = fk.parent.name, fk.column
        values = [r.get(name) for r in rows]
        if not any(v is not None for v in values):
            continue
        known = _existing(conn, parent, values)
        found += [(label, name, f"not found in {parent.table.name}.{parent.name}", key_text(value))
                  for label, value in zip(labels, values) if value is not None and key_text(value) not in known]
    return found


class _Collector:
    """Receives `database`'s findings (``add(table, column, message, where)``) for the unit-tree rules."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str, str, str]] = []

    def add(self, table: str, column: str, message: str, where: str) -> None:
        self.found.append((table, column, message, where))


_CODE_IN_WHERE = re.compile(r"\bcode=(\S+)")


def check_written(conn: Connection, table: Table, written: dict[Key, str]) -> list[Finding]:
    """Join and unit-tree rules over the table as now written; findings of the rows in ``written`` (key -> label)."""
    if not written:
        return []
    found: list[Finding] = []
    fk_columns = {fk.parent.name for fk in table.foreign_keys}
    pk = list(table.primary_key.columns)
    for rule in join_rules():
        if rule.table.name != table.name or (rule.column in fk_columns and rule.message.startswith("not found")):
            continue
        for row in conn.execute(select(*pk).select_from(rule.from_).where(rule.bad)):
            label = written.get(tuple(key_text(v) for v in row))
            if label is not None:
                found.append((label, rule.column, rule.message, ""))
    if table.name == schema.admin_unit.name:
        found += _unit_tree(conn, written)
    return found


def _unit_tree(conn: Connection, written: dict[Key, str]) -> list[Finding]:
    u = schema.admin_unit
    units = {str(code): (level, None if parent is None else str(parent))
             for code, level, parent in conn.execute(select(u.c.code, u.c.level, u.c.parent_code))}
    collector = _Collector()
    check_db._check_units(units, collector)  # the unit-tree rules of `check` itself
    found = []
    for table, column, message, where in collector.found:
        match = _CODE_IN_WHERE.search(where)
        label = written.get((match.group(1),)) if match else None
        if table == u.name and label is not None:
            found.append((label, column, message, where))
    return found
