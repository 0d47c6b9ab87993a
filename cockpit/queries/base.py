"""What every query shares: the subtree of a unit as a grid-code range, keys per child."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Executable, and_, func, literal_column

from cockpit.core import codes
from cockpit.core.model import Unit
from cockpit.store.sql import Bind, count_if, rows, tuples  # noqa: F401 - the queries' shared helpers

FAR_FUTURE = datetime(9999, 1, 1)


def counts(bind: Bind, stmt: Executable) -> dict[str, int]:
    """The one row of an aggregate statement, as label -> integer (drivers return Decimal or int)."""
    return {label: int(value) for label, value in rows(bind, stmt)[0]._mapping.items()}


def in_unit(column: ColumnElement, unit: Unit) -> ColumnElement:
    lo, hi = unit.grid_range
    return and_(column >= lo, column < hi)


def child_key(column: ColumnElement, unit: Unit, child_level: str) -> ColumnElement:
    n = codes.prefix_len(unit.code, child_level)
    # The prefix length comes from our own level table, never from input; inline it so
    # SELECT and GROUP BY are the same expression on PostgreSQL.
    return func.substr(column, 1, literal_column(str(int(n))))

