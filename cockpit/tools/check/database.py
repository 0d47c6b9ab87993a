"""`python -m cockpit check`: validate a city's database (and boundaries) against the data contract.

Only read queries run, and every count is an SQL aggregate: for each kind of
problem the database returns a count and the keys of the first few rows, so a
table of millions of rows is scanned, never loaded. Only the small dimension
tables (admin units, grids) are read into memory, to compare them with the
code conventions in `cockpit.core.codes` and with the GeoJSON files.
The rules themselves live in `cockpit.tools.check.rules` and `cockpit.tools.check.geo`.

>>> from cockpit.store.engine import make_engine
>>> problems = check_database(make_engine("sqlite:///data/cockpit.sqlite"))  # doctest: +SKIP
>>> print(format_problems(problems))  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Connection, Engine, String, Table, case, func, inspect, literal, select, type_coerce
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.sql import sqltypes, visitors
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.expression import ColumnClause

from cockpit.core import codes
from cockpit.core.errors import first_line
from cockpit.store import schema
from cockpit.store.engine import DatabaseError, make_engine
from cockpit.tools.check.geo import check_geo
from cockpit.tools.check.rules import CHILD_LEVELS, UNIQUE_KEYS, JoinRule, join_rules, row_rules
from cockpit.tools.check.text import format_notes, text_notes

EXAMPLES = 20  # keys reported per kind of problem

Units = dict[str, tuple[str, str | None]]  # admin unit code -> (level, parent code)


@dataclass(frozen=True)
class Problem:
    """One kind of problem: where names the row(s), e.g. 'code=330681001001' or '3 rows: id=1, id=5, id=9'."""

    table: str
    column_or_key: str
    where: str
    message: str


class _Findings:
    """Problems grouped by (table, column, message): a total count and the first few locations."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, str], int] = {}
        self._wheres: dict[tuple[str, str, str], list[str]] = {}

    def add(self, table: str, column: str, message: str, where: str) -> None:
        self.add_rows(table, column, message, 1, [where])

    def add_rows(self, table: str, column: str, message: str, count: int, wheres: Iterable[str]) -> None:
        key = (table, column, message)
        self._counts[key] = self._counts.get(key, 0) + count
        self._wheres.setdefault(key, []).extend(wheres)

    def problems(self) -> list[Problem]:
        return [Problem(t, c, _where(n, self._wheres[t, c, m]), m) for (t, c, m), n in self._counts.items()]


def _where(count: int, wheres: list[str]) -> str:
    shown = wheres[:EXAMPLES]
    if not shown:
        return f"{count:,} rows"
    if count == 1:
        return shown[0]
    if count <= len(shown):
        return f"{count:,} rows: {', '.join(shown)}"
    return f"{count:,} rows; first: {', '.join(shown)}, …"


def check_database(engine: Engine, geo_dir: Path | None = None) -> list[Problem]:
    """Every problem found in the database behind ``engine`` (and in ``geo_dir``, if given).

    Raises SQLAlchemyError only when the database cannot be reached at all; a
    query that fails later is reported as a problem of its check.
    """
    found = _Findings()
    with engine.connect() as conn:
        present = _check_structure(conn, found)
        for table in schema.TABLES_IN_LOAD_ORDER:
            _run_row_rules(conn, table, present, found)
        for col in UNIQUE_KEYS:
            _run_unique(conn, col, present, found)
        for rule in join_rules():
            _run_join_rule(conn, rule, present, found)
        for table in (schema.admin_unit, schema.grid):
            _run_not_empty(conn, table, present, found)
        units = _read_units(conn, present, found)
        _check_units(units or {}, found)
        if geo_dir is not None:
            grids = _read_grids(conn, present, found)
            check_geo(Path(geo_dir), None if units is None else units.keys(), grids, found.add,
                      levels=None if units is None else {code: level for code, (level, _) in units.items()})
    return found.problems()


# -- structure ---------------------------------------------------------------

_FAMILIES = (
    (sqltypes.DateTime, "datetime"),
    (sqltypes.Date, "date"),
    (sqltypes.Integer, "integer"),
    (sqltypes.Numeric, "number"),
    (sqltypes.String, "text"),
)
_COMPATIBLE = {("integer", "number"), ("number", "integer")}


def _family(type_: object) -> str | None:
    return next((name for cls, name in _FAMILIES if isinstance(type_, cls)), None)


