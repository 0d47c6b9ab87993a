"""Reading the rollups: the same answers as the fact queries, from daily per-community rows.

They are used only when `rollup_is_fresh` (built for the data end being shown); see
cockpit.store.rollup for how they are built and why end-of-day snapshots add up.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import ColumnElement, Table, and_, case, func, literal_column, select

from cockpit.core import codes
from cockpit.core.model import SEVERITIES, TIERS, AlertStats, CaseStats, PointsStats, Unit, Window
from cockpit.queries import ranking
from cockpit.queries.base import Bind, counts, rows, tuples
from cockpit.store.rollup.tables import (
    DAY_COLUMNS,
    MONTH_COLUMNS,
    ROLLUP_KEY,
    rollup_day,
    rollup_marker,
    rollup_month,
    rollup_participants,
    rollup_population,
    rollup_street_day,
)
from cockpit.store.schema import meta


def rollup_is_fresh(bind: Bind, end: datetime | None) -> bool:
    """True when rollups exist, were built for the data end the app is showing and by this release's format."""
    if end is None:
        return False
    try:
        value = rows(bind, select(meta.c.value).where(meta.c.key == ROLLUP_KEY))
    except Exception:  # noqa: BLE001 - no meta table or no rights: treat as no rollups
        return False
    return bool(value) and value[0][0] == rollup_marker(end)


def day_table(unit: Unit, child_level: str | None = None) -> Table:
    """The daily rollup that answers a unit: per street for a city or district (unless it is split into
    children finer than streets), per community below. Both hold the same sums."""
    if unit.level in ("city", "district") and child_level in (None, "district", "street"):
        return rollup_street_day
    return rollup_day


def _code(table: Table) -> ColumnElement[str]:
    return table.c.street_code if table is rollup_street_day else table.c.community_code


def in_unit_area(unit: Unit, table: Table) -> ColumnElement[bool]:
    """The unit's rows of a daily rollup table (`day_table`)."""
    lo, hi = unit.grid_range
    code = _code(table)
    if unit.level in ("city", "district"):
        # A broad unit spans most rows: compare a prefix expression, which no index serves, so the
        # planner takes the (day, code) index for the window instead of walking every day of
        # every area (SQLite cannot tell the two ranges apart without STAT4; 嘉兴 city 260 -> ~30 ms).
        return func.substr(code, 1, literal_column(str(len(lo)))) == lo
    # A narrow unit: the primary key (code, day) range is the short walk.
    return and_(code >= lo[:12], code < hi)


def days_of(w: Window, table: Table) -> ColumnElement[bool]:
    return and_(table.c.day >= w.start.date(), table.c.day < w.end.date())


def last_day_of(w: Window, table: Table) -> ColumnElement[bool]:
    # The end-of-day row of the window's last day: always inside days_of(w), so filters need only that.
    return table.c.day == (pd.Timestamp(w.end) - pd.Timedelta(days=1)).date()


def _sum(col: ColumnElement[int]) -> ColumnElement[int]:
    return func.coalesce(func.sum(col), 0)


EOD_COLUMNS = ("open_eod", "overdue_eod", "active_s1_eod", "active_s2_eod", "active_s3_eod", "active_s4_eod")


def _window_sums(bind: Bind, unit: Unit, w: Window) -> dict[str, int]:
    """Every rollup column summed over the window, end-of-day snapshots at its last day: one read."""
    table = day_table(unit)
    r = table.c
    last = last_day_of(w, table)
    cols = [
        (_sum(case((last, getattr(r, name)), else_=0)) if name in EOD_COLUMNS else _sum(getattr(r, name))).label(name)
        for name in DAY_COLUMNS
    ]
    return counts(bind, select(*cols).where(in_unit_area(unit, table), days_of(w, table)))


def _case_stats(sums: dict[str, int]) -> CaseStats:
    return CaseStats(
        open=sums["open_eod"], overdue=sums["overdue_eod"], received=sums["cases_received"],
        closed=sums["cases_closed"], resolved=sums["cases_resolved"], resolved_on_time=sums["resolved_on_time"],
        resolved_low_tier=sums["resolved_grid"] + sums["resolved_community"], rated=sums["cases_rated"],
        satisfied=sums["cases_satisfied"],
    )


def _alert_stats(sums: dict[str, int]) -> AlertStats:
    return AlertStats(
        active_s1=sums["active_s1_eod"], active_s2=sums["active_s2_eod"], active_s3=sums["active_s3_eod"],
        active_s4=sums["active_s4_eod"], raised=sums["alerts_raised"], ack_on_time=sums["alerts_ack_on_time"],
        active=sum(sums[f"active_s{severity}_eod"] for severity in SEVERITIES),
    )


def _points_stats(bind: Bind, unit: Unit, w: Window, sums: dict[str, int]) -> PointsStats | None:
    p = rollup_participants.c
    lo, hi = unit.grid_range
    found = rows(bind, select(func.count()).where(p.window_start == w.start, p.window_end == w.end))[0][0]
    if not found:
        return None  # not a pre-computed window: the caller reads the facts
    people = rows(bind, select(_sum(p.participants)).where(
        p.window_start == w.start, p.window_end == w.end, p.community_code >= lo[:12], p.community_code < hi))[0][0]
    return PointsStats(earned=sums["points_earned"], redeemed=sums["points_redeemed"], participants=int(people))


def fetch_window_stats(bind: Bind, unit: Unit, w: Window) -> tuple[CaseStats, AlertStats, PointsStats | None]:
    """Case, alert and points figures of a window from a single read of the rollup (points None: read facts)."""
    sums = _window_sums(bind, unit, w)
    return _case_stats(sums), _alert_stats(sums), _points_stats(bind, unit, w, sums)


