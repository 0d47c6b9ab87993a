"""Cases (事件/诉求): open, overdue, closed and rated counts, and where cases were resolved."""

from __future__ import annotations

from typing import cast

import pandas as pd
from sqlalchemy import ColumnElement, Select, Table, and_, case, func, literal_column, or_, select, union_all

from cockpit.core import codes
from cockpit.core.model import CaseStats, Unit, Window
from cockpit.queries.base import Bind, child_key, count_if, counts, in_unit, rows, tuples
from cockpit.queries.rollup import day_table, days_of, in_unit_area
from cockpit.store.rollup.aggregates import cohort_columns, workload_frame, workload_parts
from cockpit.store.rollup.tables import COHORT_COLUMNS, WORKLOAD_COLUMNS, rollup_case_cohort, rollup_case_workload
from cockpit.store.schema import case_category, case_event, case_record


def fetch_case_stats(bind: Bind, unit: Unit, w: Window) -> CaseStats:
    c = case_record.c
    in_period = and_(c.received_at >= w.start, c.received_at < w.end)
    is_open = and_(c.received_at < w.end, or_(c.closed_at.is_(None), c.closed_at >= w.end))
    closed_in = and_(c.closed_at >= w.start, c.closed_at < w.end)
    resolved_in = and_(c.resolved_at >= w.start, c.resolved_at < w.end)
    visited_in = and_(c.visited_at >= w.start, c.visited_at < w.end, c.satisfaction.is_not(None))
    stmt = select(
        count_if(is_open).label("open"),
        count_if(and_(is_open, c.due_at < w.end)).label("overdue"),
        count_if(in_period).label("received"),
        count_if(closed_in).label("closed"),
        count_if(resolved_in).label("resolved"),
        count_if(and_(resolved_in, c.resolved_at <= c.due_at)).label("resolved_on_time"),
        count_if(and_(resolved_in, c.resolved_tier.in_(("grid", "community")))).label("resolved_low_tier"),
        count_if(visited_in).label("rated"),
        count_if(and_(visited_in, c.satisfaction >= 4)).label("satisfied"),
    ).where(in_unit(c.grid_code, unit), c.received_at < w.end)
    # The labels above are CaseStats' keys.
    return cast(CaseStats, counts(bind, stmt))


def fetch_tier_breakdown(bind: Bind, unit: Unit, w: Window) -> pd.DataFrame:
    """Cases resolved in the window by the tier that resolved them."""
    c = case_record.c
    stmt = (
        select(c.resolved_tier, func.count())
        .where(in_unit(c.grid_code, unit), c.resolved_at >= w.start, c.resolved_at < w.end)
        .group_by(c.resolved_tier)
    )
    return pd.DataFrame(tuples(bind, stmt), columns=["tier", "cases"])



# ---------------------------------------------------------------- the cases page (issue #8)
#
# Every question takes the same filter: `categories` (the category codes of one 大类, or None
# for all) and `source` (one channel, or None). The page's cohort is the cases *received* in
# the window; its workload is the cases open at some time in the window (still open, or closed
# in it), which the (closed_at, grid_code) index reaches without walking the whole history.

CASE_LIST_LIMIT = 200
STAGE_SAMPLE = 1000  # cases whose stage times give the medians: the latest received in the window


def _filters(categories: tuple[str, ...] | None, source: str | None) -> list[ColumnElement[bool]]:
    c = case_record.c
    out = []
    if categories:
        out.append(c.category_code.in_(categories))
    if source:
        out.append(c.source == source)
    return out


def _in_unit_by_time(unit: Unit) -> ColumnElement[bool]:
    """The unit's subtree, for statements that should walk a time index rather than the code range.

    A city or district spans most rows: a prefix expression, which no index serves, leaves the
    planner the time index (SQLite cannot tell the two ranges apart without STAT4; with the
    code range it walks all of 嘉兴's 1 M cases, 4 s, instead of one month of closures, 70 ms).
    """
    lo, _hi = unit.grid_range
    if unit.level in ("city", "district"):
        return func.substr(case_record.c.grid_code, 1, literal_column(str(len(lo)))) == lo
    return in_unit(case_record.c.grid_code, unit)


def _keys(unit: Unit, child_level: str | None) -> list[ColumnElement]:
    c = case_record.c
    keys = [c.source.label("source"), c.category_code.label("category")]
    if child_level is not None:
        keys.append(child_key(c.grid_code, unit, child_level).label("child"))
    return keys


