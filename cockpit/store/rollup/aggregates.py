"""The aggregates the fact queries (cockpit.queries) and the rollups are both built from.

One definition for both, so an answer read from the facts and one read from a rollup cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, extract, func, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from cockpit.core.model import TIERS, Window
from cockpit.store.rollup.tables import WORKLOAD_COLUMNS
from cockpit.store.schema import alert, case_record
from cockpit.store.sql import Bind, count_if, tuples

# ---------------------------------------------------------------- the cases page's aggregates

_FAR_FUTURE = datetime(9999, 1, 1)


def _by_deadline(reached: ColumnElement, due: ColumnElement, end: object) -> tuple[ColumnElement, ColumnElement]:
    """(on time, late) for a stage: late once its deadline passed before the window's end without it."""
    on_time = and_(reached.is_not(None), due.is_not(None), reached <= due)
    late = and_(due.is_not(None), due < end, or_(reached.is_(None), reached > due))
    return count_if(on_time), count_if(late)


def cohort_columns(w: Window) -> list[ColumnElement]:
    """COHORT_COLUMNS of the cases received in `w`, as aggregates (one grouped scan answers every breakdown)."""
    c = case_record.c
    cols = [func.count().label("received")]
    for stage in ("registered", "dispatched", "resolved", "verified", "closed", "visited"):
        cols.append(count_if(getattr(c, f"{stage}_at").is_not(None)).label(stage))
    for name, reached, due in (("review", c.registered_at, c.review_due_at),
                               ("response", c.dispatched_at, c.response_due_at),
                               ("resolve", c.resolved_at, c.due_at)):
        on_time, late = _by_deadline(reached, due, w.end)
        cols += [on_time.label(f"{name}_on_time"), late.label(f"{name}_late")]
    cols += [count_if(c.resolved_tier == tier).label(f"tier_{tier}") for tier in TIERS]
    cols += [
        count_if(c.satisfaction.is_not(None)).label("rated"),
        count_if(c.satisfaction >= 4).label("satisfied"),
        count_if(c.reopen_count > 0).label("reopened"),
        count_if(c.return_count > 0).label("returned"),
    ]
    return cols


def workload_parts(w: Window) -> list[tuple[str, ColumnElement[bool]]]:
    """The cases open at some time in the window, in three disjoint parts that each walk ix_case_open.

    Open at the end: never closed, or closed after the end (a bounded range, so the planner
    prefers it to the one-sided receipt range); and closed in the window (implies received before its end).
    """
    c = case_record.c
    return [
        ("open", and_(c.closed_at.is_(None), c.received_at < w.end)),
        ("open", and_(c.closed_at >= w.end, c.closed_at < _FAR_FUTURE, c.received_at < w.end)),
        ("closed", and_(c.closed_at >= w.start, c.closed_at < w.end)),
    ]


def workload_frame(bind: Bind, w: Window, keys: list[ColumnElement], *where: ColumnElement[bool]) -> pd.DataFrame:
    """Per key: cases closed in the window, open and overdue at its end (WORKLOAD_COLUMNS), in key order."""
    c = case_record.c
    names = [k.name for k in keys]
    parts = []
    for part, cond in workload_parts(w):
        is_open = part == "open"
        stmt = (select(*keys, func.count().label("n"), count_if(c.due_at < w.end).label("late"))
                .where(cond, *where).group_by(*keys))
        frame = pd.DataFrame(tuples(bind, stmt), columns=[*names, "n", "late"])
        parts.append(frame.assign(closed_in=0 if is_open else frame["n"], open=frame["n"] if is_open else 0,
                                  overdue=frame["late"] if is_open else 0)[[*names, *WORKLOAD_COLUMNS]])
    both = pd.concat(parts).groupby(names, as_index=False)[list(WORKLOAD_COLUMNS)].sum()
    return both.sort_values(names).reset_index(drop=True)


# ---------------------------------------------------------------- the alerts page's response times

_DAYS_BEFORE_MONTH = {1: 0, 2: 31, 3: 59, 4: 90, 5: 120, 6: 151, 7: 181, 8: 212, 9: 243, 10: 273, 11: 304, 12: 334}