def fetch_case_stats(bind: Bind, unit: Unit, w: Window) -> CaseStats:
    return _case_stats(_window_sums(bind, unit, w))


def fetch_alert_stats(bind: Bind, unit: Unit, w: Window) -> AlertStats:
    return _alert_stats(_window_sums(bind, unit, w))


def fetch_points_stats(bind: Bind, unit: Unit, w: Window) -> PointsStats | None:
    """None when the window is not one of the pre-computed ones (the caller reads the facts)."""
    return _points_stats(bind, unit, w, _window_sums(bind, unit, w))


def fetch_child_metrics(bind: Bind, unit: Unit, child_level: str, w: Window, population: pd.Series) -> pd.DataFrame:
    """Per-child open/overdue cases, active alerts and points, from the rollup; population is passed in."""
    table = day_table(unit, child_level)
    r, last = table.c, last_day_of(w, table)
    n = codes.prefix_len(unit.code, child_level)
    key = func.substr(_code(table), 1, literal_column(str(int(n)))).label("key")
    stmt = (
        select(
            key,
            _sum(case((last, r.open_eod), else_=0)).label("open_cases"),
            _sum(case((last, r.overdue_eod), else_=0)).label("overdue_cases"),
            _sum(case((last, r.active_s1_eod + r.active_s2_eod + r.active_s3_eod + r.active_s4_eod), else_=0)).label("active_alerts"),
            _sum(r.points_earned).label("points_earned"),
        )
        .where(in_unit_area(unit, table), days_of(w, table))
        .group_by(key)
    )
    frame = pd.DataFrame(tuples(bind, stmt), columns=["key", "open_cases", "overdue_cases", "active_alerts", "points_earned"])
    frame.index = [codes.pad_code(k) for k in frame.pop("key")]
    out = pd.concat([population.rename("population"), frame], axis=1).fillna(0)
    out = out[(out.drop(columns="population") != 0).any(axis=1) | (out["population"] != 0)]
    return out[["population", "open_cases", "overdue_cases", "active_alerts", "points_earned"]].astype(float)


def fetch_daily(bind: Bind, unit: Unit, w: Window) -> pd.DataFrame:
    table = day_table(unit)
    r = table.c
    stmt = (
        select(r.day, _sum(r.cases_received), _sum(r.cases_closed), _sum(r.alerts_raised), _sum(r.points_earned))
        .where(in_unit_area(unit, table), days_of(w, table))
        .group_by(r.day)
    )
    frame = pd.DataFrame(tuples(bind, stmt), columns=["day", "cases_received", "cases_closed", "alerts_raised", "points_earned"])
    frame["day"] = pd.to_datetime(frame["day"])
    days = pd.date_range(pd.Timestamp(w.start).normalize(), pd.Timestamp(w.end - pd.Timedelta(seconds=1)).normalize(), freq="D")
    out = frame.set_index("day").astype(float).reindex(days).fillna(0)
    out.index.name = "day"
    return out.reset_index()


def fetch_tier_breakdown(bind: Bind, unit: Unit, w: Window) -> pd.DataFrame:
    table = day_table(unit)
    r = table.c
    row = rows(bind, select(*[_sum(getattr(r, f"resolved_{t}")) for t in TIERS]).where(
        in_unit_area(unit, table), days_of(w, table)))[0]
    frame = pd.DataFrame({"tier": TIERS, "cases": [int(v) for v in row]})
    return frame[frame["cases"] > 0].reset_index(drop=True)


def fetch_month_figures(bind: Bind, unit: Unit, tier: str, months: list[date]) -> pd.DataFrame:
    """cockpit.queries.ranking.fetch_month_figures from rollup_month and rollup_population: the same frame.

    A grid tier is read from the facts (the rollups hold communities; grids are asked for under a street
    or a community, a short read). Which snapshot a month's population takes is decided as the facts do.
    """
    ranking.check_tier(unit, tier)
    months = sorted(set(months))
    if tier == "grid" or not months:
        return ranking.fetch_month_figures(bind, unit, tier, months)
    lo, hi = unit.grid_range
    n = int(codes.prefix_len(unit.code, tier))

    def per_code(table: Table, values: list[str], *where: ColumnElement[bool]) -> list[tuple]:
        """The table's rows under the unit matching `where`, summed per unit of the tier: (code, *values).

        Community rows are read as stored (no grouping); one statement a month or snapshot, so no date
        column comes back (parsing 15,000 dates costs more than the read on SQLite).
        """
        code = table.c.community_code
        inside = [code >= lo[:12], code < hi, *where]
        if n == 12:
            stmt = select(code, *[table.c[v] for v in values]).where(*inside)
        else:
            key = func.substr(code, 1, literal_column(str(n)))
            stmt = select(key, *[_sum(table.c[v]) for v in values]).where(*inside).group_by(key)
        return tuples(bind, stmt)

    # The primary keys (month or as_of, community_code) answer each month's range of communities.
    counted = [(month, *row) for month in months
               for row in per_code(rollup_month, list(MONTH_COLUMNS), rollup_month.c.month == month)]
    snapshots = ranking.month_snapshots(bind, months)
    at_snapshot = {snap: per_code(rollup_population, ["population"], rollup_population.c.as_of == snap)
                   for snap in sorted({snap for snap in snapshots.values() if snap is not None})}
    population = [(month, *row) for month, snap in snapshots.items() for row in at_snapshot.get(snap, ())]
    return ranking.month_figures_frame(bind, unit, tier, months, counted, population)
