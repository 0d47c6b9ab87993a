"""Risk alerts: active by severity, raised and acknowledged in time, the active ones as points, and the
alerts page's questions (response times, alerts that became cases, hotspots, baselines, trend).

Durations are counted portably: a timestamp becomes whole minutes since a fixed origin from
EXTRACT(year/month/day/hour/minute) and integer arithmetic only (see `_minutes`), so SQLite,
PostgreSQL and MariaDB agree to the minute without any engine's own date functions. The page then
gets (stage, severity, minutes, alerts) groups, a few thousand rows at most, and takes quantiles from them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    func,
    literal_column,
    or_,
    select,
    union_all,
)

from cockpit.core.model import SEVERITIES, AlertStats, Unit, Window
from cockpit.queries.base import FAR_FUTURE, Bind, child_key, count_if, counts, in_unit, rows, tuples
from cockpit.store.rollup.aggregates import alert_window_select, response_select
from cockpit.store.rollup.tables import (
    ALERT_BASELINE_DAYS,
    rollup_alert_response,
    rollup_alert_window,
    rollup_grid_window,
)
from cockpit.store.schema import alert, device, grid

BASELINE_DAYS = ALERT_BASELINE_DAYS  # the trailing 12 weeks a grid's period is compared with (84 days)


def fetch_alert_stats(bind: Bind, unit: Unit, w: Window) -> AlertStats:
    a = alert.c
    active = and_(a.raised_at < w.end, or_(a.resolved_at.is_(None), a.resolved_at >= w.end))
    raised_in = and_(a.raised_at >= w.start, a.raised_at < w.end)
    stmt = select(
        *[count_if(and_(active, a.severity == severity)).label(f"active_s{severity}") for severity in SEVERITIES],
        count_if(raised_in).label("raised"),
        count_if(and_(raised_in, a.acknowledged_at.is_not(None), a.acknowledged_at <= a.ack_due_at)).label("ack_on_time"),
    ).where(in_unit(a.grid_code, unit), a.raised_at < w.end)
    found = counts(bind, stmt)
    return AlertStats(
        active_s1=found["active_s1"], active_s2=found["active_s2"], active_s3=found["active_s3"],
        active_s4=found["active_s4"], raised=found["raised"], ack_on_time=found["ack_on_time"],
        active=sum(found[f"active_s{severity}"] for severity in SEVERITIES),
    )


def _picked(alert_type: str | None, severity: int | None) -> list[ColumnElement[bool]]:
    """The page's filters as conditions (None: all)."""
    a = alert.c
    found = []
    if alert_type is not None:
        found.append(a.type == alert_type)
    if severity is not None:
        found.append(a.severity == int(severity))
    return found


def _in_prefix(unit: Unit) -> ColumnElement[bool]:
    """The unit's grids as a prefix test that no index can serve.

    Same rows as in_unit; used where the grid range must not steer the planner: at the city tier
    the range is the whole table and SQLite (no statistics) prefers it to a short resolved_at range.
    """
    lo, _hi = unit.grid_range
    return func.substr(alert.c.grid_code, 1, literal_column(str(len(lo)))) == lo


WIDE_LEVELS = ("city", "district")


def _unit_of_period(unit: Unit) -> ColumnElement[bool]:
    """The unit's grids, for a question about the alerts raised in a period.

    A city or a district holds so much of the table that its grid range would walk most of
    ix_alert_grid_raised (SQLite, without statistics, takes it as it covers both columns): there the
    test is written so that only the period's range on ix_alert_raised can serve it (嘉兴 city, 30 days:
    1.37 s -> 0.27 s for the daily series). Below, the grid range is the short way in.
    """
    return _in_prefix(unit) if unit.level in WIDE_LEVELS else in_unit(alert.c.grid_code, unit)


def _active_branches(unit: Unit, end: datetime, cols: list, extra: list) -> tuple:
    """Alerts active at `end` as two index ranges on ix_alert_open (an OR would walk the unit's history)."""
    a = alert.c
    unresolved = select(*cols).where(a.resolved_at.is_(None), in_unit(a.grid_code, unit), a.raised_at < end, *extra)
    # The upper bound changes no answer; with it and the unindexable prefix test every planner takes the
    # short resolved_at range (嘉兴 city tier: 6.2 s -> 12 ms on SQLite).
    later = select(*cols).where(a.resolved_at >= end, a.resolved_at < FAR_FUTURE, _in_prefix(unit), a.raised_at < end,
                                *extra)
    return unresolved, later


ACTIVE_COLUMNS = ["id", "type", "severity", "lon", "lat", "raised_at", "status", "grid_code"]


