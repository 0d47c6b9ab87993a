"""The demo city's facts: cases and their event log, devices and alerts,
venues, activities, votes and the points ledger. Vectorised with numpy so the
benchmark city (millions of rows) builds in minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from cockpit.tools.demo.presets import (
    ACK_DEADLINE_MIN,
    ACTIVITY_TITLES,
    ALERT_CATEGORY,
    ALERT_PROFILE,
    CASE_CATEGORIES,
    CASE_SOURCE_SHARES,
    CASE_SOURCES,
    Preset,
)
from cockpit.tools.demo.units import ANCHORS_PER_GRID, DemoUnits

HOUR = np.timedelta64(3600, "s")
NAT = np.datetime64("NaT", "s")

# Relative activity by hour of day.
OFFICE_HOURS = np.array([1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 4, 7, 9, 9, 8, 6, 6, 8, 9, 9, 8, 6, 5, 4, 3, 2, 1.5])
NIGHT_HOURS = np.roll(np.array([0.5, 0.4, 0.4, 0.5, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 6, 8, 9, 8, 6]), 0)
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


def _hours(rng: np.random.Generator, n: int, median: float, late_share: float, deadline: np.ndarray) -> np.ndarray:
    """Durations in hours: mostly well inside the deadline, a `late_share` past it."""
    d = rng.lognormal(np.log(median), 0.7, n)
    d = np.minimum(d, deadline * 0.98)
    late = rng.random(n) < late_share
    d[late] = deadline[late] * rng.uniform(1.05, 2.5, late.sum())
    return d


def _td(hours: np.ndarray) -> np.ndarray:
    return np.round(hours * 3600).astype("int64").astype("timedelta64[s]")


def build_alerts(units: DemoUnits, preset: Preset, seed: int, start: datetime, end: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Devices and the alerts they raised."""
    rng = np.random.default_rng([seed, 3])
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
    a = pd.concat(frames, ignore_index=True).sort_values("raised_at", kind="stable").reset_index(drop=True)
    n = len(a)
    deadline_h = a["severity"].map(ACK_DEADLINE_MIN).to_numpy() / 60.0
    raised = a["raised_at"].to_numpy().astype("datetime64[s]")
    ack = raised + _td(_hours(rng, n, 0.25, 0.05, deadline_h) * np.maximum(deadline_h, 0.25) / deadline_h)
    fix_median = a["type"].map({"parking": 0.5, "noise": 1, "gas": 2, "smoke_fire": 2, "waterlogging": 6, "elderly_alone": 1}).to_numpy()
    fix = _td(rng.lognormal(np.log(fix_median), 0.8))
    stuck = rng.random(n) < 0.012  # sensors that stay in alarm until someone visits
    fix[stuck] = _td(rng.uniform(48, 1500, stuck.sum()))
    resolved = ack + fix
    end64 = np.datetime64(end, "s")
    ack = np.where(ack <= end64, ack, NAT)
    resolved = np.where((resolved <= end64) & ~np.isnat(ack), resolved, NAT)
    status = np.where(~np.isnat(resolved), "resolved", np.where(~np.isnat(ack), "acknowledged", "active"))

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


