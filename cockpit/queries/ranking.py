"""The ranking page's monthly figures (#21): per month, every unit of a tier under a unit, from the facts.

The figures' definitions (which timestamp puts a case in a month, what counts as on time) live in
cockpit.store.rollup.monthly, shared with rollup_month; `cockpit.queries.rollup.fetch_month_figures`
answers the same from it and from rollup_population. Which population snapshot a month takes, the unit
list and the frame's shape are decided here for both reads.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select

from cockpit.core import codes
from cockpit.core.model import Unit
from cockpit.queries.base import Bind, child_key, in_unit, rows, tuples
from cockpit.queries.population import latest_snapshot
from cockpit.store.rollup.monthly import month_bounds, month_frame
from cockpit.store.rollup.tables import MONTH_COLUMNS
from cockpit.store.schema import admin_unit, grid, population_stat

MONTH_FIGURE_COLUMNS = ("month", "code", *MONTH_COLUMNS, "population")
Rows = list[tuple]  # (month, code or code prefix, *values): a read's rows before they are placed


def check_tier(unit: Unit, tier: str) -> None:
    if tier not in codes.LEVELS or codes.LEVELS.index(tier) <= codes.LEVELS.index(unit.level):
        raise ValueError(f"tier {tier!r} is not below the {unit.level} {unit.code}")


def tier_codes(bind: Bind, unit: Unit, tier: str) -> list[str]:
    """Every unit of `tier` under `unit`, in code order: the ranking lists those without figures too."""
    if tier == "grid":
        return [r[0] for r in rows(bind, select(grid.c.code).where(in_unit(grid.c.code, unit)).order_by(grid.c.code))]
    a = admin_unit.c
    lo, hi = unit.grid_range  # a 12-digit code lies in its ancestors' grid-code ranges too
    stmt = select(a.code).where(a.level == tier, a.code >= lo, a.code < hi).order_by(a.code)
    return [r[0] for r in rows(bind, stmt)]


def _earliest_snapshot(bind: Bind) -> date | None:
    value = rows(bind, select(func.min(population_stat.c.as_of)))[0][0]
    return pd.Timestamp(value).date() if value is not None else None


def month_snapshots(bind: Bind, months: list[date]) -> dict[date, date | None]:
    """The population_stat snapshot each month reads: the overview's (the latest on or before the month's
    end); a month before the first snapshot takes the first one (a ranking per resident needs a
    denominator, and the earliest count is the closest there is). None when there is no snapshot."""
    out: dict[date, date | None] = {}
    earliest: list[date | None] = []
    for month in months:
        snap = latest_snapshot(bind, datetime.combine(month_bounds(month)[1], time()))
        if snap is None:
            if not earliest:
                earliest.append(_earliest_snapshot(bind))
            snap = earliest[0]
        out[month] = snap
    return out


def month_populations(bind: Bind, unit: Unit, tier: str, months: list[date]) -> Rows:
    """(month, code, population) rows: residents per unit of the tier at each month's snapshot.

    Residents as fetch_child_population counts them (registered + floating), for every snapshot in one
    statement: one read per snapshot cost ~8 ms each under a community of 嘉兴, most of a grid ranking's time.
    """
    snapshots = month_snapshots(bind, months)
    wanted = sorted({snap for snap in snapshots.values() if snap is not None})
    if not wanted:
        return []
    p = population_stat.c
    key = child_key(p.grid_code, unit, tier).label("key")
    stmt = (select(key, p.as_of, func.sum(p.registered + p.floating))
            .where(p.as_of.in_(wanted), in_unit(p.grid_code, unit)).group_by(key, p.as_of))
    by_snapshot: dict[date, list[tuple[str, int]]] = {}
    for code, as_of, population in tuples(bind, stmt):
        by_snapshot.setdefault(pd.Timestamp(as_of).date(), []).append((code, int(population)))
    return [(month, code, population) for month, snap in snapshots.items() if snap is not None
            for code, population in by_snapshot.get(snap, ())]


def month_figures_frame(bind: Bind, unit: Unit, tier: str, months: list[date], counted: Rows,
                        population: Rows) -> pd.DataFrame:
    """MONTH_FIGURE_COLUMNS for every (month, unit of the tier): `counted` (month, code, *MONTH_COLUMNS)
    where it has a row, zeros elsewhere, and `population` (month, code, population). By month, then code.

    Placed by position in one integer array: pandas' set_index/reindex on string keys took ~0.1 s for a
    city's 1,202 communities over 13 months, a third of the page's budget.
    """
    unit_codes = tier_codes(bind, unit, tier)
    row_of = {key: i for i, key in enumerate(itertools.product(months, unit_codes))}
    names = [*MONTH_COLUMNS, "population"]
    values = np.zeros((len(row_of), len(names)), dtype="int64")
    for rows_, first in ((counted, 0), (population, len(MONTH_COLUMNS))):
        # codes.pad_code: a district's or street's prefix back to its 12-digit code
        at = np.fromiter((row_of.get((r[0], r[1].ljust(12, "0")), -1) for r in rows_), dtype="int64", count=len(rows_))
        known = at >= 0  # a code outside the unit list (no such unit in admin_unit / grid) is not ranked
        if known.any():
            width = len(rows_[0]) - 2
            values[at[known], first:first + width] = np.array([r[2:] for r in rows_], dtype="int64")[known]
    out = pd.DataFrame(values, columns=names)
    out.insert(0, "code", pd.Series(unit_codes * len(months), dtype=object))
    out.insert(0, "month", pd.Series([m for m in months for _ in unit_codes], dtype=object))
    return out


def _in_area(column: ColumnElement[str], unit: Unit) -> ColumnElement[bool]:
    """A city's or district's rows by a prefix expression no index serves, so the engine walks the time
    index for the months; a narrower unit by its grid-code range (the (grid_code, time) indexes)."""
    if unit.level in ("city", "district"):
        lo, _ = unit.grid_range
        return func.substr(column, 1, literal_column(str(len(lo)))) == lo
    return in_unit(column, unit)


def _month_ranges(months: list[date]) -> list[tuple[datetime, datetime]]:
    """The months as few half-open datetime ranges: consecutive months merge into one."""
    ranges: list[tuple[datetime, datetime]] = []
    for month in months:
        start, end = (datetime.combine(d, time()) for d in month_bounds(month))
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def fetch_month_figures(bind: Bind, unit: Unit, tier: str, months: list[date]) -> pd.DataFrame:
    """Per month (its first day) and unit of `tier` under `unit`: MONTH_FIGURE_COLUMNS, every unit listed.

    Months are taken sorted and once each; the frame is ordered by month, then code, counts as int64.
    Participants above the grid are the sum of the grids' distinct participants (a resident once per grid).
    """
    check_tier(unit, tier)
    months = sorted(set(months))
    ranges = _month_ranges(months)

    def where(grid_code: ColumnElement[str], time_col: ColumnElement) -> list[ColumnElement[bool]]:
        # Below the district the grid-code range is the short walk: the time is compared through an
        # expression no index serves, or SQLite walks the time index over the whole city (嘉兴, a
        # community's grids for 13 months: 0.8 s of CPU -> 0.07 s; participation._during does the same).
        t = time_col if unit.level in ("city", "district") else func.coalesce(time_col, time_col)
        return [_in_area(grid_code, unit), or_(*[and_(t >= start, t < end) for start, end in ranges])]

    counted: Rows = []
    if months:
        frame = month_frame(bind, lambda col: child_key(col, unit, tier), where)
        counted = list(zip(frame["month"], frame["k"], *[frame[c] for c in MONTH_COLUMNS], strict=True))
    return month_figures_frame(bind, unit, tier, months, counted, month_populations(bind, unit, tier, months))
