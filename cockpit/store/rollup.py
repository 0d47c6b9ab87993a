"""Pre-computed rollups: daily per-community aggregates that answer every view above the grid.

`python -m cockpit rollup --db URL` (and `demo`) refresh them; the app never writes them.
They live in their own tables, outside the data contract, so a city's database passes
`check` with or without them. A rollup is used only when it was built for the data's
current end and in the current format (meta key ``rollup_through``, `rollup_marker`); otherwise
the app answers from the facts.

End-of-day snapshots (open and overdue cases, active alerts) are cumulative differences:
open at midnight after day D = cases received up to D - cases closed up to D. Overdue at
T = cases due before T - cases both due and closed before T (due_at is never before
received_at). Distinct participants do not add up over days, so they are stored per
window for the standard periods.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    extract,
    func,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from cockpit.core.model import PERIOD_DAYS, SEVERITIES, TIERS, Window, compute_windows
from cockpit.store.loader import BATCH, bulk_insert, frame_rows
from cockpit.store.schema import activity, alert, case_record, meta, points_ledger
from cockpit.store.sql import Bind, count_if, rows, tuples

rollup_metadata = MetaData()

DAY_COLUMNS = (
    "cases_received", "cases_closed", "cases_resolved", "resolved_on_time",
    "resolved_grid", "resolved_community", "resolved_street", "resolved_district", "resolved_city",
    "cases_rated", "cases_satisfied", "open_eod", "overdue_eod",
    "alerts_raised", "alerts_ack_on_time", "active_s1_eod", "active_s2_eod", "active_s3_eod", "active_s4_eod",
    "points_earned", "points_redeemed",
)

rollup_day = Table(
    "rollup_day",
    rollup_metadata,
    Column("community_code", String(12), primary_key=True),
    Column("day", Date, primary_key=True),
    *[Column(name, Integer, nullable=False) for name in DAY_COLUMNS],
)

rollup_participants = Table(
    "rollup_participants",
    rollup_metadata,
    Column("community_code", String(12), primary_key=True),
    Column("window_start", DateTime, primary_key=True),
    Column("window_end", DateTime, primary_key=True),
    Column("participants", Integer, nullable=False),
)

# Views filter a day range first: (day, community) keeps a city's 30 days to ~30 x communities rows.
Index("ix_rollup_day_day", rollup_day.c.day, rollup_day.c.community_code)

# The same rows summed per street (every column adds up over communities, snapshots included): a city or
# district view reads ~17x fewer rows (嘉兴 city, 365 days: 26,000 instead of 438,000).
rollup_street_day = Table(
    "rollup_street_day",
    rollup_metadata,
    Column("street_code", String(12), primary_key=True),
    Column("day", Date, primary_key=True),
    *[Column(name, Integer, nullable=False) for name in DAY_COLUMNS],
)
Index("ix_rollup_street_day_day", rollup_street_day.c.day, rollup_street_day.c.street_code)

# The cases page's two grouped reads (its cohort and its workload), answered per street for each of the
# app's standard windows (`standard_windows`): their deadline counts depend on the window's end, so they are
# stored per window, not per day. Rows per (window, street, source, category code); 嘉兴: ~6,000 a window.
CASE_WINDOW_KEYS = ("window_start", "window_end", "street_code", "source", "category_code")


def _case_keys() -> list[Column]:
    types = (DateTime, DateTime, String(12), String(16), String(16))
    return [Column(name, kind, primary_key=True) for name, kind in zip(CASE_WINDOW_KEYS, types)]


COHORT_COLUMNS = (
    "received", "registered", "dispatched", "resolved", "verified", "closed", "visited",
    "review_on_time", "review_late", "response_on_time", "response_late", "resolve_on_time", "resolve_late",
    *(f"tier_{tier}" for tier in TIERS), "rated", "satisfied", "reopened", "returned",
)
WORKLOAD_COLUMNS = ("closed_in", "open", "overdue")

rollup_case_cohort = Table(
    "rollup_case_cohort", rollup_metadata, *_case_keys(),
    *[Column(name, Integer, nullable=False) for name in COHORT_COLUMNS],
)
rollup_case_workload = Table(
    "rollup_case_workload", rollup_metadata, *_case_keys(),
    *[Column(name, Integer, nullable=False) for name in WORKLOAD_COLUMNS],
)

# The grids page's per-grid window figures that need a scan of the period (points earned, cases closed and
# of those solved in the grid), per grid for each standard window: a city's ranking by them sorts ~92,600
# stored rows instead of aggregating a year of the ledger (嘉兴 365 days: 3.5 s of CPU).
# The alerts page's per-grid counts too: alerts raised in the period and in the ALERT_BASELINE_DAYS before it.
ALERT_BASELINE_DAYS = 84
GRID_WINDOW_COLUMNS = ("points_earned", "closed", "closed_grid", "alerts", "alerts_before")
rollup_grid_window = Table(
    "rollup_grid_window",
    rollup_metadata,
    Column("window_start", DateTime, primary_key=True),
    Column("window_end", DateTime, primary_key=True),
    Column("grid_code", String(15), primary_key=True),
    *[Column(name, Integer, nullable=False) for name in GRID_WINDOW_COLUMNS],
)

# The alerts page's response times at a city or district: alerts raised in each standard window per
# district, severity, stage (ack, resolve) and whole minutes taken. Quantiles need the distribution,
# not a sum, so minutes are a key (嘉兴: some 15,000 rows for 30 days, 45,000 for a year).
rollup_alert_response = Table(
    "rollup_alert_response",
    rollup_metadata,
    Column("window_start", DateTime, primary_key=True),
    Column("window_end", DateTime, primary_key=True),
    Column("district_code", String(12), primary_key=True),
    Column("severity", Integer, primary_key=True),
    Column("stage", String(8), primary_key=True),
    Column("minutes", Integer, primary_key=True),
    Column("alerts", Integer, nullable=False),
)

# The alerts page's per-severity and per-type counts at a city or district: alerts raised in each
# standard window per district, type and severity (every filter of the page is a key).
ALERT_WINDOW_COLUMNS = ("raised", "acknowledged", "ack_on_time", "resolved", "to_case", "case_closed")
rollup_alert_window = Table(
    "rollup_alert_window",
    rollup_metadata,
    Column("window_start", DateTime, primary_key=True),
    Column("window_end", DateTime, primary_key=True),
    Column("district_code", String(12), primary_key=True),
    Column("type", String(32), primary_key=True),
    Column("severity", Integer, primary_key=True),
    *[Column(name, Integer, nullable=False) for name in ALERT_WINDOW_COLUMNS],
)

# Points per district and day by entry type and (for earned points) the kind of activity that earned them
# (`other` without one; `-` for redemptions): the participation page's series for a city or district.
rollup_points_day = Table(
    "rollup_points_day",
    rollup_metadata,
    Column("district_code", String(12), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("entry_type", String(8), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("points", Integer, nullable=False),
)
Index("ix_rollup_points_day_day", rollup_points_day.c.day, rollup_points_day.c.district_code)

for _table in rollup_metadata.tables.values():
    _table.dialect_kwargs["mysql_charset"] = "utf8mb4"

ROLLUP_KEY = "rollup_through"
# Raised whenever a rollup table or column is added or changed: rollups built by an older release then
# count as stale (the app reads the facts) until `python -m cockpit rollup` rebuilds them.
ROLLUP_FORMAT = 4


def rollup_marker(end: datetime) -> str:
    """The meta value of ROLLUP_KEY for rollups built for data ending at `end` in this format."""
    return f"{end.isoformat(sep=' ')};format={ROLLUP_FORMAT}"
_FAR_FUTURE = datetime(9999, 1, 1)


# ---------------------------------------------------------------- the cases page's aggregates
# Shared by the fact queries (cockpit.queries.cases) and the per-window rollups built from them, so
# the two cannot drift apart.

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
# Shared by cockpit.queries.alerts and rollup_alert_response, as the cases' aggregates are.

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


@compiles(_Minutes)
def _minutes_default(element: _Minutes, compiler: SQLCompiler, **kw: object) -> str:
    (col,) = element.clauses.clauses
    return compiler.process(_minutes_portable(col), **kw)


@compiles(_Minutes, "sqlite")
def _minutes_sqlite(element: _Minutes, compiler: SQLCompiler, **kw: object) -> str:
    (col,) = element.clauses.clauses
    return compiler.process(cast(func.strftime("%s", col), Integer) // 60, **kw)


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


# ---------------------------------------------------------------- building

# A fact table's daily counts per community, as rows (c: community code, d: day, v: value), by name.
Parts = dict[str, pd.DataFrame]


def _community(column: ColumnElement[str]) -> ColumnElement[str]:
    return func.substr(column, 1, literal_column("12"))


def _daily(bind: Bind, table: Table, time_col: ColumnElement[Any], values: dict[str, ColumnElement[Any]],
           *where: ColumnElement[bool], by: ColumnElement[Any] | None = None) -> Parts:
    """One grouped scan of a fact table: (community, day[, by]) -> each named value.

    With `by` (a column with a few values, e.g. severity) each value is split per `by` value,
    named ``<name>@<by value>``; one scan replaces one query per value.
    """
    comm = _community(table.c.grid_code).label("c")
    day = func.date(time_col).label("d")
    keys = [comm, day] + ([by.label("b")] if by is not None else [])
    stmt = select(*keys, *[v.label(k) for k, v in values.items()]).where(time_col.is_not(None), *where).group_by(*keys)
    frame = pd.DataFrame(tuples(bind, stmt), columns=["c", "d", *(["b"] if by is not None else []), *values])
    frame["d"] = pd.to_datetime(frame["d"]).dt.date
    out = {}
    for name in values:
        if by is None:
            out[name] = frame[["c", "d", name]].rename(columns={name: "v"})
        else:
            for b, part in frame.groupby("b", dropna=False):
                out[f"{name}@{b}"] = part[["c", "d", name]].rename(columns={name: "v"})
    return out


def _data_end(bind: Bind) -> datetime | None:
    value = rows(bind, select(func.max(case_record.c.received_at)))[0][0]
    return pd.Timestamp(value).to_pydatetime() if value is not None else None


Frames = dict[str, pd.DataFrame]  # the rows of each rollup table, by table name


def compute_rollup_frames(bind: Bind) -> tuple[Frames, datetime | None]:
    """The rows of every rollup table for the database behind `bind`, and the data end they answer for."""
    end = _data_end(bind)
    if end is None:
        return {}, None
    parts = _named_columns(_scan_facts(bind))
    days = _day_frame(parts, _day_index(parts, end))
    windows = standard_windows(end)
    return {"rollup_day": days, "rollup_street_day": street_frame(days),
            "rollup_participants": compute_participant_frame(bind, end),
            **compute_case_window_frames(bind, windows), "rollup_grid_window": compute_grid_window_frame(bind, windows),
            "rollup_alert_response": compute_response_frame(bind, windows),
            "rollup_alert_window": compute_alert_window_frame(bind, windows),
            "rollup_points_day": compute_points_day_frame(bind)}, end


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


def compute_points_day_frame(bind: Bind) -> pd.DataFrame:
    """rollup_points_day: one grouped scan of the ledger (earned points joined to their activity's kind)."""
    lg, act = points_ledger.c, activity.c
    district = func.substr(lg.grid_code, 1, literal_column("6")).label("d")
    day = func.date(lg.at).label("day")
    kind = case((lg.entry_type == "earn", func.coalesce(act.kind, "other")), else_="-").label("kind")
    stmt = (select(district, day, lg.entry_type, kind, func.sum(lg.delta))
            .select_from(points_ledger.outerjoin(activity, act.id == lg.activity_id))
            .where(lg.entry_type.in_(("earn", "redeem"))).group_by(district, day, lg.entry_type, kind))
    frame = pd.DataFrame(tuples(bind, stmt), columns=["district_code", "day", "entry_type", "kind", "points"])
    frame["district_code"] = frame["district_code"].str.ljust(12, "0")
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame["points"] = frame["points"].astype("int64")
    return frame


def compute_case_window_frames(bind: Bind, windows: list[Window]) -> Frames:
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


def street_frame(days: pd.DataFrame) -> pd.DataFrame:
    """rollup_day summed per street: its code is the community code's first 9 digits, zero-padded."""
    street = days["community_code"].str[:9].str.ljust(12, "0").rename("street_code")
    out = days[list(DAY_COLUMNS)].groupby([street, days["day"]], sort=True).sum().reset_index()
    return out[["street_code", "day", *DAY_COLUMNS]]


def _scan_facts(bind: Bind) -> Parts:
    """Every fact timestamp the rollup counts, one grouped scan each, split by tier, severity or entry type."""
    c, a, lg = case_record.c, alert.c, points_ledger.c
    one = func.count()
    parts: Parts = {}
    parts |= _daily(bind, case_record, c.received_at, {"cases_received": one})
    parts |= _daily(bind, case_record, c.closed_at, {"cases_closed": one})
    parts |= _daily(bind, case_record, c.resolved_at, {"resolved": one, "on_time": count_if(c.resolved_at <= c.due_at)},
                    by=c.resolved_tier)
    parts |= _daily(bind, case_record, c.visited_at, {"cases_rated": one, "cases_satisfied": count_if(c.satisfaction >= 4)},
                    c.satisfaction.is_not(None))
    parts |= _daily(bind, case_record, c.due_at, {"_due": one})
    # Overdue ends when the case closes, but never before it was due: counted on the later of the two days.
    parts |= _daily(bind, case_record, case((c.closed_at > c.due_at, c.closed_at), else_=c.due_at), {"_due_closed": one},
                    c.closed_at.is_not(None))
    parts |= _daily(bind, alert, a.raised_at, {"_raised": one, "_ack": count_if(a.acknowledged_at <= a.ack_due_at)},
                    by=a.severity)
    parts |= _daily(bind, alert, a.resolved_at, {"_resolved": one}, by=a.severity)
    parts |= _daily(bind, points_ledger, lg.at, {"_points": func.sum(lg.delta)}, by=lg.entry_type)
    return parts


def _stacked(parts: Parts, names: list[str], sign: int = 1) -> pd.DataFrame:
    """The rows of the named parts one under another (typed and empty when none exist), times `sign`."""
    found = [parts[n] for n in names if n in parts]
    if not found:
        return pd.DataFrame({"c": pd.Series(dtype=str), "d": pd.Series(dtype=object), "v": pd.Series(dtype="int64")})
    frame = pd.concat(found, ignore_index=True)
    return frame.assign(v=frame["v"].astype("int64") * sign)


def _named_columns(parts: Parts) -> Parts:
    """The per-value parts regrouped into the rollup's columns and the counts its snapshots are made of."""

    def every(name: str) -> pd.DataFrame:
        # Totals take every group, a NULL tier included, so they match the facts whatever a city fills in.
        return _stacked(parts, [k for k in parts if k.startswith(f"{name}@")])

    named = {k: v for k, v in parts.items() if "@" not in k}
    named["cases_resolved"] = every("resolved")
    named["resolved_on_time"] = every("on_time")
    for tier in TIERS:
        named[f"resolved_{tier}"] = _stacked(parts, [f"resolved@{tier}"])
    named["alerts_raised"] = every("_raised")
    named["alerts_ack_on_time"] = every("_ack")
    for severity in SEVERITIES:
        named[f"_raised_s{severity}"] = _stacked(parts, [f"_raised@{severity}"])
        named[f"_resolved_s{severity}"] = _stacked(parts, [f"_resolved@{severity}"])
    named["points_earned"] = _stacked(parts, ["_points@earn"])
    named["points_redeemed"] = _stacked(parts, ["_points@redeem"], sign=-1)
    return named


def _day_index(parts: Parts, end: datetime) -> pd.MultiIndex:
    """Every community seen in any fact, times every day from the first fact to the data end."""
    communities = sorted(set().union(*[set(p["c"]) for p in parts.values()]))
    first = min(p["d"].min() for p in parts.values() if len(p))
    days = pd.date_range(first, end.date(), freq="D").date
    return pd.MultiIndex.from_product([communities, days], names=["community_code", "day"])


def _dense(part: pd.DataFrame, index: pd.MultiIndex) -> pd.Series:
    """A part as one value per (community, day) of `index`: 0 where nothing happened, days past the end dropped."""
    values = part.set_index(["c", "d"])["v"].astype("int64")
    values.index.names = ["community_code", "day"]
    return values.groupby(level=[0, 1]).sum().reindex(index, fill_value=0)


def _running(daily: pd.Series) -> pd.Series:
    """Per community, the total up to and including each day."""
    return daily.groupby(level=0).cumsum()


def _day_frame(parts: Parts, index: pd.MultiIndex) -> pd.DataFrame:
    """The rollup_day rows: the daily counts, and the end-of-day snapshots as differences of running totals."""
    out = pd.DataFrame(index=index)
    for name in DAY_COLUMNS:
        if name in parts:
            out[name] = _dense(parts[name], index)
    out["open_eod"] = _running(out["cases_received"]) - _running(out["cases_closed"])
    out["overdue_eod"] = _running(_dense(parts["_due"], index)) - _running(_dense(parts["_due_closed"], index))
    for severity in SEVERITIES:
        raised = _dense(parts[f"_raised_s{severity}"], index)
        resolved = _dense(parts[f"_resolved_s{severity}"], index)
        out[f"active_s{severity}_eod"] = _running(raised) - _running(resolved)
    # Facts dated after the data end (due dates) must not shift the snapshot: _dense drops days past the end.
    return out[list(DAY_COLUMNS)].reset_index()


def standard_windows(end: datetime) -> list[Window]:
    """Every window the app asks for: each period, the one before it, the same one last year."""
    seen: dict[tuple, Window] = {}
    for days in PERIOD_DAYS:
        for w in compute_windows(end, days):
            seen[(w.start, w.end)] = w
    return list(seen.values())


def compute_participant_frame(bind: Bind, end: datetime) -> pd.DataFrame:
    lg = points_ledger.c
    comm = _community(lg.grid_code).label("c")
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


def refresh_rollups(engine: Engine) -> dict[str, int]:
    """Recompute the rollup tables so that readers see the old or the new, never half.

    SQLite and PostgreSQL: one transaction (their DDL is transactional). MySQL/MariaDB commit
    DDL at once, so there the new tables are built beside the live ones and swapped in by a
    single RENAME TABLE, which is atomic.
    """
    with engine.connect() as conn:
        frames, end = compute_rollup_frames(conn)
    names = list(rollup_metadata.tables)
    if engine.dialect.name in ("mysql", "mariadb"):
        _refresh_by_swap(engine, frames)
        with engine.begin() as conn:
            _mark(conn, end)
            conn.exec_driver_sql("ANALYZE TABLE " + ", ".join(names))
    else:
        with engine.begin() as conn:
            rollup_metadata.drop_all(conn, checkfirst=True)
            rollup_metadata.create_all(conn)
            _fill(conn, engine, dict(rollup_metadata.tables), frames)
            _mark(conn, end)
        with engine.begin() as conn:  # planner statistics for the new tables
            for name in names:
                conn.exec_driver_sql(f"ANALYZE {name}")
    return {name: len(frames.get(name, ())) for name in names}


def _fill(conn: Connection, engine: Engine, tables: dict[str, Table], frames: Frames) -> None:
    """Each frame into its table (keyed by the live table's name): the loader's bulk path (COPY on
    PostgreSQL, executemany elsewhere) on this transaction's own DBAPI cursor, for up to millions of rows."""
    cursor = conn.connection.cursor()
    sqlite = engine.dialect.name == "sqlite"
    for name, frame in frames.items():
        table = tables[name]
        columns = [c.name for c in table.columns if c.name in frame.columns]  # frame_rows' order
        for start in range(0, len(frame), BATCH):
            part = frame.iloc[start : start + BATCH]
            bulk_insert(cursor, table, columns, frame_rows(table, part, sqlite), engine.dialect)


def _mark(conn: Connection, end: datetime | None) -> None:
    conn.execute(meta.delete().where(meta.c.key == ROLLUP_KEY))
    if end is not None:
        conn.execute(meta.insert().values(key=ROLLUP_KEY, value=rollup_marker(end)))


def _refresh_by_swap(engine: Engine, frames: Frames) -> None:
    staging = MetaData()
    new = {t.name: t.to_metadata(staging, name=f"{t.name}_new") for t in rollup_metadata.tables.values()}
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        staging.drop_all(conn, checkfirst=True)
        staging.create_all(conn)
        _fill(conn, engine, new, frames)
    with engine.begin() as conn:
        live = [name for name in new if inspect(conn).has_table(name)]
        for name in live:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name + '_old')}")
        moves = [f"{quote(n)} TO {quote(n + '_old')}" for n in live] + [f"{quote(n + '_new')} TO {quote(n)}" for n in new]
        conn.exec_driver_sql("RENAME TABLE " + ", ".join(moves))
        for name in live:
            conn.exec_driver_sql(f"DROP TABLE {quote(name + '_old')}")
