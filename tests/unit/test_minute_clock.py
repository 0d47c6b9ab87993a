"""The portable minute clock (cockpit.store.rollup.aggregates._Minutes) is one operand wherever it is used: a
difference of two clocks subtracts the whole second one. Compiled without parentheses it read
`… - days * 1440 + hour * 60 + minute` on PostgreSQL and MariaDB, and the 督办 rule 超期一倍以上 picked other
cases there than on SQLite (tests/integration/test_parity_supervision.py found it; that test runs the
clocks on the real servers)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import DateTime, column, create_engine, literal, select
from sqlalchemy.dialects import mysql, postgresql, sqlite

from cockpit.store.rollup.aggregates import _Minutes


def _sql(expr, dialect) -> str:
    """The compiled expression, its bound parameters' numbering removed (a second clock counts on from the first)."""
    text = str(select(expr).compile(dialect=dialect)).split("SELECT ", 1)[1].split(" AS anon_1", 1)[0]
    return re.sub(r"%\(param_\d+\)s", "?", text)


@pytest.mark.parametrize("dialect", [postgresql.dialect(), mysql.dialect(), sqlite.dialect()], ids=["pg", "mysql", "sqlite"])
def test_a_clock_is_one_parenthesised_operand(dialect):
    a, b = column("a"), column("b")
    one = _sql(_Minutes(b), dialect)
    assert one.startswith("(") and one.endswith(")")
    assert _sql(_Minutes(a) - _Minutes(b), dialect).endswith(" - " + one)


def test_a_difference_in_minutes_on_sqlite():
    start, now = datetime(2026, 10, 21, 10, 57, 5), datetime(2026, 11, 1)
    expr = _Minutes(literal(now, DateTime())) - _Minutes(literal(start, DateTime()))
    with create_engine("sqlite://").connect() as conn:
        assert conn.execute(select(expr)).scalar() == 10 * 1440 + 13 * 60 + 3  # 15,183 whole minutes
