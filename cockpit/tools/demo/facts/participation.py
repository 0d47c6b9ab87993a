"""The demo's venues, activities, votes and points ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from cockpit.tools.demo.facts.draws import (
    MORNING_HOURS,
    OFFICE_HOURS,
    duration,
    place,
    sample_times,
)
from cockpit.tools.demo.presets import (
    ACTIVITY_TITLES,
    Preset,
)
from cockpit.tools.demo.units import DemoUnits


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
        x, y = place(rng, units, gi)
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
    ends = starts + duration(rng.choice([2, 3, 4], size=len(a_ci)))
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