def _minutes_portable(col: ColumnElement) -> ColumnElement[int]:
    """Whole minutes since a fixed origin of a timestamp, in integer arithmetic every engine shares.

    Leap days before a date: (y - [month <= 2]) // 4, written (12y + m - 3) // 48 so that each field is
    read twice at most. Exact from 1901 to 2099, where every fourth year is a leap year.
    """
    def part(field: str) -> ColumnElement[int]:
        return cast(extract(field, col), Integer)

    year, month = part("year"), part("month")
    days = year * 365 + (year * 12 + month - 3) // 48 + case(_DAYS_BEFORE_MONTH, value=month) + part("day")
    return days * 1440 + part("hour") * 60 + part("minute")


class _Minutes(FunctionElement):
    """Whole minutes of a naive timestamp since an origin each engine picks: only differences are read.

    Every engine floors to the minute, so a difference is the same everywhere. SQLite parses a
    timestamp again for every EXTRACT (five per column in the portable form): there one
    strftime('%s') does it, about twice as fast on a city's alerts.
    """

    type = Integer()
    inherit_cache = True


# Both forms are compound expressions, while SQLAlchemy takes a function element for an atom and does not
# parenthesise it: `_Minutes(a) - _Minutes(b)` compiled to `… - days * 1440 + hour * 60 + minute` on
# PostgreSQL and MariaDB (the hours and minutes of b added, not subtracted). Each is wrapped in parentheses.
@compiles(_Minutes)
def _minutes_default(element: _Minutes, compiler: SQLCompiler, **kw: object) -> str:
    (col,) = element.clauses.clauses
    return f"({compiler.process(_minutes_portable(col), **kw)})"


@compiles(_Minutes, "sqlite")
def _minutes_sqlite(element: _Minutes, compiler: SQLCompiler, **kw: object) -> str:
    (col,) = element.clauses.clauses
    return f"({compiler.process(cast(func.strftime('%s', col), Integer) // 60, **kw)})"


def response_select(w: Window, keys: list[ColumnElement], *where: ColumnElement[bool]) -> Select:
    """(*keys, stage, severity, minutes, alerts) of the alerts raised in `w` that match `where`."""
    a = alert.c
    # One pass computes the three clocks a row (a CTE read twice is materialised once by SQLite and
    # PostgreSQL); grouping its columns, not the expressions, keeps each computed once.
    each = (select(*keys, a.severity, _Minutes(a.raised_at).label("raised"), _Minutes(a.acknowledged_at).label("ack"),
                   _Minutes(a.resolved_at).label("resolve"))
            .where(a.raised_at >= w.start, a.raised_at < w.end, *where)
            .cte("each_alert"))
    names = [k.name for k in keys]
    arms = []
    for stage in ("ack", "resolve"):
        took = select(*[each.c[n] for n in names], literal(stage).label("stage"), each.c.severity,
                      (each.c[stage] - each.c.raised).label("minutes")).where(each.c[stage].is_not(None)).subquery()
        group = [*[took.c[n] for n in names], took.c.stage, took.c.severity, took.c.minutes]
        arms.append(select(*group, func.count()).group_by(*group))
    return union_all(*arms)


def alert_window_select(w: Window, keys: list[ColumnElement], *where: ColumnElement[bool]) -> Select:
    """(*keys, ALERT_WINDOW_COLUMNS) of the alerts raised in `w` that match `where`, grouped by `keys`."""
    a, c = alert.c, case_record.c
    closed = and_(c.closed_at.is_not(None), c.closed_at < w.end)
    return (
        select(*keys, func.count().label("raised"),
               count_if(a.acknowledged_at.is_not(None)).label("acknowledged"),
               count_if(a.acknowledged_at <= a.ack_due_at).label("ack_on_time"),
               count_if(a.resolved_at.is_not(None)).label("resolved"),
               count_if(a.case_id.is_not(None)).label("to_case"),
               count_if(closed).label("case_closed"))
        .select_from(alert.outerjoin(case_record, c.id == a.case_id))
        .where(a.raised_at >= w.start, a.raised_at < w.end, *where)
        .group_by(*keys)
    )
