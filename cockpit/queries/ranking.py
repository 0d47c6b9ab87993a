"""The ranking page's monthly figures (#21): per month, every unit of a tier under a unit, from the facts.

The figures' definitions (which timestamp puts a case in a month, what counts as on time) live in
cockpit.store.rollup.monthly, shared with rollup_month; `cockpit.queries.rollup.fetch_month_figures`
answers the same from it. Population is read live here for both: residents at the month's snapshot.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select

from cockpit.core import codes
from cockpit.core.model import Unit
from cockpit.queries.base import Bind, child_key, in_unit, rows
from cockpit.queries.population import fetch_child_population, latest_snapshot
from cockpit.store.rollup.monthly import month_bounds, month_frame
from cockpit.store.rollup.tables import MONTH_COLUMNS
from cockpit.store.schema import admin_unit, grid, population_stat

MONTH_FIGURE_COLUMNS = ("month", "code", *MONTH_COLUMNS, "population")


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


def month_populations(bind: Bind, unit: Unit, tier: str, months: list[date]) -> pd.DataFrame:
    """(month, code, population): the overview's residents per child (fetch_child_population) at the latest
    snapshot on or before the month's end; a month before the first snapshot takes the first one (a
    ranking per resident needs a denominator, and the earliest count is the closest there is)."""
    snapshots: dict[date, date | None] = {}
    earliest: list[date | None] = []
    for month in months:
        snap = latest_snapshot(bind, datetime.combine(month_bounds(month)[1], time()))
        if snap is None:
            if not earliest:
                earliest.append(_earliest_snapshot(bind))
            snap = earliest[0]
        snapshots[month] = snap
    # Months sharing a snapshot (a city that counts residents once a year) read it once.
    by_snapshot = {snap: fetch_child_population(bind, unit, tier, datetime.combine(snap, time()))
                   for snap in set(snapshots.values()) if snap is not None}
    parts = [pd.DataFrame({"month": month, "code": by_snapshot[snap].index, "population": by_snapshot[snap].to_numpy()})
             for month, snap in snapshots.items() if snap is not None]
    if not parts:
        return pd.DataFrame({"month": pd.Series(dtype=object), "code": pd.Series(dtype=str),
                             "population": pd.Series(dtype="int64")})
    out = pd.concat(parts, ignore_index=True)
    return out.assign(population=out["population"].round().astype("int64"))


def month_figures_frame(bind: Bind, unit: Unit, tier: str, months: list[date], counted: pd.DataFrame) -> pd.DataFrame:
    """MONTH_FIGURE_COLUMNS for every (month, unit of the tier): `counted` (month, code prefix, MONTH_COLUMNS)
    where it has a row, zeros elsewhere, and the population. Sorted by month, then code."""
    index = pd.MultiIndex.from_product([months, tier_codes(bind, unit, tier)], names=["month", "code"])
    counted = counted.assign(code=[codes.pad_code(k) for k in counted["code"]])
    out = counted.set_index(["month", "code"])[list(MONTH_COLUMNS)].reindex(index, fill_value=0)
    population = month_populations(bind, unit, tier, months).set_index(["month", "code"])["population"]
    out["population"] = population.reindex(index, fill_value=0)
    return out.astype("int64").reset_index()[list(MONTH_FIGURE_COLUMNS)]


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

    Participants above the grid are the sum of the grids' distinct participants (a resident once per grid).
    """
    check_tier(unit, tier)
    months = sorted(set(months))
    ranges = _month_ranges(months)

    def where(grid_code: ColumnElement[str], time_col: ColumnElement) -> list[ColumnElement[bool]]:
        return [_in_area(grid_code, unit), or_(*[and_(time_col >= start, time_col < end) for start, end in ranges])]

    counted = month_frame(bind, lambda col: child_key(col, unit, tier), where) if months else None
    if counted is None:
        counted = pd.DataFrame(columns=["k", "month", *MONTH_COLUMNS])
    return month_figures_frame(bind, unit, tier, months, counted.rename(columns={"k": "code"}))