def fetch_active_alerts(bind: Bind, unit: Unit, end: datetime, limit: int = 2000, alert_type: str | None = None,
                        severity: int | None = None) -> pd.DataFrame:
    """Alerts active at `end`, most severe then newest first, at most `limit` (optionally one type/severity)."""
    a = alert.c
    cols = [a.id, a.type, a.severity, a.lon, a.lat, a.raised_at, a.status, a.grid_code]
    both = union_all(*_active_branches(unit, end, cols, _picked(alert_type, severity))).subquery()
    stmt = select(both).order_by(both.c.severity, both.c.raised_at.desc(), both.c.id).limit(limit)
    frame = pd.DataFrame(tuples(bind, stmt), columns=ACTIVE_COLUMNS)
    frame["raised_at"] = pd.to_datetime(frame["raised_at"])
    return frame


def fetch_active_counts(bind: Bind, unit: Unit, end: datetime) -> pd.DataFrame:
    """Alerts active at `end` by type and severity (the list's total and the breakdown chart)."""
    a = alert.c
    both = union_all(*_active_branches(unit, end, [a.type, a.severity], [])).subquery()
    stmt = select(both.c.type, both.c.severity, func.count().label("alerts")).group_by(both.c.type, both.c.severity)
    frame = pd.DataFrame(tuples(bind, stmt), columns=["type", "severity", "alerts"])
    frame = frame.astype({"severity": int, "alerts": int})
    return frame.sort_values(["type", "severity"]).reset_index(drop=True)


def fetch_response_minutes(bind: Bind, unit: Unit, w: Window, alert_type: str | None = None,
                           severity: int | None = None, rolled: bool = False) -> pd.DataFrame:
    """(stage, severity, minutes, alerts): alerts raised in the period by minutes to acknowledge and to resolve.

    `rolled` (the caller knows the rollups are fresh): a city or a district without a type filter
    reads rollup_alert_response when it holds `w` (嘉兴 city, 30 days: some 5,000 stored rows
    summed instead of 73,000 alerts' clocks).
    """
    stmt = _rolled_response(bind, unit, w, alert_type, severity) if rolled else None
    if stmt is None:
        stmt = response_select(w, [], _unit_of_period(unit), *_picked(alert_type, severity))
    out = pd.DataFrame(tuples(bind, stmt), columns=["stage", "severity", "minutes", "alerts"])
    out = out.astype({"stage": str, "severity": int, "minutes": int, "alerts": int})
    return out.sort_values(["stage", "severity", "minutes"]).reset_index(drop=True)


def _rolled_response(bind: Bind, unit: Unit, w: Window, alert_type: str | None,
                     severity: int | None) -> Select | None:
    if alert_type is not None or unit.level not in WIDE_LEVELS:
        return None
    r = rollup_alert_response.c
    window = [r.window_start == w.start, r.window_end == w.end]
    if not rows(bind, select(r.window_start).where(*window).limit(1)):
        return None  # not a pre-computed window
    lo, _hi = unit.grid_range
    where = [*window, func.substr(r.district_code, 1, literal_column(str(len(lo)))) == lo]
    if severity is not None:
        where.append(r.severity == int(severity))
    return (select(r.stage, r.severity, r.minutes, func.sum(r.alerts))
            .where(*where).group_by(r.stage, r.severity, r.minutes))


def fetch_severity_stats(bind: Bind, unit: Unit, w: Window, alert_type: str | None = None,
                         severity: int | None = None, rolled: bool = False) -> pd.DataFrame:
    """Per severity, of the alerts raised in the period: raised, acknowledged, on time, resolved, became cases.

    `rolled` (the caller knows the rollups are fresh): a city or a district reads rollup_alert_window
    when it holds `w` (嘉兴 city, 30 days: ~250 stored rows instead of 73,000 alerts).
    """
    names = ["severity", "raised", "acknowledged", "ack_on_time", "resolved", "to_case"]
    stmt = _rolled_alert_window(bind, unit, w, alert_type, severity, "severity", names[1:]) if rolled else None
    if stmt is None:
        a = alert.c
        facts = alert_window_select(w, [a.severity], _unit_of_period(unit), *_picked(alert_type, severity)).subquery()
        stmt = select(*[facts.c[n] for n in names])
    frame = pd.DataFrame(tuples(bind, stmt), columns=names)
    return frame.astype(dict.fromkeys(names, int)).sort_values("severity").reset_index(drop=True)


