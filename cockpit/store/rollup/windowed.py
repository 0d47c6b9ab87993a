"""The rollups kept per standard window: figures that depend on the window's end or do not add up over days."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import func, literal_column, select

from cockpit.core.model import Window
from cockpit.store.rollup.aggregates import alert_window_select, cohort_columns, response_select, workload_frame
from cockpit.store.rollup.daily import community_of
from cockpit.store.rollup.tables import (
    ALERT_BASELINE_DAYS,
    ALERT_WINDOW_COLUMNS,
    CASE_WINDOW_KEYS,
    COHORT_COLUMNS,
    GRID_WINDOW_COLUMNS,
    WORKLOAD_COLUMNS,
    standard_windows,
)
from cockpit.store.schema import alert, case_record, points_ledger
from cockpit.store.sql import Bind, count_if, tuples


def compute_alert_window_frame(bind: Bind, windows: list[Window]) -> pd.DataFrame:
    """rollup_alert_window: per standard window, district, type and severity, the alerts' counts."""
    a = alert.c
    district = func.substr(a.grid_code, 1, literal_column("6")).label("district")
    frames = []
    for w in windows:
        f = pd.DataFrame(tuples(bind, alert_window_select(w, [district, a.type, a.severity])),
                         columns=["district_code", "type", "severity", *ALERT_WINDOW_COLUMNS])
        frames.append(f.assign(window_start=w.start, window_end=w.end))
    out = pd.concat(frames, ignore_index=True)
    out["district_code"] = out["district_code"].str.ljust(12, "0")
    out = out.astype({"severity": "int64", **dict.fromkeys(ALERT_WINDOW_COLUMNS, "int64")})
    return out[["window_start", "window_end", "district_code", "type", "severity", *ALERT_WINDOW_COLUMNS]]


def compute_response_frame(bind: Bind, windows: list[Window]) -> pd.DataFrame:
    """rollup_alert_response: per standard window, district, severity, stage and minutes, the alerts."""
    district = func.substr(alert.c.grid_code, 1, literal_column("6")).label("district")
    frames = []
    for w in windows:
        f = pd.DataFrame(tuples(bind, response_select(w, [district])),
                         columns=["district_code", "stage", "severity", "minutes", "alerts"])
        frames.append(f.assign(window_start=w.start, window_end=w.end))
    out = pd.concat(frames, ignore_index=True)
    out["district_code"] = out["district_code"].str.ljust(12, "0")
    out = out.astype({"severity": "int64", "minutes": "int64", "alerts": "int64"})
    return out[["window_start", "window_end", "district_code", "severity", "stage", "minutes", "alerts"]]



def compute_grid_window_frame(bind: Bind, windows: list[Window]) -> pd.DataFrame:
    """rollup_grid_window: per grid and window, points earned, cases closed (and closed by the grid), alerts
    raised (and raised in the baseline weeks before)."""
    lg, c, a = points_ledger.c, case_record.c, alert.c
    frames = []
    for w in windows:
        before = w.start - timedelta(days=ALERT_BASELINE_DAYS)
        raised = select(a.grid_code, count_if(a.raised_at >= w.start), count_if(a.raised_at < w.start)).where(
            a.raised_at >= before, a.raised_at < w.end).group_by(a.grid_code)
        points = select(lg.grid_code, func.sum(lg.delta)).where(
            lg.entry_type == "earn", lg.at >= w.start, lg.at < w.end).group_by(lg.grid_code)
        closed = select(c.grid_code, func.count(), count_if(c.resolved_tier == "grid")).where(
            c.closed_at >= w.start, c.closed_at < w.end).group_by(c.grid_code)
        p = pd.DataFrame(tuples(bind, points), columns=["grid_code", "points_earned"]).set_index("grid_code")
        k = pd.DataFrame(tuples(bind, closed), columns=["grid_code", "closed", "closed_grid"]).set_index("grid_code")
        r = pd.DataFrame(tuples(bind, raised), columns=["grid_code", "alerts", "alerts_before"]).set_index("grid_code")
        both = pd.concat([p, k, r], axis=1).fillna(0).astype("int64").reset_index(names="grid_code")
        frames.append(both.assign(window_start=w.start, window_end=w.end))
    out = pd.concat(frames, ignore_index=True)
    return out[["window_start", "window_end", "grid_code", *GRID_WINDOW_COLUMNS]]



def compute_case_window_frames(bind: Bind, windows: list[Window]) -> dict[str, pd.DataFrame]:
    """rollup_case_cohort and rollup_case_workload: the cases page's two reads per street, for each window."""
    c = case_record.c
    keys = [func.substr(c.grid_code, 1, literal_column("9")).label("street_code"), c.source.label("source"),
            c.category_code.label("category_code")]
    cohorts, workloads = [], []
    for w in windows:
        stmt = (select(*keys, *cohort_columns(w)).where(c.received_at >= w.start, c.received_at < w.end)
                .group_by(*keys))
        cohort = pd.DataFrame(tuples(bind, stmt), columns=[k.name for k in keys] + list(COHORT_COLUMNS))
        cohorts.append(cohort.assign(window_start=w.start, window_end=w.end))
        workloads.append(workload_frame(bind, w, keys).assign(window_start=w.start, window_end=w.end))
    out = {}
    for name, frames, values in (("rollup_case_cohort", cohorts, COHORT_COLUMNS),
                                 ("rollup_case_workload", workloads, WORKLOAD_COLUMNS)):
        frame = pd.concat(frames, ignore_index=True)
        frame["street_code"] = frame["street_code"].str.ljust(12, "0")
        frame[list(values)] = frame[list(values)].astype("int64")
        out[name] = frame[[*CASE_WINDOW_KEYS, *values]]
    return out



def compute_participant_frame(bind: Bind, end: datetime) -> pd.DataFrame:
    lg = points_ledger.c
    comm = community_of(lg.grid_code).label("c")
    frames = []
    for w in standard_windows(end):
        stmt = (
            select(comm, func.count(func.distinct(lg.participant_ref)))
            .where(lg.at >= w.start, lg.at < w.end)
            .group_by(comm)
        )
        f = pd.DataFrame(tuples(bind, stmt), columns=["community_code", "participants"])
        f["window_start"], f["window_end"] = w.start, w.end
        frames.append(f)
    return pd.concat(frames, ignore_index=True)[["community_code", "window_start", "window_end", "participants"]]

