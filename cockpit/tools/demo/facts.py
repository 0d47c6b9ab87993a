"""The demo city's facts: cases and their event log, devices and alerts,
venues, activities, votes and the points ledger. Vectorised with numpy so the
benchmark city (millions of rows) builds in minutes.

Every case and alert is drawn on its whole clock first (all stages, as if time
ran on), and the data's end is applied last: what had not happened by then is
NULL. So the backlog at the end is what the arrival rates and the durations
leave open, not a separate draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from cockpit.core.model import TIERS
from cockpit.store.schema import CASE_ACTIONS, CASE_STATUSES
from cockpit.tools.demo.presets import (
    ACK_DEADLINE_MIN,
    ACK_MINUTES,
    ACTIVITY_TITLES,
    ALERT_CATEGORY,
    ALERT_CLOCKS,
    ALERT_PROFILE,
    CASE_CATEGORIES,
    CASE_SOURCE_SHARES,
    CASE_SOURCES,
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
    RESOLVE_BY_SEVERITY,
    RETURN_AFTER_HOURS,
    RETURN_SHARE,
    RETURN_TWICE_SHARE,
    REWORK_FACTOR,
    SATISFACTION_LATE,
    SATISFACTION_ON_TIME,
    STUCK_SENSOR_HOURS,
    STUCK_SENSOR_SHARE,
    TIER_SHARES,
    TIER_SHARES_COUNTY,
    TIER_SLOWDOWN,
    VERIFY_HOURS_RANGE,
    VERIFY_SHARE_OF_RESOLVE,
    VERIFY_SIGMA,
    VISIT_HOURS,
    VISIT_SHARE,
    Clock,
    Preset,
)
from cockpit.tools.demo.units import ANCHORS_PER_GRID, DemoUnits

HOUR = np.timedelta64(3600, "s")
NAT = np.datetime64("NaT", "s")

# Relative activity by hour of day.
OFFICE_HOURS = np.array([1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 4, 7, 9, 9, 8, 6, 6, 8, 9, 9, 8, 6, 5, 4, 3, 2, 1.5])
NIGHT_HOURS = np.array([0.5, 0.4, 0.4, 0.5, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 6, 8, 9, 8, 6])
RUSH_HOURS = np.array([0.3, 0.2, 0.2, 0.2, 0.3, 1, 4, 9, 9, 5, 4, 4, 4, 4, 4, 5, 6, 9, 9, 6, 4, 3, 2, 1])
MEAL_HOURS = np.array([1, 1, 1, 1, 1, 2, 3, 3, 2, 2, 4, 8, 8, 3, 2, 2, 4, 8, 8, 4, 2, 2, 1, 1])
MORNING_HOURS = np.array([1, 1, 1, 1, 2, 4, 8, 10, 10, 8, 6, 5, 4, 4, 4, 4, 4, 4, 4, 4, 3, 2, 1, 1])
FLAT_HOURS = np.ones(24)


def _month_of(days: np.ndarray, start: datetime) -> np.ndarray:
    return (np.datetime64(start.date(), "D") + days).astype("datetime64[M]").astype(int) % 12 + 1


def sample_times(
    rng: np.random.Generator,
    n: int,
    start: datetime,
    days: int,
    hours: np.ndarray = OFFICE_HOURS,
    month_factor: dict[int, float] | None = None,
    weekday_factor: float = 1.0,
) -> np.ndarray:
    """n timestamps (datetime64[s]) over `days` days from `start`, shaped by season, weekday and hour."""
    day_idx = np.arange(days)
    w = np.ones(days)
    if month_factor:
        months = _month_of(day_idx, start)
        w *= np.array([month_factor.get(int(m), 1.0) for m in months])
    weekday = (np.datetime64(start.date(), "D") + day_idx).astype("datetime64[D]").view("int64")
    w *= np.where(((weekday + 3) % 7) < 5, weekday_factor, 1.0)  # 1970-01-01 was a Thursday
    day = rng.choice(days, size=n, p=w / w.sum())
    hour = rng.choice(24, size=n, p=hours / hours.sum())
    sec = rng.integers(0, 3600, size=n)
    base = np.datetime64(start.replace(hour=0, minute=0, second=0, microsecond=0), "s")
    return base + day * 86400 + hour * 3600 + sec


def _place(rng: np.random.Generator, units: DemoUnits, grid_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = rng.integers(0, ANCHORS_PER_GRID, size=len(grid_idx))
    pts = units.anchors[grid_idx, k]
    return pts[:, 0], pts[:, 1]


def _draw(rng: np.random.Generator, median: float | np.ndarray, sigma: float | np.ndarray, n: int) -> np.ndarray:
    """n log-normal durations around `median` (one value, or one per row), in the median's unit."""
    return rng.lognormal(np.log(median), sigma, n)