def fetch_alert_cases(bind: Bind, unit: Unit, w: Window, alert_type: str | None = None,
                      severity: int | None = None, rolled: bool = False) -> pd.DataFrame:
    """Per type, of the alerts raised in the period: raised, that opened a case, whose case is closed by the end.

    `rolled`: as fetch_severity_stats.
    """
    names = ["type", "raised", "to_case", "case_closed"]
    stmt = _rolled_alert_window(bind, unit, w, alert_type, severity, "type", names[1:]) if rolled else None
    if stmt is None:
        a = alert.c
        facts = alert_window_select(w, [a.type], _unit_of_period(unit), *_picked(alert_type, severity)).subquery()
        stmt = select(*[facts.c[n] for n in names])
    frame = pd.DataFrame(tuples(bind, stmt), columns=names)
    return frame.astype({"raised": int, "to_case": int, "case_closed": int}).sort_values("type").reset_index(drop=True)


def _rolled_alert_window(bind: Bind, unit: Unit, w: Window, alert_type: str | None, severity: int | None,
                         by: str, values: list[str]) -> Select | None:
    """The sums of rollup_alert_window by `by` for a city or district in a window it holds, or None: read the facts."""
    if unit.level not in WIDE_LEVELS:
        return None
    r = rollup_alert_window.c
    window = [r.window_start == w.start, r.window_end == w.end]
    if not rows(bind, select(r.window_start).where(*window).limit(1)):
        return None
    lo, _hi = unit.grid_range
    where = [*window, func.substr(r.district_code, 1, literal_column(str(len(lo)))) == lo]
    if alert_type is not None:
        where.append(r.type == alert_type)
    if severity is not None:
        where.append(r.severity == int(severity))
    return select(r[by], *[func.sum(r[v]).label(v) for v in values]).where(*where).group_by(r[by])


def _rolled_grids(bind: Bind, unit: Unit, w: Window, alert_type: str | None, severity: int | None,
                  rolled: bool) -> list[ColumnElement[bool]] | None:
    """The unit's rows of rollup_grid_window for `w` (unfiltered alerts, a window it holds), or None: read the facts."""
    if not rolled or alert_type is not None or severity is not None:
        return None
    r = rollup_grid_window.c
    window = [r.window_start == w.start, r.window_end == w.end]
    if not rows(bind, select(r.grid_code).where(*window).limit(1)):
        return None
    lo, _hi = unit.grid_range
    in_area = (func.substr(r.grid_code, 1, literal_column(str(len(lo)))) == lo if unit.level in WIDE_LEVELS
               else in_unit(r.grid_code, unit))
    return [*window, in_area]


def fetch_grid_hotspots(bind: Bind, unit: Unit, w: Window, limit: int = 20, alert_type: str | None = None,
                        severity: int | None = None, rolled: bool = False) -> tuple[pd.DataFrame, int]:
    """The grids with the most alerts raised in the period (top `limit`, ties by code), and how many had any.

    `rolled` (the caller knows the rollups are fresh): unfiltered, from rollup_grid_window when it holds `w`.
    """
    a = alert.c
    where = [_unit_of_period(unit), a.raised_at >= w.start, a.raised_at < w.end, *_picked(alert_type, severity)]
    stored = _rolled_grids(bind, unit, w, alert_type, severity, rolled)
    if stored is not None:
        r = rollup_grid_window.c
        top = (select(r.grid_code.label("key"), r.alerts.label("alerts"), func.count().over().label("total"))
               .where(*stored, r.alerts > 0).order_by(r.alerts.desc(), r.grid_code).limit(int(limit)).subquery("top"))
        key, where = r.grid_code, [*stored, r.alerts > 0]  # what the count without rows below counts
    else:
        key = a.grid_code
        top = _top_with_total(select(a.grid_code.label("key")).where(*where), a.grid_code, limit)
    g = grid.c
    stmt = (select(top.c.key, g.name, g.lon, g.lat, top.c.alerts, top.c.total)
            .select_from(top.join(grid, g.code == top.c.key))
            .order_by(top.c.alerts.desc(), top.c.key))
    found = pd.DataFrame(tuples(bind, stmt), columns=["grid_code", "name", "lon", "lat", "alerts", "total"])
    return found.drop(columns="total").astype({"alerts": int}), _total(bind, found, key, where)


def _top_with_total(base: Select, key: ColumnElement, limit: int) -> Subquery:
    """The `limit` keys with the most rows of `base` (ties by key), each with the number of keys of all:
    one grouped scan answers both (COUNT(*) OVER () over the groups, before the limit)."""
    n = func.count().label("alerts")
    grouped = base.add_columns(n).group_by(key).subquery("grouped")
    return (select(grouped.c.key, grouped.c.alerts, func.count().over().label("total"))
            .order_by(grouped.c.alerts.desc(), grouped.c.key).limit(int(limit)).subquery("top"))


def _total(bind: Bind, found: pd.DataFrame, key: ColumnElement, where: list[ColumnElement[bool]]) -> int:
    """The number of keys: on every top row; without rows (none at all, or a limit of 0) counted apart."""
    if len(found):
        return int(found["total"].iloc[0])
    return counts(bind, select(func.count(func.distinct(key)).label("n")).where(*where))["n"]


