"""The overview's cross-theme questions: every child's map figures and the daily series."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, or_, select

from cockpit.core import codes
from cockpit.core.model import Unit, Window
from cockpit.queries.base import Bind, child_key, count_if, in_unit, tuples
from cockpit.queries.population import fetch_child_population
from cockpit.store.schema import alert, case_record, points_ledger


def fetch_child_metrics(bind: Bind, unit: Unit, child_level: str, w: Window) -> pd.DataFrame:
    """One row per child prefix: population, open/overdue cases, active alerts, points earned."""
    frames = [fetch_child_population(bind, unit, child_level, w.end).to_frame()]

    c = case_record.c
    key = child_key(c.grid_code, unit, child_level).label("key")
    is_open = or_(c.closed_at.is_(None), c.closed_at >= w.end)
    stmt = (
        select(key, func.count().label("open_cases"), count_if(c.due_at < w.end).label("overdue_cases"))
        .where(in_unit(c.grid_code, unit), c.received_at < w.end, is_open)
        .group_by(key)
    )
    frames.append(pd.DataFrame(tuples(bind, stmt), columns=["key", "open_cases", "overdue_cases"]).set_index("key"))

    a = alert.c
    key = child_key(a.grid_code, unit, child_level).label("key")
    stmt = (
        select(key, func.count().label("active_alerts"))
        .where(in_unit(a.grid_code, unit), a.raised_at < w.end, or_(a.resolved_at.is_(None), a.resolved_at >= w.end))
        .group_by(key)
    )
    frames.append(pd.DataFrame(tuples(bind, stmt), columns=["key", "active_alerts"]).set_index("key"))

    lg = points_ledger.c
    key = child_key(lg.grid_code, unit, child_level).label("key")
    stmt = (
        select(key, func.sum(lg.delta).label("points_earned"))
        .where(in_unit(lg.grid_code, unit), lg.entry_type == "earn", lg.at >= w.start, lg.at < w.end)
        .group_by(key)
    )
    frames.append(pd.DataFrame(tuples(bind, stmt), columns=["key", "points_earned"]).set_index("key"))

    out = pd.concat(frames[1:], axis=1).fillna(0)
    out.index = [codes.pad_code(k) for k in out.index]
    out = pd.concat([frames[0], out], axis=1, sort=True).fillna(0)
    return out[["population", "open_cases", "overdue_cases", "active_alerts", "points_earned"]].astype(float)


def fetch_daily(bind: Bind, unit: Unit, w: Window) -> pd.DataFrame:
    """Per day in the window: cases received and closed, alerts raised, points earned."""
    series = []
    c, a, lg = case_record.c, alert.c, points_ledger.c
    for name, col, grid_col, extra in [
        ("cases_received", c.received_at, c.grid_code, None),
        ("cases_closed", c.closed_at, c.grid_code, None),
        ("alerts_raised", a.raised_at, a.grid_code, None),
        ("points_earned", lg.at, lg.grid_code, lg.entry_type == "earn"),
    ]:
        day = func.date(col).label("day")
        value = func.sum(lg.delta) if name == "points_earned" else func.count()
        conds = [in_unit(grid_col, unit), col >= w.start, col < w.end]
        if extra is not None:
            conds.append(extra)
        stmt = select(day, value.label(name)).where(*conds).group_by(day)
        df = pd.DataFrame(tuples(bind, stmt), columns=["day", name])
        df["day"] = pd.to_datetime(df["day"])
        series.append(df.set_index("day")[name].astype(float))
    days = pd.date_range(pd.Timestamp(w.start).normalize(), pd.Timestamp(w.end - pd.Timedelta(seconds=1)).normalize(), freq="D")
    out = pd.concat(series, axis=1, sort=True).reindex(days).fillna(0)
    out.index.name = "day"
    return out.reset_index()