def _check_structure(conn: Connection, found: _Findings) -> dict[str, set[str]]:
    """Missing tables and columns, and columns of the wrong kind (e.g. codes stored as numbers)."""
    inspector = inspect(conn)
    existing = set(inspector.get_table_names())
    present: dict[str, set[str]] = {}
    for table in schema.TABLES_IN_LOAD_ORDER:
        if table.name not in existing:
            found.add(table.name, "(table)", "table is missing", "database")
            continue
        db_columns = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
        present[table.name] = set(db_columns)
        for col in table.columns:
            if col.name not in db_columns:
                found.add(table.name, col.name, f"column is missing (expected {col.type.compile()})", "table")
                continue
            want, got = _family(col.type), _family(db_columns[col.name])
            if want and got and want != got and (want, got) not in _COMPATIBLE:
                found.add(table.name, col.name, f"column type {db_columns[col.name]} is not a {want} type", "table")
    return present


def _runnable(present: dict[str, set[str]], *clauses: ClauseElement) -> bool:
    """True when every schema column the clauses use exists (missing ones are reported already)."""
    for clause in clauses:
        for el in visitors.iterate(clause):
            if isinstance(el, ColumnClause) and el.table is not None:
                base = getattr(el.table, "element", el.table)  # an alias stands for its table
                if isinstance(base, Table) and el.name not in present.get(base.name, ()):
                    return False
    return True


# -- SQL rules ---------------------------------------------------------------


def _keys(table: Table) -> list:
    # Raw text: no date parsing of a key that may itself be malformed.
    return [type_coerce(c, String).label(c.name) for c in table.primary_key.columns]


def _key_text(table: Table, row: tuple) -> str:
    return " ".join(f"{c.name}={v}" for c, v in zip(table.primary_key.columns, row, strict=True))


def _guarded(conn: Connection, found: _Findings, table: str, column: str, run: Callable[[], None]) -> None:
    try:
        run()
    except SQLAlchemyError as exc:
        conn.rollback()  # PostgreSQL refuses further statements in a failed transaction
        found.add(table, column, f"check could not run: {first_line(exc)}", "query")


def _run_row_rules(conn: Connection, table: Table, present: dict[str, set[str]], found: _Findings) -> None:
    rules = [r for r in row_rules(table) if _runnable(present, r.bad, *table.primary_key.columns)]
    if not rules:
        return

    def run() -> None:
        totals = conn.execute(select(*[func.sum(case((r.bad, 1), else_=0)) for r in rules]).select_from(table)).one()
        for rule, total in zip(rules, totals, strict=True):
            if total:
                stmt = select(*_keys(table)).where(rule.bad).order_by(*table.primary_key.columns).limit(EXAMPLES)
                wheres = [_key_text(table, row) for row in conn.execute(stmt)]
                found.add_rows(table.name, rule.column, rule.message, int(total), wheres)

    _guarded(conn, found, table.name, "*", run)


def _run_unique(conn: Connection, col: Column, present: dict[str, set[str]], found: _Findings) -> None:
    if not _runnable(present, col):
        return
    dup = select(col.label("v")).group_by(col).having(func.count() > 1).subquery()

    def run() -> None:
        total = conn.execute(select(func.count()).select_from(dup)).scalar_one()
        if total:
            values = conn.execute(select(dup.c.v).order_by(dup.c.v).limit(EXAMPLES)).scalars()
            found.add_rows(col.table.name, col.name, "is not unique", total, [f"{col.name}={v}" for v in values])

    _guarded(conn, found, col.table.name, col.name, run)


def _run_join_rule(conn: Connection, rule: JoinRule, present: dict[str, set[str]], found: _Findings) -> None:
    if not _runnable(present, rule.from_, rule.bad, *rule.table.primary_key.columns):
        return
    table = rule.table

    def run() -> None:
        total = conn.execute(select(func.count()).select_from(rule.from_).where(rule.bad)).scalar_one()
        if total:
            stmt = (
                select(*_keys(table))
                .select_from(rule.from_)
                .where(rule.bad)
                .order_by(*table.primary_key.columns)
                .limit(EXAMPLES)
            )
            wheres = [_key_text(table, row) for row in conn.execute(stmt)]
            found.add_rows(table.name, rule.column, rule.message, total, wheres)

    _guarded(conn, found, table.name, rule.column, run)


def _run_not_empty(conn: Connection, table: Table, present: dict[str, set[str]], found: _Findings) -> None:
    if table.name not in present:
        return

    def run() -> None:
        if conn.execute(select(literal(1)).select_from(table).limit(1)).first() is None:
            found.add(table.name, "(rows)", "table has no rows", "table")

    _guarded(conn, found, table.name, "(rows)", run)


# -- the unit tree, in memory (a city has thousands of units, not millions) ------


def _read_units(conn: Connection, present: dict[str, set[str]], found: _Findings) -> Units | None:
    u = schema.admin_unit
    if not _runnable(present, u.c.code, u.c.level, u.c.parent_code):
        return None
    stmt = select(type_coerce(u.c.code, String), u.c.level, type_coerce(u.c.parent_code, String))
    try:
        return {str(code): (level, _text(parent)) for code, level, parent in conn.execute(stmt) if code is not None}
    except SQLAlchemyError as exc:
        conn.rollback()
        found.add("admin_unit", "*", f"check could not run: {first_line(exc)}", "query")
        return None