def fetch_device_hotspots(bind: Bind, unit: Unit, w: Window, limit: int = 20, alert_type: str | None = None,
                          severity: int | None = None) -> tuple[pd.DataFrame, int]:
    """The devices that raised the most alerts in the period (top `limit`, ties by id), and how many raised any."""
    a = alert.c
    where = [_unit_of_period(unit), a.raised_at >= w.start, a.raised_at < w.end, a.device_id.is_not(None),
             *_picked(alert_type, severity)]
    top = _top_with_total(select(a.device_id.label("key")).where(*where), a.device_id, limit)
    d = device.c
    stmt = (select(top.c.key, d.type, d.grid_code, top.c.alerts, top.c.total)
            .select_from(top.join(device, d.id == top.c.key))
            .order_by(top.c.alerts.desc(), top.c.key))
    found = pd.DataFrame(tuples(bind, stmt), columns=["device_id", "type", "grid_code", "alerts", "total"])
    return found.drop(columns="total").astype({"device_id": int, "alerts": int}), _total(bind, found, a.device_id, where)


def fetch_grid_baselines(bind: Bind, unit: Unit, w: Window, alert_type: str | None = None, severity: int | None = None,
                         min_alerts: int = 3, rolled: bool = False) -> pd.DataFrame:
    """Grids with at least `min_alerts` in the period and more than their trailing-12-week rate predicts.

    (grid_code, name, lon, lat, observed, baseline): alerts raised in the period, and in the BASELINE_DAYS
    before it. Only grids above their own rate come back (HAVING), so a city answers in hundreds of rows.
    """
    a = alert.c
    base_start = w.start - timedelta(days=BASELINE_DAYS)
    days = round((w.end - w.start) / timedelta(days=1))
    stored = _rolled_grids(bind, unit, w, alert_type, severity, rolled)
    if stored is not None:  # the same counts per grid, stored: the test is a WHERE
        r = rollup_grid_window.c
        grouped = (select(r.grid_code, r.alerts.label("observed"), r.alerts_before.label("baseline"))
                   .where(*stored, r.alerts >= min_alerts, r.alerts * BASELINE_DAYS > r.alerts_before * days)
                   .subquery())
    else:
        observed = count_if(a.raised_at >= w.start).label("observed")
        baseline = count_if(a.raised_at < w.start).label("baseline")
        grouped = (
            select(a.grid_code, observed, baseline)
            .where(_unit_of_period(unit), a.raised_at >= base_start, a.raised_at < w.end, *_picked(alert_type, severity))
            .group_by(a.grid_code)
            # observed / days > baseline / BASELINE_DAYS, in integers
            .having(and_(observed >= min_alerts, observed * BASELINE_DAYS > baseline * days))
            .subquery()
        )
    g = grid.c
    stmt = (select(grouped.c.grid_code, g.name, g.lon, g.lat, grouped.c.observed, grouped.c.baseline)
            .select_from(grouped.join(grid, g.code == grouped.c.grid_code)).order_by(grouped.c.grid_code))
    frame = pd.DataFrame(tuples(bind, stmt), columns=["grid_code", "name", "lon", "lat", "observed", "baseline"])
    return frame.astype({"observed": int, "baseline": int})


def fetch_alert_daily(bind: Bind, unit: Unit, w: Window, alert_type: str | None = None,
                      severity: int | None = None) -> pd.DataFrame:
    """Alerts raised per day of the window (every day, zeros included)."""
    a = alert.c
    day = func.date(a.raised_at).label("day")
    stmt = (select(day, func.count()).where(_unit_of_period(unit), a.raised_at >= w.start, a.raised_at < w.end,
                                            *_picked(alert_type, severity)).group_by(day))
    found = pd.DataFrame(tuples(bind, stmt), columns=["day", "alerts"])
    found["day"] = pd.to_datetime(found["day"])
    days = pd.date_range(pd.Timestamp(w.start).normalize(), pd.Timestamp(w.end - timedelta(seconds=1)).normalize(),
                         freq="D", name="day")
    out = found.set_index("day")["alerts"].astype(int).reindex(days, fill_value=0)
    return out.reset_index()


def fetch_units_with_alerts(bind: Bind, unit: Unit, level: str, w: Window, alert_type: str | None = None,
                            severity: int | None = None) -> int:
    """How many units of `level` under `unit` had an alert raised in the period (the rest had none: 零发案)."""
    a = alert.c
    key = child_key(a.grid_code, unit, level)
    stmt = select(func.count(func.distinct(key)).label("n")).where(
        _unit_of_period(unit), a.raised_at >= w.start, a.raised_at < w.end, *_picked(alert_type, severity))
    return counts(bind, stmt)["n"]