def _clock(rng: np.random.Generator, clock: Clock, n: int) -> np.ndarray:
    return _draw(rng, clock.median, clock.sigma, n)


def _td(hours: np.ndarray) -> np.ndarray:
    return np.round(hours * 3600).astype("int64").astype("timedelta64[s]")


def _until(stamps: np.ndarray, end: np.datetime64) -> np.ndarray:
    """The stamps that happened by the data's end; NaT for the others (they are still to come)."""
    return np.where(stamps <= end, stamps, NAT)


# ------------------------------------------------------------------------------------------ alerts

def _alert_clocks(rng: np.random.Generator, a: pd.DataFrame, end: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Acknowledged and resolved stamps (NaT while pending at the end), and the status, of each alert."""
    n = len(a)
    sev = a["severity"].to_numpy()
    raised = a["raised_at"].to_numpy().astype("datetime64[s]")
    ack_factor = a["type"].map({kind: factor for kind, (factor, _) in ALERT_CLOCKS.items()}).to_numpy()
    ack_median = np.array([ACK_MINUTES[s].median for s in (1, 2, 3, 4)])[sev - 1] * ack_factor
    ack_sigma = np.array([ACK_MINUTES[s].sigma for s in (1, 2, 3, 4)])[sev - 1]
    ack = raised + _td(_draw(rng, ack_median, ack_sigma, n) / 60)
    clear = {kind: clock for kind, (_, clock) in ALERT_CLOCKS.items()}
    clear_median = a["type"].map({k: c.median for k, c in clear.items()}).to_numpy() * a["severity"].map(RESOLVE_BY_SEVERITY).to_numpy()
    clear_sigma = a["type"].map({k: c.sigma for k, c in clear.items()}).to_numpy()
    fix_h = _draw(rng, clear_median, clear_sigma, n) / 60
    stuck = rng.random(n) < STUCK_SENSOR_SHARE
    fix_h += np.where(stuck, _clock(rng, STUCK_SENSOR_HOURS, n), 0.0)
    end64 = np.datetime64(end, "s")
    resolved = _until(ack + _td(fix_h), end64)
    ack = _until(ack, end64)
    status = np.where(~np.isnat(resolved), "resolved", np.where(~np.isnat(ack), "acknowledged", "active"))
    return ack, resolved, status


def _raise_alerts(rng: np.random.Generator, units: DemoUnits, preset: Preset, start: datetime) -> pd.DataFrame:
    """When, where, what and how severe each alert is, in time order."""
    grids = units.grids
    pop = grids["population"].to_numpy()
    urban = (grids["kind"] == "urban").to_numpy()
    n_total = int(preset.alerts_per_year * preset.days / 365)
    frames = []
    for kind, (share, sev_p) in ALERT_PROFILE.items():
        n = int(round(n_total * share))
        urban_bias = {"parking": 2.5, "noise": 2.0, "waterlogging": 0.8, "gas": 1.6}.get(kind, 1.0)
        w = pop * np.where(urban, urban_bias, 1.0)
        gi = rng.choice(len(grids), size=n, p=w / w.sum())
        hours, season = {
            "parking": (RUSH_HOURS, None),
            "noise": (NIGHT_HOURS, {6: 1.2, 7: 1.3, 8: 1.3}),
            "smoke_fire": (MEAL_HOURS, {12: 1.5, 1: 1.7, 2: 1.6}),
            "gas": (MEAL_HOURS, {12: 1.4, 1: 1.5, 2: 1.3}),
            "waterlogging": (FLAT_HOURS, {6: 4.0, 7: 4.5, 8: 2.5, 9: 2.5, 12: 0.2, 1: 0.2}),
            "elderly_alone": (MORNING_HOURS, {12: 1.3, 1: 1.4, 7: 1.3, 8: 1.3}),
        }[kind]
        raised = sample_times(rng, n, start, preset.days, hours, season)
        sev = rng.choice([1, 2, 3, 4], size=n, p=sev_p)
        frames.append(pd.DataFrame({"type": kind, "severity": sev, "gi": gi, "raised_at": raised}))
    return pd.concat(frames, ignore_index=True).sort_values("raised_at", kind="stable").reset_index(drop=True)


def build_alerts(units: DemoUnits, preset: Preset, seed: int, start: datetime, end: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Devices and the alerts they raised."""
    rng = np.random.default_rng([seed, 3])
    grids = units.grids
    a = _raise_alerts(rng, units, preset, start)
    n = len(a)
    deadline_h = a["severity"].map(ACK_DEADLINE_MIN).to_numpy() / 60.0
    raised = a["raised_at"].to_numpy().astype("datetime64[s]")
    ack, resolved, status = _alert_clocks(rng, a, end)

    # One device per (grid, type) that alarmed, plus some quiet ones: every alert has a device.
    pairs = a[["gi", "type"]].drop_duplicates().sort_values(["gi", "type"]).reset_index(drop=True)
    pairs["device_id"] = np.arange(1, len(pairs) + 1)
    a = a.merge(pairs, on=["gi", "type"], how="left")
    dx, dy = _place(rng, units, pairs["gi"].to_numpy())
    devices = pd.DataFrame(
        {
            "id": pairs["device_id"],
            "type": pairs["type"],
            "grid_code": grids["code"].to_numpy()[pairs["gi"]],
            "lon": dx,
            "lat": dy,
            "installed_at": (np.datetime64(start.date(), "D") - rng.integers(30, 1500, len(pairs))).astype("datetime64[D]"),
        }
    )
    alerts = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "type": a["type"],
            "severity": a["severity"],
            "grid_code": grids["code"].to_numpy()[a["gi"]],
            "device_id": a["device_id"],
            "lon": devices["lon"].to_numpy()[a["device_id"] - 1],
            "lat": devices["lat"].to_numpy()[a["device_id"] - 1],
            "raised_at": raised,
            "ack_due_at": raised + _td(deadline_h),
            "acknowledged_at": ack,
            "resolved_at": resolved,
            "status": status,
            "case_id": pd.array([None] * n, dtype="Int64"),
        }
    )
    return devices, alerts


