"""The demo's cases and their event log: arrivals, the rounds of dispatch to visit, reopens, then the data's end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from cockpit.core.model import TIERS
from cockpit.store.schema import CASE_ACTIONS, CASE_STATUSES
from cockpit.tools.demo.facts.draws import (
    NAT,
    OFFICE_HOURS,
    calendar_factor,
    draw,
    draw_clock,
    duration,
    place,
    sample_times,
)
from cockpit.tools.demo.presets import (
    ALERT_CATEGORY,
    CASE_CATEGORIES,
    CASE_HOLIDAY_FACTORS,
    CASE_SOURCE_SHARES,
    CASE_SOURCES,
    CASE_TREND_PER_YEAR,
    CASE_WORKDAY_FACTOR,
    CLOSE_HOURS,
    DISPATCH_SHARE_OF_RESPONSE,
    HANDLING_HOURS,
    HARD_CASE_EXTRA_OF_RESOLVE,
    HARD_CASE_SHARE,
    HARD_CASE_SHARE_BY_CATEGORY,
    REDISPATCH_HOURS,
    REGISTER_DISPATCH_SIGMA,
    REGISTER_SHARE_OF_REVIEW,
    REOPEN_AFTER_CLOSE_HOURS,
    REOPEN_AFTER_VISIT_HOURS,
    REOPEN_IF_UNSATISFIED,
    REOPEN_SPOT_CHECK,
    RETURN_AFTER_HOURS,
    RETURN_SHARE,
    RETURN_TWICE_SHARE,
    REWORK_FACTOR,
    SATISFACTION_LATE,
    SATISFACTION_ON_TIME,
    TIER_SHARES,
    TIER_SHARES_COUNTY,
    TIER_SLOWDOWN,
    VERIFY_HOURS_RANGE,
    VERIFY_SHARE_OF_RESOLVE,
    VERIFY_SIGMA,
    VISIT_HOURS,
    VISIT_SHARE,
    Preset,
)
from cockpit.tools.demo.units import DemoUnits


@dataclass
class _Arrivals:
    """The cases as they come in, one row each (numpy arrays of equal length)."""

    grid: np.ndarray  # row in units.grids
    category: np.ndarray  # row in the leaf categories
    source: np.ndarray
    received: np.ndarray  # datetime64[s]
    alert_row: np.ndarray  # row in alerts for a sensor case, -1 otherwise
    tier: np.ndarray  # index into TIERS: the tier that finally solves it


@dataclass
class _Round:
    """One pass of the cases through dispatch, handling, verification, closing and the return visit.

    Every field is datetime64[s] on the full clock (the end of the data is applied later), NaT where
    a case does not take that step.
    """

    dispatches: list[np.ndarray]  # the first dispatch, then one after each return
    returns: list[np.ndarray]  # 退回, each before the next dispatch
    escalations: list[np.ndarray]  # handed to street, district, city
    resolved: np.ndarray
    verified: np.ndarray
    closed: np.ndarray
    visited: np.ndarray
    satisfaction: np.ndarray  # 1..5, read where visited


@dataclass
class _Lifecycle:
    registered: np.ndarray
    first: _Round
    reopened: np.ndarray  # NaT where the case is not reopened
    second: _Round  # the loop again after a reopen


TIER_NAMES = np.array(TIERS)
CATEGORY_COLUMNS = ["code", "name", "name_en", "parent_code", "kind", "share", "review_hours", "response_hours",
                    "resolve_hours", "open311_service_code", "open311_group"]


def _arrivals(rng: np.random.Generator, units: DemoUnits, preset: Preset, start: datetime,
              leaf: pd.DataFrame, alerts: pd.DataFrame) -> _Arrivals:
    """Reported cases, shaped by population, season, weekday and hour, plus one case per serious sensor alert."""
    grids = units.grids
    pop = grids["population"].to_numpy()
    urban = (grids["kind"] == "urban").to_numpy()
    n = int(preset.cases_per_year * preset.days / 365)
    w = pop * np.where(urban, 1.4, 1.0)
    gi = rng.choice(len(grids), size=n, p=w / w.sum())
    ci = rng.choice(len(leaf), size=n, p=leaf["share"] / leaf["share"].sum())
    src_p = np.array(CASE_SOURCE_SHARES) / sum(CASE_SOURCE_SHARES)
    source = rng.choice(np.array(CASE_SOURCES), size=n, p=src_p)
    # Each source on its own calendar (presets.CASE_HOLIDAY_FACTORS), all in one draw.
    calendars = np.array([calendar_factor(start, preset.days, *CASE_HOLIDAY_FACTORS.get(name, (1.0, 1.0)),
                                          trend_per_year=CASE_TREND_PER_YEAR) for name in CASE_SOURCES])
    group = pd.Series(np.arange(len(CASE_SOURCES)), index=list(CASE_SOURCES))[source].to_numpy()
    received = sample_times(rng, n, start, preset.days, OFFICE_HOURS, {7: 1.2, 8: 1.25, 2: 0.85},
                            weekday_factor=CASE_WORKDAY_FACTOR, day_factor=calendars, group=group)

    # Sensor cases: red/orange alerts of the kinds a person must visit.
    serious = alerts[(alerts["severity"] <= 2) & alerts["type"].isin(list(ALERT_CATEGORY)) & alerts["acknowledged_at"].notna()]
    grid_pos = pd.Series(np.arange(len(grids)), index=grids["code"])
    cat_pos = pd.Series(np.arange(len(leaf)), index=leaf["code"])
    gi = np.concatenate([gi, grid_pos[serious["grid_code"]].to_numpy()])
    has_district = bool((units.units["level"] == "district").any())
    tier_p = TIER_SHARES if has_district else TIER_SHARES_COUNTY
    return _Arrivals(
        grid=gi,
        category=np.concatenate([ci, cat_pos[serious["type"].map(ALERT_CATEGORY)].to_numpy()]),
        source=np.concatenate([source, np.full(len(serious), "sensor")]),
        received=np.concatenate([received, serious["acknowledged_at"].to_numpy().astype("datetime64[s]")]),
        alert_row=np.concatenate([np.full(n, -1), serious.index.to_numpy()]),
        tier=rng.choice(len(TIERS), size=len(gi), p=tier_p),
    )


def _intake(rng: np.random.Generator, arr: _Arrivals, leaf: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """受理 -> 立案 -> 派遣, each on a clock scaled to the category's review and response deadlines."""
    n = len(arr.received)
    review_h = leaf["review_hours"].to_numpy()[arr.category].astype(float)
    response_h = leaf["response_hours"].to_numpy()[arr.category].astype(float)
    registered = arr.received + duration(draw(rng, REGISTER_SHARE_OF_REVIEW * review_h, REGISTER_DISPATCH_SIGMA, n))
    dispatched = registered + duration(draw(rng, DISPATCH_SHARE_OF_RESPONSE * response_h, REGISTER_DISPATCH_SIGMA, n))
    return registered, dispatched


