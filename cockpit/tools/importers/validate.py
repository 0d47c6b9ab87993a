"""The contract's rules for imported rows: `cockpit.tools.check.rows` (check's own rules), as located problems."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.sql.expression import TableClause

from cockpit.store.upsert import Key
from cockpit.tools.check import rows as check_rows_
from cockpit.tools.importers.report import Problem, Report


def check_rows(table: TableClause, rows: list[dict], labels: Sequence[str], report: Report,
               set_later: frozenset[str] = frozenset()) -> None:
    """Every row breaking a row rule goes to ``report`` (a field already rejected is not repeated)."""
    already = {(p.line, p.field) for p in report.rejected}
    for label, column, message, value in check_rows_.check_rows(table, rows, labels, already, set_later):
        report.reject(label, column, message, value)


def check_foreign_keys(conn: Connection, table: TableClause, rows: list[dict], labels: Sequence[str],
                       file: str) -> list[Problem]:
    return [Problem(file, *f) for f in check_rows_.check_foreign_keys(conn, table, rows, labels)]


def check_written(conn: Connection, table: TableClause, written: dict[Key, str], file: str) -> list[Problem]:
    return [Problem(file, *f) for f in check_rows_.check_written(conn, table, written)]