def _frame(found: list, columns: list[str], counted: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(found, columns=columns)
    frame[list(counted)] = frame[list(counted)].astype("int64")
    if "child" in frame:
        frame["child"] = frame["child"].map(codes.pad_code)
    return frame


def fetch_case_cohort(bind: Bind, unit: Unit, w: Window, child_level: str | None = None,
                      categories: tuple[str, ...] | None = None, source: str | None = None) -> pd.DataFrame:
    """The cases received in the window, one row per (source, category code[, child]) with its stage,
    deadline, tier and follow-up counts (COHORT_COLUMNS): one scan answers every breakdown."""
    c = case_record.c
    keys = _keys(unit, child_level)
    stmt = (
        select(*keys, *cohort_columns(w))
        .where(in_unit(c.grid_code, unit), c.received_at >= w.start, c.received_at < w.end, *_filters(categories, source))
        .group_by(*keys)
        .order_by(*keys)
    )
    return _frame(rows(bind, stmt), [k.name for k in keys] + list(COHORT_COLUMNS), COHORT_COLUMNS)


def fetch_case_workload(bind: Bind, unit: Unit, w: Window, child_level: str | None = None,
                        categories: tuple[str, ...] | None = None, source: str | None = None) -> pd.DataFrame:
    """Per (source, category code[, child]): cases closed in the window, open and overdue at its end."""
    keys = _keys(unit, child_level)
    both = workload_frame(bind, w, keys, _in_unit_by_time(unit), *_filters(categories, source))
    return _frame(both.values.tolist(), [k.name for k in keys] + list(WORKLOAD_COLUMNS), WORKLOAD_COLUMNS)


# The same two answers from the per-window rollups (rollup_case_cohort / rollup_case_workload): a city or a
# district, split at most into streets, in one of the app's standard windows; None tells the caller to read
# the facts.

def _rolled_case_read(bind: Bind, table: Table, values: tuple[str, ...], unit: Unit, w: Window,
                      child_level: str | None, categories: tuple[str, ...] | None, source: str | None) -> pd.DataFrame | None:
    if unit.level not in ("city", "district") or child_level not in (None, "district", "street"):
        return None
    r = table.c
    window = and_(r.window_start == w.start, r.window_end == w.end)
    if not rows(bind, select(r.window_start).where(window).limit(1)):
        return None  # not a pre-computed window
    lo, _hi = unit.grid_range
    keys = [r.source.label("source"), r.category_code.label("category")]
    if child_level is not None:
        n = codes.prefix_len(unit.code, child_level)
        keys.append(func.substr(r.street_code, 1, literal_column(str(int(n)))).label("child"))
    where = [window, func.substr(r.street_code, 1, literal_column(str(len(lo)))) == lo]
    if categories:
        where.append(r.category_code.in_(categories))
    if source:
        where.append(r.source == source)
    stmt = (select(*keys, *[func.sum(getattr(r, name)).label(name) for name in values])
            .where(*where).group_by(*keys).order_by(*keys))
    return _frame(rows(bind, stmt), [k.name for k in keys] + list(values), values)


def fetch_rolled_case_cohort(bind: Bind, unit: Unit, w: Window, child_level: str | None = None,
                             categories: tuple[str, ...] | None = None, source: str | None = None) -> pd.DataFrame | None:
    """fetch_case_cohort from rollup_case_cohort (None where the rollup cannot answer)."""
    return _rolled_case_read(bind, rollup_case_cohort, COHORT_COLUMNS, unit, w, child_level, categories, source)


def fetch_rolled_case_workload(bind: Bind, unit: Unit, w: Window, child_level: str | None = None,
                               categories: tuple[str, ...] | None = None, source: str | None = None) -> pd.DataFrame | None:
    """fetch_case_workload from rollup_case_workload (None where the rollup cannot answer)."""
    return _rolled_case_read(bind, rollup_case_workload, WORKLOAD_COLUMNS, unit, w, child_level, categories, source)


def fetch_case_overdue_days(bind: Bind, unit: Unit, w: Window, categories: tuple[str, ...] | None = None,
                            source: str | None = None) -> pd.DataFrame:
    """Per day: workload cases falling due that day ("due"), and due-and-closed ones leaving the overdue count ("left").

    Overdue at the end of day D = due by D − (closed and due) by D, over the workload (a case overdue
    at any time in the window is open then, so it is in the workload). The later of due_at and
    closed_at is a portable CASE; rows are (due day, leaving day) pairs, a few per day of data.
    """
    c = case_record.c
    later = case((c.closed_at.is_(None), None), (c.due_at > c.closed_at, c.due_at), else_=c.closed_at)
    due_day, left_day = func.date(c.due_at).label("due_day"), func.date(later).label("left_day")
    pairs = []
    for _part, cond in workload_parts(w):
        stmt = (select(due_day, left_day, func.count()).where(_in_unit_by_time(unit), cond, *_filters(categories, source))
                .group_by(due_day, left_day))
        pairs.append(pd.DataFrame(tuples(bind, stmt), columns=["due_day", "left_day", "n"]))
    found = pd.concat(pairs)
    found["n"] = found["n"].astype("int64")
    due = found.groupby(pd.to_datetime(found["due_day"]))["n"].sum().rename("due")
    leaving = found[found["left_day"].notna()]
    left = leaving.groupby(pd.to_datetime(leaving["left_day"]))["n"].sum().rename("left")
    both = pd.concat([due, left], axis=1, sort=True).fillna(0).astype("int64")
    both.index.name = "day"
    return both.reset_index()


def fetch_case_overdue_rollup(bind: Bind, unit: Unit, w: Window) -> pd.DataFrame:
    """Cases overdue at the end of every day of the window, from the daily rollup (unfiltered, a unit above the grid)."""
    table = day_table(unit)
    r = table.c
    stmt = (
        select(r.day, func.coalesce(func.sum(r.overdue_eod), 0))
        .where(in_unit_area(unit, table), days_of(w, table))
        .group_by(r.day)
    )
    frame = pd.DataFrame(tuples(bind, stmt), columns=["day", "overdue"])
    frame["day"] = pd.to_datetime(frame["day"])
    days = pd.date_range(pd.Timestamp(w.start).normalize(), pd.Timestamp(w.end) - pd.Timedelta(days=1), freq="D")
    out = frame.set_index("day")["overdue"].astype("int64").reindex(days, fill_value=0)
    return pd.DataFrame({"day": days, "overdue": out.to_numpy()})


STAGE_COLUMNS = ("received_at", "registered_at", "dispatched_at", "resolved_at", "verified_at", "closed_at", "visited_at")


def fetch_case_stage_times(bind: Bind, unit: Unit, w: Window, categories: tuple[str, ...] | None = None,
                           source: str | None = None, limit: int = STAGE_SAMPLE) -> pd.DataFrame:
    """The stage timestamps of the latest `limit` cases received in the window (the medians' sample)."""
    c = case_record.c
    stmt = (
        select(c.id, *[getattr(c, col) for col in STAGE_COLUMNS])
        .where(in_unit(c.grid_code, unit), c.received_at >= w.start, c.received_at < w.end, *_filters(categories, source))
        .order_by(c.received_at.desc(), c.id.desc())
        .limit(limit)
    )
    frame = pd.DataFrame(tuples(bind, stmt), columns=["id", *STAGE_COLUMNS])
    for col in STAGE_COLUMNS:
        frame[col] = pd.to_datetime(frame[col])
    return frame


LIST_COLUMNS = ("id", "received_at", "grid_code", "source", "category_code", "status", "due_at", "closed_at",
                "resolved_tier", "description")


def _list_filters(status: str | None, categories: tuple[str, ...] | None, source: str | None) -> list[ColumnElement[bool]]:
    extra = _filters(categories, source)
    if status:
        extra.append(case_record.c.status == status)
    return extra


def fetch_case_list(bind: Bind, unit: Unit, w: Window, status: str | None = None,
                    categories: tuple[str, ...] | None = None, source: str | None = None,
                    limit: int = CASE_LIST_LIMIT) -> tuple[pd.DataFrame, int]:
    """The window's workload, overdue first (then the earliest due, then the latest id), top `limit`, and its total."""
    c = case_record.c
    extra = [_in_unit_by_time(unit), *_list_filters(status, categories, source)]
    overdue = case((and_(or_(c.closed_at.is_(None), c.closed_at >= w.end), c.due_at < w.end), 1), else_=0)
    parts = [(part, select(*[getattr(c, col) for col in LIST_COLUMNS], overdue.label("overdue")).where(cond, *extra))
             for part, cond in workload_parts(w)]

    def top(chosen: list[Select]) -> list:
        order = (literal_column("overdue").desc(), literal_column("due_at"), literal_column("id").desc())
        return rows(bind, union_all(*chosen).order_by(*order).limit(limit))

    # Overdue cases lead the order and are all open at the end: when the open parts alone fill the list with
    # overdue cases, that is the answer, and the cases closed in the window (most of a year's) are never sorted.
    found = top([stmt for part, stmt in parts if part == "open"])
    if sum(int(r[-1]) for r in found) < limit:
        found = top([stmt for _part, stmt in parts])
    frame = pd.DataFrame(found, columns=[*LIST_COLUMNS, "overdue"])
    for col in ("received_at", "due_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col])
    frame["overdue"] = frame["overdue"].astype(bool)
    total = sum(int(rows(bind, select(func.count()).where(cond, *extra))[0][0]) for _part, cond in workload_parts(w))
    return frame, total


def fetch_case_events(bind: Bind, case_id: int) -> pd.DataFrame:
    """One case's history (case_event), in step order."""
    e = case_event.c
    stmt = select(e.seq, e.at, e.action, e.tier, e.note).where(e.case_id == int(case_id)).order_by(e.seq)
    frame = pd.DataFrame(tuples(bind, stmt), columns=["seq", "at", "action", "tier", "note"])
    frame["at"] = pd.to_datetime(frame["at"])
    return frame


def fetch_case_categories(bind: Bind) -> pd.DataFrame:
    """The category tree (a small dimension): code, names, parent and deadlines."""
    k = case_category.c
    cols = ["code", "name", "name_en", "parent_code", "kind", "review_hours", "response_hours", "resolve_hours"]
    stmt = select(*[getattr(k, col) for col in cols]).order_by(k.code)
    return pd.DataFrame(tuples(bind, stmt), columns=cols)