def _returns(rng: np.random.Generator, dispatched: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """退回 and dispatching again: all dispatches, all returns, and the dispatch the work starts from."""
    n = len(dispatched)
    times = np.where(rng.random(n) < RETURN_SHARE, np.where(rng.random(n) < RETURN_TWICE_SHARE, 2, 1), 0)
    dispatches, returns, current = [dispatched], [], dispatched
    for k in (1, 2):
        back = current + duration(draw_clock(rng, RETURN_AFTER_HOURS, n))
        again = back + duration(draw_clock(rng, REDISPATCH_HOURS, n))
        hit = times >= k
        returns.append(np.where(hit, back, NAT))
        dispatches.append(np.where(hit, again, NAT))
        current = np.where(hit, again, current)
    return dispatches, returns, current


def _work_hours(rng: np.random.Generator, arr: _Arrivals, leaf: pd.DataFrame, factor: float = 1.0) -> np.ndarray:
    """处置: the category's clock, slower the higher the tier that solves it; a few hard cases take weeks."""
    n = len(arr.received)
    clocks = [HANDLING_HOURS[code] for code in leaf["code"]]
    median = np.array([c.median for c in clocks])[arr.category]
    sigma = np.array([c.sigma for c in clocks])[arr.category]
    slowdown = np.array([TIER_SLOWDOWN[t] for t in TIERS])[arr.tier]
    hours = draw(rng, median, sigma, n) * slowdown * factor
    hard_share = np.array([HARD_CASE_SHARE_BY_CATEGORY.get(code, HARD_CASE_SHARE) for code in leaf["code"]])
    hard = rng.random(n) < hard_share[arr.category]
    resolve_h = leaf["resolve_hours"].to_numpy()[arr.category].astype(float)
    return hours + np.where(hard, resolve_h * draw_clock(rng, HARD_CASE_EXTRA_OF_RESOLVE, n), 0.0)


def _escalations(rng: np.random.Generator, arr: _Arrivals, start: np.ndarray, work_h: np.ndarray,
                 has_district: bool) -> list[np.ndarray]:
    """上报: one step per tier above the community, part-way through the work, in tier order."""
    n = len(start)
    out, share = [], np.zeros(n)
    for name in ("street", "district", "city"):
        share = share + rng.uniform(0.08, 0.25, n)
        step = (arr.tier >= TIERS.index(name)) & (has_district or name != "district")
        out.append(np.where(step, start + duration(work_h * share), NAT))
    return out


def _satisfaction(rng: np.random.Generator, late: np.ndarray) -> np.ndarray:
    n = len(late)
    on_time = rng.choice([1, 2, 3, 4, 5], n, p=SATISFACTION_ON_TIME)
    return np.where(late, rng.choice([1, 2, 3, 4, 5], n, p=SATISFACTION_LATE), on_time)


def _finish(rng: np.random.Generator, arr: _Arrivals, leaf: pd.DataFrame, resolved: np.ndarray,
            late: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """核查, 结案 and 回访 after the work: verified, closed, visited (NaT when no visit) and the rating."""
    n = len(resolved)
    resolve_h = leaf["resolve_hours"].to_numpy()[arr.category].astype(float)
    verify_median = np.clip(VERIFY_SHARE_OF_RESOLVE * resolve_h, *VERIFY_HOURS_RANGE)
    verified = resolved + duration(draw(rng, verify_median, VERIFY_SIGMA, n))
    closed = verified + duration(draw_clock(rng, CLOSE_HOURS, n))
    visit_p = pd.Series(arr.source).map(VISIT_SHARE).to_numpy()
    visited = np.where(rng.random(n) < visit_p, closed + duration(draw_clock(rng, VISIT_HOURS, n)), NAT)
    return verified, closed, visited, _satisfaction(rng, late)


def _first_round(rng: np.random.Generator, arr: _Arrivals, leaf: pd.DataFrame, dispatched: np.ndarray,
                 due: np.ndarray, has_district: bool) -> _Round:
    dispatches, returns, start = _returns(rng, dispatched)
    work_h = _work_hours(rng, arr, leaf)
    escalations = _escalations(rng, arr, start, work_h, has_district)
    resolved = start + duration(work_h)
    verified, closed, visited, sat = _finish(rng, arr, leaf, resolved, resolved > due)
    return _Round(dispatches, returns, escalations, resolved, verified, closed, visited, sat)


def _reopen(rng: np.random.Generator, first: _Round) -> np.ndarray:
    """重办: after an unsatisfied return visit, or when a spot check finds the work not done."""
    n = len(first.closed)
    unsatisfied = ~np.isnat(first.visited) & (first.satisfaction <= 2) & (rng.random(n) < REOPEN_IF_UNSATISFIED)
    spot = ~unsatisfied & (rng.random(n) < REOPEN_SPOT_CHECK)
    after_visit = first.visited + duration(draw_clock(rng, REOPEN_AFTER_VISIT_HOURS, n))
    after_close = first.closed + duration(draw_clock(rng, REOPEN_AFTER_CLOSE_HOURS, n))
    reopened = np.where(unsatisfied, after_visit, np.where(spot, after_close, NAT))
    # A case reopened before its return visit is not visited in the first round.
    first.visited = np.where(reopened < first.visited, NAT, first.visited)
    return reopened


def _second_round(rng: np.random.Generator, arr: _Arrivals, leaf: pd.DataFrame, reopened: np.ndarray) -> _Round:
    """The loop again after a reopen: dispatched, handled (knowing the case), verified, closed, visited."""
    n = len(reopened)
    dispatched = reopened + duration(draw_clock(rng, REDISPATCH_HOURS, n))
    resolved = dispatched + duration(_work_hours(rng, arr, leaf, REWORK_FACTOR))
    verified, closed, visited, sat = _finish(rng, arr, leaf, resolved, np.ones(n, bool))
    return _Round([dispatched], [], [], resolved, verified, closed, visited, sat)


def _lifecycle(rng: np.random.Generator, arr: _Arrivals, leaf: pd.DataFrame, due: np.ndarray, has_district: bool) -> _Lifecycle:
    registered, dispatched = _intake(rng, arr, leaf)
    first = _first_round(rng, arr, leaf, dispatched, due, has_district)
    reopened = _reopen(rng, first)
    return _Lifecycle(registered, first, reopened, _second_round(rng, arr, leaf, reopened))


def _case_record(arr: _Arrivals, leaf: pd.DataFrame, units: DemoUnits, alerts: pd.DataFrame, life: _Lifecycle,
                 end: datetime, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """The case_record rows as they stand at the data's end (in receipt order), and each case's id."""
    n = len(arr.received)
    end64 = np.datetime64(end, "s")
    again = life.reopened <= end64  # the record shows the latest round
    latest = {k: np.where(again, getattr(life.second, k), getattr(life.first, k))
              for k in ("resolved", "verified", "closed", "visited", "satisfaction")}
    stages = [arr.received, life.registered, life.first.dispatches[0], latest["resolved"], latest["verified"], latest["closed"]]
    reached = [np.ones(n, bool)]
    for stamp in stages[1:]:
        reached.append(reached[-1] & (stamp <= end64))
    stamps = [np.where(r, s, NAT) for s, r in zip(stages, reached)]
    visited = np.where(reached[-1] & (latest["visited"] <= end64), latest["visited"], NAT)
    satisfaction = pd.array(np.where(np.isnat(visited), 0, latest["satisfaction"]), dtype="Int64")
    satisfaction[np.isnat(visited)] = pd.NA

    def cat(column: str) -> np.ndarray:
        return leaf[column].to_numpy()[arr.category]

    order = np.argsort(arr.received, kind="stable")
    ids = np.empty(n, dtype=np.int64)
    ids[order] = np.arange(1, n + 1)
    lon, lat = place(rng, units, arr.grid)
    sensor = arr.alert_row >= 0
    lon[sensor] = alerts["lon"].to_numpy()[arr.alert_row[sensor]]
    lat[sensor] = alerts["lat"].to_numpy()[arr.alert_row[sensor]]
    grid_names = units.grids["name"].to_numpy()[arr.grid]
    cases = pd.DataFrame(
        {
            "id": ids,
            "external_id": np.char.add("ZJ", ids.astype(str)),
            "source": arr.source,
            "category_code": cat("code"),
            "grid_code": units.grids["code"].to_numpy()[arr.grid],
            "lon": lon,
            "lat": lat,
            "description": np.char.add(np.char.add(grid_names.astype(str), "："), cat("name").astype(str)),
            "status": np.array(CASE_STATUSES)[np.sum(reached, axis=0) - 1],
            "received_at": stamps[0],
            "registered_at": stamps[1],
            "dispatched_at": stamps[2],
            "resolved_at": stamps[3],
            "verified_at": stamps[4],
            "closed_at": stamps[5],
            "visited_at": visited,
            "review_due_at": arr.received + duration(cat("review_hours").astype(float)),
            "response_due_at": arr.received + duration(cat("response_hours").astype(float)),
            "due_at": arr.received + duration(cat("resolve_hours").astype(float)),
            "resolved_tier": np.where(reached[3], TIER_NAMES[arr.tier], None),
            "satisfaction": satisfaction,
            "reopen_count": again.astype(int),
            "return_count": sum((r <= end64).astype(int) for r in life.first.returns),
        }
    ).iloc[order].reset_index(drop=True)
    return cases, ids


def build_cases(
    units: DemoUnits, preset: Preset, seed: int, start: datetime, end: datetime, alerts: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Case categories, cases through their whole lifecycle, and the case event log.

    Serious sensor alerts open a case; `alerts.case_id` is filled in place.
    """
    rng = np.random.default_rng([seed, 4])
    cats = pd.DataFrame(CASE_CATEGORIES, columns=CATEGORY_COLUMNS)
    leaf = cats[cats["share"] > 0].reset_index(drop=True)
    arr = _arrivals(rng, units, preset, start, leaf, alerts)
    due = arr.received + duration(leaf["resolve_hours"].to_numpy()[arr.category].astype(float))
    has_district = bool((units.units["level"] == "district").any())
    life = _lifecycle(rng, arr, leaf, due, has_district)
    cases, ids = _case_record(arr, leaf, units, alerts, life, end, rng)
    sensor = arr.alert_row >= 0
    alerts.loc[arr.alert_row[sensor], "case_id"] = ids[sensor]
    events = _case_events(ids, arr, life, np.datetime64(end, "s"))
    return cats.drop(columns=["share"]), cases, events


def _case_events(ids: np.ndarray, arr: _Arrivals, life: _Lifecycle, end: np.datetime64) -> pd.DataFrame:
    """case_event: every step each case took by the data's end, numbered from 1 in time order."""
    n = len(ids)
    tier = arr.tier
    handler = np.where(tier == 0, TIERS.index("grid"), TIERS.index("community"))  # who a case is dispatched to
    community = TIERS.index("community")
    first, second = life.first, life.second
    parts = [
        (arr.received, "receive", TIERS.index("grid")),
        (life.registered, "register", community),
        (first.dispatches[0], "dispatch", handler),
        (first.returns[0], "return", handler),
        (first.dispatches[1], "dispatch", handler),
        (first.returns[1], "return", handler),
        (first.dispatches[2], "dispatch", handler),
        *[(stamp, "escalate", TIERS.index(name)) for stamp, name in zip(first.escalations, ("street", "district", "city"))],
        (first.resolved, "resolve", tier),
        (first.verified, "verify", community),
        (first.closed, "close", community),
        (first.visited, "visit", community),
        (life.reopened, "reopen", community),
        (second.dispatches[0], "dispatch", handler),
        (second.resolved, "resolve", tier),
        (second.verified, "verify", community),
        (second.closed, "close", community),
        (second.visited, "visit", community),
    ]
    rows, ats, actions, tiers, ranks = [], [], [], [], []
    for rank, (stamps, action, by) in enumerate(parts):
        hit = np.flatnonzero(stamps <= end)
        rows.append(hit)
        ats.append(stamps[hit])
        actions.append(np.full(len(hit), CASE_ACTIONS.index(action), dtype=np.int8))
        tiers.append(np.broadcast_to(by, n)[hit].astype(np.int8))
        ranks.append(np.full(len(hit), rank, dtype=np.int8))
    row, at, rank = np.concatenate(rows), np.concatenate(ats), np.concatenate(ranks)
    case_id = ids[row]
    order = np.lexsort((rank, at, case_id))
    case_id, at = case_id[order], at[order]
    action = np.array(CASE_ACTIONS, dtype=object)[np.concatenate(actions)[order]]
    by_tier = np.array(TIERS, dtype=object)[np.concatenate(tiers)[order]]
    first_row = np.r_[0, np.flatnonzero(np.diff(case_id)) + 1]
    seq = np.arange(len(case_id)) - np.repeat(first_row, np.diff(np.r_[first_row, len(case_id)])) + 1
    return pd.DataFrame({"case_id": case_id, "seq": seq, "at": at, "action": action, "tier": by_tier, "note": None})