def build_cases(
    units: DemoUnits, preset: Preset, seed: int, start: datetime, end: datetime, alerts: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Case categories, cases through their whole lifecycle, and the case event log.

    Serious sensor alerts open a case; `alerts.case_id` is filled in place.
    """
    rng = np.random.default_rng([seed, 4])
    grids = units.grids
    cats = pd.DataFrame(
        CASE_CATEGORIES,
        columns=["code", "name", "name_en", "parent_code", "kind", "share", "review_hours", "response_hours",
                 "resolve_hours", "open311_service_code", "open311_group"],
    )
    leaf = cats[cats["share"] > 0].reset_index(drop=True)
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
    ci = np.concatenate([ci, cat_pos[serious["type"].map(ALERT_CATEGORY)].to_numpy()])
    source = np.concatenate([source, np.full(len(serious), "sensor")])
    received = np.concatenate([received, serious["acknowledged_at"].to_numpy().astype("datetime64[s]")])
    alert_row = np.concatenate([np.full(n, -1), serious.index.to_numpy()])
    n = len(gi)

    review_h = leaf["review_hours"].to_numpy()[ci].astype(float)
    response_h = leaf["response_hours"].to_numpy()[ci].astype(float)
    resolve_h = leaf["resolve_hours"].to_numpy()[ci].astype(float)
    has_district = (units.units["level"] == "district").any()
    tiers = np.array(["grid", "community", "street", "district", "city"])
    tier_p = [0.58, 0.32, 0.075, 0.015, 0.01] if has_district else [0.58, 0.32, 0.09, 0.0, 0.01]
    tier_i = rng.choice(5, size=n, p=tier_p)

    registered = received + _td(_hours(rng, n, 0.8, 0.03, review_h))
    dispatched = registered + _td(_hours(rng, n, 1.0, 0.04, np.maximum(response_h - review_h, 0.5)))
    slow = np.array([1.0, 1.3, 2.0, 2.5, 3.0])[tier_i]
    resolved = received + _td(_hours(rng, n, 0.22, 0.06, resolve_h) * slow)
    resolved = np.maximum(resolved, dispatched + np.timedelta64(600, "s"))
    stuck = rng.random(n) < 0.012  # hard cases that stay open for weeks
    resolved[stuck] = received[stuck] + _td(rng.uniform(400, 2500, stuck.sum()))
    verified = resolved + _td(rng.uniform(0.5, 8, n))
    closed = verified + _td(rng.uniform(0.2, 3, n))
    visited = closed + _td(rng.uniform(2, 72, n))
    visit_done = rng.random(n) < 0.88

    end64 = np.datetime64(end, "s")
    stages = [received, registered, dispatched, resolved, verified, closed]
    reached = [np.ones(n, bool)]
    for s in stages[1:]:
        reached.append(reached[-1] & (s <= end64))
    stamps = [np.where(r, s, NAT) for s, r in zip(stages, reached)]
    visited = np.where(reached[-1] & visit_done & (visited <= end64), visited, NAT)
    status_names = np.array(["received", "registered", "dispatched", "resolved", "verified", "closed"])
    status = status_names[np.sum(reached, axis=0) - 1]
    late = resolved > received + _td(resolve_h)
    sat = np.where(late, rng.choice([1, 2, 3, 4, 5], n, p=[0.05, 0.08, 0.17, 0.35, 0.35]),
                   rng.choice([1, 2, 3, 4, 5], n, p=[0.006, 0.009, 0.02, 0.145, 0.82]))
    satisfaction = pd.array(np.where(np.isnat(visited), 0, sat), dtype="Int64")
    satisfaction[np.isnat(visited)] = pd.NA
    returns = (rng.random(n) < 0.03).astype(int)
    reopens = (rng.random(n) < 0.012).astype(int) * reached[-1]
    resolved_tier = np.where(reached[3], tiers[tier_i], None)

    order = np.argsort(received, kind="stable")
    ids = np.empty(n, dtype=np.int64)
    ids[order] = np.arange(1, n + 1)
    lon, lat = _place(rng, units, gi)
    sensor = alert_row >= 0
    lon[sensor] = alerts["lon"].to_numpy()[alert_row[sensor]]
    lat[sensor] = alerts["lat"].to_numpy()[alert_row[sensor]]
    cat_codes = leaf["code"].to_numpy()[ci]
    cat_names = leaf["name"].to_numpy()[ci]
    grid_names = grids["name"].to_numpy()[gi]
    cases = pd.DataFrame(
        {
            "id": ids,
            "external_id": np.char.add("ZJ", ids.astype(str)),
            "source": source,
            "category_code": cat_codes,
            "grid_code": grids["code"].to_numpy()[gi],
            "lon": lon,
            "lat": lat,
            "description": np.char.add(np.char.add(grid_names.astype(str), "："), cat_names.astype(str)),
            "status": status,
            "received_at": stamps[0],
            "registered_at": stamps[1],
            "dispatched_at": stamps[2],
            "resolved_at": stamps[3],
            "verified_at": stamps[4],
            "closed_at": stamps[5],
            "visited_at": visited,
            "review_due_at": received + _td(review_h),
            "response_due_at": received + _td(response_h),
            "due_at": received + _td(resolve_h),
            "resolved_tier": resolved_tier,
            "satisfaction": satisfaction,
            "reopen_count": reopens,
            "return_count": returns,
        }
    ).iloc[order].reset_index(drop=True)
    alerts.loc[alert_row[sensor], "case_id"] = ids[sensor]

    events = _case_events(ids, stamps, visited, tiers[tier_i], returns, reopens)
    return cats.drop(columns=["share"]), cases, events


def _case_events(
    ids: np.ndarray, stamps: list[np.ndarray], visited: np.ndarray, tier: np.ndarray, returns: np.ndarray, reopens: np.ndarray
) -> pd.DataFrame:
    received, registered, dispatched, resolved, verified, closed = stamps
    one_min = np.timedelta64(60, "s")
    escalated = np.isin(tier, ["street", "district", "city"])
    parts = [
        (received, "receive", np.full(len(ids), "grid")),
        (registered, "register", np.full(len(ids), "community")),
        (dispatched, "dispatch", np.where(tier == "grid", "grid", "community")),
        (np.where(escalated & ~np.isnat(dispatched), dispatched + 30 * one_min, NAT), "escalate", tier),
        (np.where(returns > 0, dispatched + 20 * one_min, NAT), "return", np.full(len(ids), "community")),
        (resolved, "resolve", tier),
        (verified, "verify", np.full(len(ids), "community")),
        (closed, "close", np.full(len(ids), "community")),
        (np.where(reopens > 0, closed + 2 * one_min, NAT), "reopen", np.full(len(ids), "community")),
        (visited, "visit", np.full(len(ids), "community")),
    ]
    at = np.concatenate([p[0] for p in parts])
    keep = ~np.isnat(at)
    case_id = np.tile(ids, len(parts))[keep]
    action = np.concatenate([np.full(len(ids), p[1]) for p in parts])[keep]
    tiers = np.concatenate([p[2] for p in parts]).astype(object)[keep]
    at = at[keep]
    rank = np.repeat(np.arange(len(parts)), len(ids))[keep]
    order = np.lexsort((rank, at, case_id))
    case_id, at, action, tiers = case_id[order], at[order], action[order], tiers[order]
    first = np.r_[0, np.flatnonzero(np.diff(case_id)) + 1]
    seq = np.arange(len(case_id)) - np.repeat(first, np.diff(np.r_[first, len(case_id)])) + 1
    return pd.DataFrame({"case_id": case_id, "seq": seq, "at": at, "action": action, "tier": tiers, "note": None})


def build_participation(
    units: DemoUnits, preset: Preset, seed: int, start: datetime, end: datetime
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Venues, activities, votes and the points ledger (earned at activities, redeemed at venues)."""
    rng = np.random.default_rng([seed, 5])
    grids = units.grids
    comm = units.units[units.units["level"] == "community"].reset_index(drop=True)
    grid_comm = grids["community_code"].to_numpy()
    comm_first = pd.Series(np.arange(len(grids)), index=grids["code"]).groupby(grid_comm).agg(["min", "max"])
    lo = comm_first.loc[comm["code"], "min"].to_numpy()
    hi = comm_first.loc[comm["code"], "max"].to_numpy()

    # Venues: a party service station, a redemption point and an activity venue per community.
    rows = []
    for kind, suffix_urban, suffix_rural in [
        ("party_station", "党群服务中心", "党群服务站"),
        ("redemption", "积分兑换超市", "积分兑换点"),
        ("activity", "邻里中心", "文化礼堂"),
    ]:
        gi = rng.integers(lo, hi + 1)
        names = [n + (suffix_urban if k == "居委会" else suffix_rural) for n, k in zip(comm["name"], comm["kind"])]
        x, y = _place(rng, units, gi)
        rows.append(pd.DataFrame({"kind": kind, "name": names, "gi": gi, "lon": x, "lat": y, "ci": np.arange(len(comm))}))
    v = pd.concat(rows, ignore_index=True)
    v["id"] = np.arange(1, len(v) + 1)
    venues = pd.DataFrame({"id": v["id"], "kind": v["kind"], "name": v["name"],
                           "grid_code": grids["code"].to_numpy()[v["gi"]], "lon": v["lon"], "lat": v["lat"]})
    activity_venue = v[v["kind"] == "activity"].set_index("ci")["id"]
    redemption_venue = v[v["kind"] == "redemption"].set_index("ci")["id"]
    venue_gi = v.set_index("id")["gi"]

    # Activities.
    comm_pop = grids.groupby("community_code")["population"].sum().reindex(comm["code"]).to_numpy()
    engagement = rng.lognormal(0, 0.4, len(comm))
    months = preset.days / 30.4
    n_act = rng.poisson(preset.activities_per_community_month * months * engagement.clip(0.3, 3))
    a_ci = np.repeat(np.arange(len(comm)), n_act)
    kinds = np.array(list(ACTIVITY_TITLES))
    a_kind = rng.choice(kinds, size=len(a_ci), p=[0.35, 0.25, 0.2, 0.2])
    starts = sample_times(rng, len(a_ci), start, preset.days, MORNING_HOURS, weekday_factor=0.6)
    ends = starts + _td(rng.choice([2, 3, 4], size=len(a_ci)))
    keep = ends <= np.datetime64(end, "s")
    a_ci, a_kind, starts, ends = a_ci[keep], a_kind[keep], starts[keep], ends[keep]
    pts_each = pd.Series(a_kind).map({"volunteer": 10, "patrol": 8, "anti_fraud": 5, "garbage_sorting": 5}).to_numpy()
    participants = np.maximum(3, rng.poisson(preset.participants_mean * engagement[a_ci]))
    a_venue = activity_venue.loc[a_ci].to_numpy()
    titles = np.char.add(comm["name"].to_numpy()[a_ci].astype(str), pd.Series(a_kind).map(ACTIVITY_TITLES).to_numpy().astype(str))
    activities = pd.DataFrame(
        {
            "id": np.arange(1, len(a_ci) + 1),
            "kind": a_kind,
            "title": np.char.add(titles, "活动"),
            "grid_code": grids["code"].to_numpy()[venue_gi.loc[a_venue].to_numpy()],
            "venue_id": a_venue,
            "starts_at": starts,
            "ends_at": ends,
            "points_each": pts_each,
            "participants": participants,
        }
    )

    # Ledger: each participant earns at the activity; some redeem later at the redemption point.
    pool = np.maximum(20, (comm_pop * 0.06 * engagement).astype(int))
    e_act = np.repeat(np.arange(len(activities)), participants)
    e_ci = a_ci[e_act]
    member = (rng.random(len(e_act)) * pool[e_ci]).astype(int)
    n_red = int(len(e_act) * 0.07)
    r_ci = e_ci[rng.integers(0, len(e_act), n_red)] if len(e_act) else np.empty(0, int)
    r_member = (rng.random(n_red) * pool[r_ci]).astype(int)
    r_at = sample_times(rng, n_red, start, preset.days, OFFICE_HOURS)
    ci_all = np.concatenate([e_ci, r_ci])
    member_all = np.concatenate([member, r_member])
    # A resident belongs to one grid of their community, stable across entries.
    span = hi[ci_all] - lo[ci_all] + 1
    gi_all = lo[ci_all] + (member_all * 7919) % span
    at_all = np.concatenate([ends[e_act], r_at])
    order = np.argsort(at_all, kind="stable")
    refs = np.char.add(np.char.add("R", comm["code"].to_numpy()[ci_all].astype(str)), np.char.zfill(member_all.astype(str), 5))
    ledger = pd.DataFrame(
        {
            "participant_ref": refs,
            "grid_code": grids["code"].to_numpy()[gi_all],
            "at": at_all,
            "entry_type": np.concatenate([np.full(len(e_act), "earn"), np.full(n_red, "redeem")]),
            "delta": np.concatenate([pts_each[e_act], -10 * rng.integers(1, 9, n_red)]),
            "activity_id": pd.array(np.concatenate([activities["id"].to_numpy()[e_act], np.zeros(n_red, int)]), dtype="Int64"),
            "venue_id": pd.array(np.concatenate([np.zeros(len(e_act), int), redemption_venue.loc[r_ci].to_numpy()]), dtype="Int64"),
        }
    ).iloc[order].reset_index(drop=True)
    ledger.loc[ledger["entry_type"] == "redeem", "activity_id"] = pd.NA
    ledger.loc[ledger["entry_type"] == "earn", "venue_id"] = pd.NA
    ledger.insert(0, "id", np.arange(1, len(ledger) + 1))

    # Votes: residents decide on lifts, parking, village rules.
    topics = ["加装电梯", "小区停车改造", "垃圾分类亭选址", "村规民约修订", "文化礼堂活动安排", "老旧小区改造方案"]
    n_votes = rng.poisson(0.5 * months, len(comm))
    v_ci = np.repeat(np.arange(len(comm)), n_votes)
    opens = sample_times(rng, len(v_ci), start, max(1, preset.days - 14), OFFICE_HOURS)
    eligible = np.maximum(30, (comm_pop[v_ci] / 2.6 * 0.8).astype(int))
    turnout = rng.uniform(0.4, 0.85, len(v_ci))
    cast = (eligible * turnout).astype(int)
    yes = (cast * rng.uniform(0.55, 0.9, len(v_ci))).astype(int)
    no = ((cast - yes) * rng.uniform(0.3, 0.8, len(v_ci))).astype(int)
    votes = pd.DataFrame(
        {
            "id": np.arange(1, len(v_ci) + 1),
            "community_code": comm["code"].to_numpy()[v_ci],
            "title": np.char.add(comm["name"].to_numpy()[v_ci].astype(str), rng.choice(topics, len(v_ci))),
            "opens_at": opens,
            "closes_at": opens + np.timedelta64(7 * 86400, "s"),
            "eligible": eligible,
            "ballots_yes": yes,
            "ballots_no": no,
            "ballots_abstain": cast - yes - no,
        }
    )
    return venues, activities, votes, ledger


def period_start(end: datetime, days: int) -> datetime:
    return (end - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
