"""Statement helpers shared by every reader of the store: run a statement, count a condition."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, Engine, Executable, case, func

Bind = Engine | Connection


def rows(bind: Bind, stmt: Executable) -> list:
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return list(conn.execute(stmt))
    return list(bind.execute(stmt))


def tuples(bind: Bind, stmt: Executable) -> list[tuple]:
    """The rows as plain tuples: pandas probes every Row for attributes, which costs seconds per million."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return [tuple(r) for r in conn.execute(stmt).fetchall()]  # one DBAPI fetchall, not a fetchone per row
    return [tuple(r) for r in bind.execute(stmt).fetchall()]


def count_if(condition: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