def _read_grids(conn: Connection, present: dict[str, set[str]], found: _Findings) -> dict[str, list[str]] | None:
    g = schema.grid
    if not _runnable(present, g.c.code, g.c.community_code):
        return None
    stmt = select(type_coerce(g.c.community_code, String), type_coerce(g.c.code, String)).order_by(g.c.code)
    grids: dict[str, list[str]] = {}
    try:
        for community, code in conn.execute(stmt):
            if community is not None and code is not None:
                grids.setdefault(str(community), []).append(str(code))
    except SQLAlchemyError as exc:
        conn.rollback()
        found.add("grid", "*", f"check could not run: {first_line(exc)}", "query")
        return None
    return grids


_PADDING = {  # (digits that must be zero, digits that must not all be zero) per level
    "city": ((6, 12), None),
    "district": ((6, 12), (4, 6)),
    "street": ((9, 12), (6, 9)),
    "community": (None, (9, 12)),
}


def _check_units(units: Units, found: _Findings) -> None:
    """The unit tree: a city at the root, codes padded for their level, parents that exist and fit."""
    if units and not any(level == "city" for level, _ in units.values()):
        found.add("admin_unit", "level", "no city-level unit (the root of the tree)", "table")
    for code, (level, parent) in sorted(units.items()):
        valid = len(code) == 12 and codes.is_valid_code(code) and level in schema.UNIT_LEVELS
        if valid:
            _check_padding(code, level, found)
        if parent is not None:
            _check_parent(units, code, level, parent, valid, found)
        elif level != "city":
            found.add("admin_unit", "parent_code", "is NULL; only a city may be a root", f"code={code}")


def _check_padding(code: str, level: str, found: _Findings) -> None:
    zeros, nonzero = _PADDING[level]
    if (zeros and code[slice(*zeros)].strip("0")) or (nonzero and not code[slice(*nonzero)].strip("0")):
        found.add("admin_unit", "code", f"is not padded like a {level} code", f"code={code}")


def _check_parent(units: Units, code: str, level: str, parent: str, valid: bool, found: _Findings) -> None:
    """The parent exists, may hold a unit of this level, and its prefix starts the unit's code."""
    where = f"code={code}"
    if parent not in units:
        found.add("admin_unit", "parent_code", "not found in admin_unit.code", f"{where} parent_code={parent}")
        return
    parent_level = units[parent][0]
    if parent_level in CHILD_LEVELS and level in schema.UNIT_LEVELS and level not in CHILD_LEVELS[parent_level]:
        found.add("admin_unit", "level", f"a {level} cannot sit under a {parent_level}", where)
    elif valid and parent_level in schema.UNIT_LEVELS and codes.is_valid_code(parent):
        if not code.startswith(codes.prefix(parent, parent_level)):
            found.add(
                "admin_unit", "code", "does not start with its parent's prefix", f"{where} parent_code={parent}"
            )


def _text(value: object) -> str | None:
    return None if value is None else str(value)  # a code column of the wrong type yields numbers


# -- output and CLI ------------------------------------------------------------


def format_problems(problems: list[Problem]) -> str:
    """Problems grouped by table, one line each, for a terminal."""
    if not problems:
        return "No problems found. / 未发现问题。"
    by_table: dict[str, list[Problem]] = {}
    for p in problems:
        by_table.setdefault(p.table, []).append(p)
    lines = [f"{len(problems)} problem(s) found / 发现 {len(problems)} 类问题"]
    for table, items in by_table.items():
        lines.append(f"{table}:")
        lines += [f"  {p.column_or_key}: {p.message} [{p.where}]" for p in items]
    return "\n".join(lines)


def main_check(db_url: str, geo_dir: Path | None = None) -> int:
    """Print the problems, then the text notes; exit 0 when clean (notes or not), 1 on problems, 2 when unreachable."""
    try:
        shown = make_url(db_url).render_as_string(hide_password=True)
    except ArgumentError:
        print("Cannot parse the database URL. / 数据库地址无法解析。", file=sys.stderr)
        return 2
    try:
        engine = make_engine(db_url, read_only=True)
        try:
            problems = check_database(engine, geo_dir)
            notes = text_notes(engine)  # formula-like and markup text: counted, never a failure
        finally:
            engine.dispose()
    except DatabaseError as exc:
        print(f"Cannot open database {shown}: {exc}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, ImportError, OSError) as exc:
        print(f"Cannot reach database {shown}: {first_line(exc)}", file=sys.stderr)
        return 2
    print(format_problems(problems))
    if notes:
        print(format_notes(notes))
    return 1 if problems else 0
