"""The ranking page's monthly figures (#21): one definition for the fact read and for rollup_month.

Each figure is counted in the month of one timestamp (receipt, due date, closing, return visit, alert
raised, points earned). The month is the (year, month) pair read by EXTRACT, which SQLAlchemy renders
on SQLite, PostgreSQL and MariaDB alike; grouping by it carries no bound parameter, so the SELECT and
GROUP BY expressions are the same text on PostgreSQL. The fact read narrows the rows to the months
asked for; the rollup refresh takes every month at once. Both group with the same statements, so their
answers agree by construction (tests/integration/test_parity_ranking.py checks it). Residents are
summed per community and snapshot (rollup_population); which snapshot a month takes is decided when read.

Participants are distinct per grid and month: above the grid a resident who earned points in two grids
counts in both. That makes a community's figure a sum of its grids', so the rollup can store it per
community and add communities up. One count of distinct (grid, participant) pairs gives that sum.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
from sqlalchemy import ColumnElement, Integer, Select, Table, and_, cast, extract, func, or_, select

from cockpit.store.rollup.daily import community_of
from cockpit.store.rollup.tables import MONTH_COLUMNS
from cockpit.store.schema import alert, case_record, points_ledger, population_stat
from cockpit.store.sql import Bind, count_if, tuples

# key(grid_code column) -> the unit a row is counted for; where(grid_code column, time column) -> filters
KeyOf = Callable[[ColumnElement[str]], ColumnElement[str]]
WhereOf = Callable[[ColumnElement[str], ColumnElement], list[ColumnElement[bool]]]

EARN = "earn"  # the ledger's entry_type for points earned (schema.LEDGER_TYPES)


def _year(col: ColumnElement) -> ColumnElement[int]:
    return cast(extract("year", col), Integer)


def _month(col: ColumnElement) -> ColumnElement[int]:
    return cast(extract("month", col), Integer)


def _not_later_month(early: ColumnElement, late: ColumnElement) -> ColumnElement[bool]:
    """`early` falls in `late`'s month or before it: early < the end of late's month."""
    return or_(_year(early) < _year(late), and_(_year(early) == _year(late), _month(early) <= _month(late)))


def month_selects(key: KeyOf, where: WhereOf) -> list[Select]:
    """The grouped statements of every MONTH_COLUMNS figure: each yields (k, y, m, <its figures>)."""
    c, a, lg = case_record.c, alert.c, points_ledger.c

    def grouped(table: Table, time_col: ColumnElement, values: dict[str, ColumnElement],
                *extra: ColumnElement[bool]) -> Select:
        keys = [key(table.c.grid_code).label("k"), _year(time_col).label("y"), _month(time_col).label("m")]
        return (select(*keys, *[v.label(n) for n, v in values.items()])
                .where(*where(table.c.grid_code, time_col), *extra).group_by(*keys))

    one = func.count()
    return [
        grouped(case_record, c.received_at, {
            "received": one,
            "review_due": count_if(c.review_due_at.is_not(None)),
            "review_on_time": count_if(and_(c.review_due_at.is_not(None), c.registered_at.is_not(None),
                                            c.registered_at <= c.review_due_at)),
            "returned": count_if(c.return_count > 0),
        }),
        grouped(case_record, c.due_at, {
            "due": one,
            "resolved_due": count_if(and_(c.resolved_at.is_not(None), _not_later_month(c.resolved_at, c.due_at))),
            "resolved_on_time": count_if(and_(c.resolved_at.is_not(None), c.resolved_at <= c.due_at)),
        }),
        grouped(case_record, c.closed_at, {
            "closed": one,
            "visited": count_if(c.visited_at.is_not(None)),
            "reopened": count_if(c.reopen_count > 0),
        }),
        grouped(case_record, c.visited_at, {
            "rated": one,
            "satisfied": count_if(c.satisfaction == 5),
            "basic_satisfied": count_if(c.satisfaction == 4),
        }, c.satisfaction.is_not(None)),
        grouped(alert, a.raised_at, {
            "alerts_raised": one,
            "alerts_ack_on_time": count_if(and_(a.acknowledged_at.is_not(None), a.acknowledged_at <= a.ack_due_at)),
        }),
        # Grid codes have one length (15), so the concatenation cannot make two pairs one.
        grouped(points_ledger, lg.at, {"participants": func.count(func.distinct(lg.grid_code + lg.participant_ref))},
                lg.entry_type == EARN),
    ]


def month_frame(bind: Bind, key: KeyOf, where: WhereOf) -> pd.DataFrame:
    """(k, month, *MONTH_COLUMNS) for every key and month with at least one figure, zeros elsewhere, ints."""
    parts = []
    for stmt in month_selects(key, where):
        names = [col.name for col in stmt.selected_columns]
        frame = pd.DataFrame(tuples(bind, stmt), columns=names)
        parts.append(frame.astype({n: "int64" for n in names[1:]}).set_index(["k", "y", "m"]))
    both = pd.concat(parts, axis=1).fillna(0).astype("int64")
    both = both.reindex(columns=list(MONTH_COLUMNS), fill_value=0).reset_index()
    both.insert(1, "month", [date(int(y), int(m), 1) for y, m in zip(both.pop("y"), both.pop("m"), strict=True)])
    return both.sort_values(["month", "k"]).reset_index(drop=True)


def month_bounds(month: date) -> tuple[date, date]:
    """[first day, next month's first day) of the month starting at `month`."""
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return month, nxt


def compute_month_frame(bind: Bind) -> pd.DataFrame:
    """rollup_month: every community and month with any figure (a missing row reads as zeros)."""
    frame = month_frame(bind, community_of,
                        lambda _grid_code, time_col: [time_col.is_not(None)])
    return frame.rename(columns={"k": "community_code"})[["month", "community_code", *MONTH_COLUMNS]]


def compute_population_frame(bind: Bind) -> pd.DataFrame:
    """rollup_population: residents (registered + floating, as the overview counts them) per community and snapshot."""
    p = population_stat.c
    keys = [p.as_of.label("as_of"), community_of(p.grid_code).label("community_code")]
    stmt = select(*keys, func.sum(p.registered + p.floating)).group_by(*keys)
    frame = pd.DataFrame(tuples(bind, stmt), columns=["as_of", "community_code", "population"])
    frame["as_of"] = [pd.Timestamp(d).date() for d in frame["as_of"]]
    return frame.astype({"population": "int64"})