# ------------------------------------------------------------------------------------------- cases

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
    received = sample_times(rng, n, start, preset.days, OFFICE_HOURS, {7: 1.2, 8: 1.25, 2: 0.7}, weekday_factor=1.3)

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
    registered = arr.received + _td(_draw(rng, REGISTER_SHARE_OF_REVIEW * review_h, REGISTER_DISPATCH_SIGMA, n))
    dispatched = registered + _td(_draw(rng, DISPATCH_SHARE_OF_RESPONSE * response_h, REGISTER_DISPATCH_SIGMA, n))
    return registered, dispatched


def _returns(rng: np.random.Generator, dispatched: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """退回 and dispatching again: all dispatches, all returns, and the dispatch the work starts from."""
    n = len(dispatched)
    times = np.where(rng.random(n) < RETURN_SHARE, np.where(rng.random(n) < RETURN_TWICE_SHARE, 2, 1), 0)
    dispatches, returns, current = [dispatched], [], dispatched
    for k in (1, 2):
        back = current + _td(_clock(rng, RETURN_AFTER_HOURS, n))
        again = back + _td(_clock(rng, REDISPATCH_HOURS, n))
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
    hours = _draw(rng, median, sigma, n) * slowdown * factor
    hard_share = np.array([HARD_CASE_SHARE_BY_CATEGORY.get(code, HARD_CASE_SHARE) for code in leaf["code"]])
    hard = rng.random(n) < hard_share[arr.category]
    resolve_h = leaf["resolve_hours"].to_numpy()[arr.category].astype(float)
    return hours + np.where(hard, resolve_h * _clock(rng, HARD_CASE_EXTRA_OF_RESOLVE, n), 0.0)


def _escalations(rng: np.random.Generator, arr: _Arrivals, start: np.ndarray, work_h: np.ndarray,
                 has_district: bool) -> list[np.ndarray]:
    """上报: one step per tier above the community, part-way through the work, in tier order."""
    n = len(start)
    out, share = [], np.zeros(n)
    for name in ("street", "district", "city"):
        share = share + rng.uniform(0.08, 0.25, n)
        step = (arr.tier >= TIERS.index(name)) & (has_district or name != "district")
        out.append(np.where(step, start + _td(work_h * share), NAT))
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
    verified = resolved + _td(_draw(rng, verify_median, VERIFY_SIGMA, n))
    closed = verified + _td(_clock(rng, CLOSE_HOURS, n))
    visit_p = pd.Series(arr.source).map(VISIT_SHARE).to_numpy()
    visited = np.where(rng.random(n) < visit_p, closed + _td(_clock(rng, VISIT_HOURS, n)), NAT)
    return verified, closed, visited, _satisfaction(rng, late)


def _first_round(rng: np.random.Generator, arr: _Arrivals, leaf: pd.DataFrame, dispatched: np.ndarray,
                 due: np.ndarray, has_district: bool) -> _Round:
    dispatches, returns, start = _returns(rng, dispatched)
    work_h = _work_hours(rng, arr, leaf)
    escalations = _escalations(rng, arr, start, work_h, has_district)
    resolved = start + _td(work_h)
    verified, closed, visited, sat = _finish(rng, arr, leaf, resolved, resolved > due)
    return _Round(dispatches, returns, escalations, resolved, verified, closed, visited, sat)


def _reopen(rng: np.random.Generator, first: _Round) -> np.ndarray:
    """重办: after an unsatisfied return visit, or when a spot check finds the work not done."""
    n = len(first.closed)
    unsatisfied = ~np.isnat(first.visited) & (first.satisfaction <= 2) & (rng.random(n) < REOPEN_IF_UNSATISFIED)
    spot = ~unsatisfied & (rng.random(n) < REOPEN_SPOT_CHECK)
    after_visit = first.visited + _td(_clock(rng, REOPEN_AFTER_VISIT_HOURS, n))
    after_close = first.closed + _td(_clock(rng, REOPEN_AFTER_CLOSE_HOURS, n))
    reopened = np.where(unsatisfied, after_visit, np.where(spot, after_close, NAT))
    # A case reopened before its return visit is not visited in the first round.
    first.visited = np.where(reopened < first.visited, NAT, first.visited)
    return reopened


def _second_round(rng: np.random.Generator, arr: _Arrivals, leaf: pd.DataFrame, reopened: np.ndarray) -> _Round:
    """The loop again after a reopen: dispatched, handled (knowing the case), verified, closed, visited."""
    n = len(reopened)
    dispatched = reopened + _td(_clock(rng, REDISPATCH_HOURS, n))
    resolved = dispatched + _td(_work_hours(rng, arr, leaf, REWORK_FACTOR))
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
    lon, lat = _place(rng, units, arr.grid)
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
            "review_due_at": arr.received + _td(cat("review_hours").astype(float)),
            "response_due_at": arr.received + _td(cat("response_hours").astype(float)),
            "due_at": arr.received + _td(cat("resolve_hours").astype(float)),
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
    due = arr.received + _td(leaf["resolve_hours"].to_numpy()[arr.category].astype(float))
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


# ----------------------------------------------------------------------------------- participation

@dataclass
class _Communities:
    """The communities, the range of their grids' rows in units.grids, and their residents."""

    frame: pd.DataFrame
    lo: np.ndarray
    hi: np.ndarray
    population: np.ndarray


@dataclass
class _Held:
    """The activities held, with what the ledger needs to know of them."""

    frame: pd.DataFrame
    community: np.ndarray
    ends: np.ndarray
    points_each: np.ndarray
    engagement: np.ndarray  # per community: how keen its residents are


def _communities(units: DemoUnits) -> _Communities:
    grids = units.grids
    comm = units.units[units.units["level"] == "community"].reset_index(drop=True)
    span = pd.Series(np.arange(len(grids)), index=grids["code"]).groupby(grids["community_code"].to_numpy()).agg(["min", "max"])
    population = grids.groupby("community_code")["population"].sum().reindex(comm["code"]).to_numpy()
    return _Communities(comm, span.loc[comm["code"], "min"].to_numpy(), span.loc[comm["code"], "max"].to_numpy(), population)


def _venues(rng: np.random.Generator, units: DemoUnits, comm: _Communities) -> pd.DataFrame:
    """A party service station, a redemption point and an activity venue per community (with helper columns gi, ci)."""
    rows = []
    for kind, suffix_urban, suffix_rural in [
        ("party_station", "党群服务中心", "党群服务站"),
        ("redemption", "积分兑换超市", "积分兑换点"),
        ("activity", "邻里中心", "文化礼堂"),
    ]:
        gi = rng.integers(comm.lo, comm.hi + 1)
        names = [n + (suffix_urban if k == "居委会" else suffix_rural) for n, k in zip(comm.frame["name"], comm.frame["kind"])]
        x, y = _place(rng, units, gi)
        rows.append(pd.DataFrame({"kind": kind, "name": names, "gi": gi, "lon": x, "lat": y, "ci": np.arange(len(comm.frame))}))
    v = pd.concat(rows, ignore_index=True)
    v["id"] = np.arange(1, len(v) + 1)
    return v


def _activities(rng: np.random.Generator, units: DemoUnits, preset: Preset, comm: _Communities, v: pd.DataFrame,
                start: datetime, end: datetime) -> _Held:
    n_comm = len(comm.frame)
    engagement = rng.lognormal(0, 0.4, n_comm)
    months = preset.days / 30.4
    n_act = rng.poisson(preset.activities_per_community_month * months * engagement.clip(0.3, 3))
    a_ci = np.repeat(np.arange(n_comm), n_act)
    kinds = np.array(list(ACTIVITY_TITLES))
    a_kind = rng.choice(kinds, size=len(a_ci), p=[0.35, 0.25, 0.2, 0.2])
    starts = sample_times(rng, len(a_ci), start, preset.days, MORNING_HOURS, weekday_factor=0.6)
    ends = starts + _td(rng.choice([2, 3, 4], size=len(a_ci)))
    keep = ends <= np.datetime64(end, "s")
    a_ci, a_kind, starts, ends = a_ci[keep], a_kind[keep], starts[keep], ends[keep]
    pts_each = pd.Series(a_kind).map({"volunteer": 10, "patrol": 8, "anti_fraud": 5, "garbage_sorting": 5}).to_numpy()
    participants = np.maximum(3, rng.poisson(preset.participants_mean * engagement[a_ci]))
    a_venue = v[v["kind"] == "activity"].set_index("ci")["id"].loc[a_ci].to_numpy()
    venue_gi = v.set_index("id")["gi"]
    titles = np.char.add(comm.frame["name"].to_numpy()[a_ci].astype(str), pd.Series(a_kind).map(ACTIVITY_TITLES).to_numpy().astype(str))
    frame = pd.DataFrame(
        {
            "id": np.arange(1, len(a_ci) + 1),
            "kind": a_kind,
            "title": np.char.add(titles, "活动"),
            "grid_code": units.grids["code"].to_numpy()[venue_gi.loc[a_venue].to_numpy()],
            "venue_id": a_venue,
            "starts_at": starts,
            "ends_at": ends,
            "points_each": pts_each,
            "participants": participants,
        }
    )
    return _Held(frame, a_ci, ends, pts_each, engagement)


def _ledger(rng: np.random.Generator, units: DemoUnits, preset: Preset, comm: _Communities, held: _Held,
            v: pd.DataFrame, start: datetime) -> pd.DataFrame:
    """Each participant earns at the activity; some redeem later at the redemption point."""
    pool = np.maximum(20, (comm.population * 0.06 * held.engagement).astype(int))
    e_act = np.repeat(np.arange(len(held.frame)), held.frame["participants"].to_numpy())
    e_ci = held.community[e_act]
    member = (rng.random(len(e_act)) * pool[e_ci]).astype(int)
    n_red = int(len(e_act) * 0.07)
    r_ci = e_ci[rng.integers(0, len(e_act), n_red)] if len(e_act) else np.empty(0, int)
    r_member = (rng.random(n_red) * pool[r_ci]).astype(int)
    r_at = sample_times(rng, n_red, start, preset.days, OFFICE_HOURS)
    ci_all = np.concatenate([e_ci, r_ci])
    member_all = np.concatenate([member, r_member])
    # A resident belongs to one grid of their community, stable across entries.
    span = comm.hi[ci_all] - comm.lo[ci_all] + 1
    gi_all = comm.lo[ci_all] + (member_all * 7919) % span
    at_all = np.concatenate([held.ends[e_act], r_at])
    order = np.argsort(at_all, kind="stable")
    refs = np.char.add(np.char.add("R", comm.frame["code"].to_numpy()[ci_all].astype(str)), np.char.zfill(member_all.astype(str), 5))
    redemption_venue = v[v["kind"] == "redemption"].set_index("ci")["id"]
    ledger = pd.DataFrame(
        {
            "participant_ref": refs,
            "grid_code": units.grids["code"].to_numpy()[gi_all],
            "at": at_all,
            "entry_type": np.concatenate([np.full(len(e_act), "earn"), np.full(n_red, "redeem")]),
            "delta": np.concatenate([held.points_each[e_act], -10 * rng.integers(1, 9, n_red)]),
            "activity_id": pd.array(np.concatenate([held.frame["id"].to_numpy()[e_act], np.zeros(n_red, int)]), dtype="Int64"),
            "venue_id": pd.array(np.concatenate([np.zeros(len(e_act), int), redemption_venue.loc[r_ci].to_numpy()]), dtype="Int64"),
        }
    ).iloc[order].reset_index(drop=True)
    ledger.loc[ledger["entry_type"] == "redeem", "activity_id"] = pd.NA
    ledger.loc[ledger["entry_type"] == "earn", "venue_id"] = pd.NA
    ledger.insert(0, "id", np.arange(1, len(ledger) + 1))
    return ledger


def _votes(rng: np.random.Generator, preset: Preset, comm: _Communities, start: datetime) -> pd.DataFrame:
    """Residents decide on lifts, parking, village rules."""
    topics = ["加装电梯", "小区停车改造", "垃圾分类亭选址", "村规民约修订", "文化礼堂活动安排", "老旧小区改造方案"]
    n_votes = rng.poisson(0.5 * preset.days / 30.4, len(comm.frame))
    v_ci = np.repeat(np.arange(len(comm.frame)), n_votes)
    opens = sample_times(rng, len(v_ci), start, max(1, preset.days - 14), OFFICE_HOURS)
    eligible = np.maximum(30, (comm.population[v_ci] / 2.6 * 0.8).astype(int))
    turnout = rng.uniform(0.4, 0.85, len(v_ci))
    cast = (eligible * turnout).astype(int)
    yes = (cast * rng.uniform(0.55, 0.9, len(v_ci))).astype(int)
    no = ((cast - yes) * rng.uniform(0.3, 0.8, len(v_ci))).astype(int)
    return pd.DataFrame(
        {
            "id": np.arange(1, len(v_ci) + 1),
            "community_code": comm.frame["code"].to_numpy()[v_ci],
            "title": np.char.add(comm.frame["name"].to_numpy()[v_ci].astype(str), rng.choice(topics, len(v_ci))),
            "opens_at": opens,
            "closes_at": opens + np.timedelta64(7 * 86400, "s"),
            "eligible": eligible,
            "ballots_yes": yes,
            "ballots_no": no,
            "ballots_abstain": cast - yes - no,
        }
    )


def build_participation(
    units: DemoUnits, preset: Preset, seed: int, start: datetime, end: datetime
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Venues, activities, votes and the points ledger (earned at activities, redeemed at venues)."""
    rng = np.random.default_rng([seed, 5])
    comm = _communities(units)
    v = _venues(rng, units, comm)
    venues = pd.DataFrame({"id": v["id"], "kind": v["kind"], "name": v["name"],
                           "grid_code": units.grids["code"].to_numpy()[v["gi"]], "lon": v["lon"], "lat": v["lat"]})
    held = _activities(rng, units, preset, comm, v, start, end)
    ledger = _ledger(rng, units, preset, comm, held, v, start)
    return venues, held.frame, _votes(rng, preset, comm, start), ledger


def period_start(end: datetime, days: int) -> datetime:
    """Midnight of the first of `days` days that end at `end`."""
    return (end - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
