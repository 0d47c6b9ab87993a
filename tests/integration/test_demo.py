"""Invariants of the demo generator, on the small city as it lands in SQLite and GeoJSON.

The numbers the cockpit shows are only as believable as the demo behind them, so
these tests pin what a real city's data looks like: codes that nest, boundaries
that tile, a population that adds up, case and alert life cycles in order, and
service levels in the range a working 基层治理 system reports. Determinism is
checked too: a seed gives the same database and boundaries, in any process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import select

from cockpit.core import codes
from cockpit.store import schema
from cockpit.store.engine import make_engine
from cockpit.store.rollup.tables import rollup_metadata
from cockpit.tools.demo.build import build_frames, write_geo
from cockpit.tools.demo.presets import ACK_DEADLINE_MIN, DEFAULT_END, PRESETS
from cockpit.tools.demo.units import build_units

PROJECT_DIR = Path(__file__).resolve().parents[2]
SMALL = PRESETS["small"]
TOL_DEG = 1e-5  # ~1 m: boundaries are rounded to 6 decimals independently of each other
CASE_STAGES = ["received_at", "registered_at", "dispatched_at", "resolved_at", "verified_at", "closed_at"]


# -- data, read back through the contract ----------------------------------------------------

@pytest.fixture(scope="module")
def tables(small_demo) -> dict[str, pd.DataFrame]:
    """Every contract table of the small demo, read from its SQLite file with the contract's types."""
    engine = make_engine(small_demo.db_url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in schema.TABLES_IN_LOAD_ORDER:
                rows = conn.execute(select(table)).all()
                out[table.name] = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    finally:
        engine.dispose()
    for frame in out.values():
        for col in frame.columns:
            if frame[col].map(lambda v: isinstance(v, datetime)).any():
                frame[col] = pd.to_datetime(frame[col])
    return out


def _strict_json(path: Path) -> dict:
    def refuse(token: str) -> None:
        raise ValueError(f"{path.name}: {token} is not JSON (browsers reject it)")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


@pytest.fixture(scope="module")
def geo(small_demo) -> dict[str, dict]:
    """code -> {geometry, level, parent_code, name, file} for every feature the demo wrote."""
    files = [small_demo.geo_dir / "units.geojson", *sorted((small_demo.geo_dir / "grids").glob("*.geojson"))]
    out: dict[str, dict] = {}
    for path in files:
        for f in _strict_json(path)["features"]:
            props = f["properties"]
            assert props.get("code"), f"{path.name}: a feature without a code: {props}"
            assert props["code"] not in out, f"{props['code']} drawn twice"
            out[props["code"]] = {**props, "geometry": shape(f["geometry"]), "file": path.name}
    return out


@pytest.fixture(scope="module")
def as_of(tables) -> pd.Timestamp:
    return pd.Timestamp(tables["meta"].set_index("key")["value"]["as_of"])


# -- codes -----------------------------------------------------------------------------------

def test_meta_labels_the_data_as_demo(tables, small_demo):
    meta = tables["meta"].set_index("key")["value"]
    assert meta["label"] == "demo"
    assert meta["preset"] == "small" and meta["seed"] == str(small_demo.seed)
    assert meta["root_code"] == SMALL.root_code
    assert pd.Timestamp(meta["as_of"]) == pd.Timestamp(DEFAULT_END)
    assert pd.Timestamp(meta["period_start"]) < pd.Timestamp(meta["as_of"])


def test_database_holds_every_generated_row(tables, small_demo):
    # run_demo reports the contract tables and the rollup tables it wrote.
    assert set(small_demo.counts) == set(tables) | set(rollup_metadata.tables)
    assert {name: len(f) for name, f in tables.items()} == {name: small_demo.counts[name] for name in tables}
    assert small_demo.counts["rollup_day"] > 0 and small_demo.counts["rollup_participants"] > 0
    for name in ("admin_unit", "grid", "population_stat", "case_record", "case_event", "device", "alert",
                 "venue", "activity", "vote", "points_ledger"):
        assert small_demo.counts[name] > 0, f"{name} is empty"


def test_units_nest_by_code(tables):
    units = tables["admin_unit"].set_index("code")
    assert all(codes.is_valid_code(c) and len(c) == 12 for c in units.index)
    roots = units[units["parent_code"].isna()]
    assert list(roots.index) == [SMALL.root_code] and roots["level"].tolist() == ["city"]
    depth = {lv: i for i, lv in enumerate(schema.UNIT_LEVELS)}
    for code, u in units.drop(index=SMALL.root_code).iterrows():
        parent = units.loc[u["parent_code"]]
        assert depth[u["level"]] > depth[parent["level"]], f"{code} ({u['level']}) under a {parent['level']}"
        assert code.startswith(codes.prefix(u["parent_code"], parent["level"])), f"{code} not under {u['parent_code']}"
        assert code != u["parent_code"]
    # the small city keeps both kinds of street and of community
    assert {"街道", "镇"} <= set(units["kind"]) and {"居委会", "村委会"} <= set(units["kind"])
    for code, u in units[units["level"] == "community"].iterrows():
        assert u["kind"] == codes.community_kind(code)


def test_grid_codes_are_community_code_plus_serial(tables):
    grids, units = tables["grid"], tables["admin_unit"].set_index("code")
    assert grids["code"].is_unique
    assert (units.loc[grids["community_code"], "level"] == "community").all()
    for community, g in grids.groupby("community_code"):
        assert all(len(c) == 15 and c.isdigit() and c[:12] == community for c in g["code"])
        serials = sorted(int(c[12:]) for c in g["code"])
        assert serials == list(range(1, len(serials) + 1)), f"{community}: serials {serials}"
    communities = set(units.index[units["level"] == "community"])
    assert set(grids["community_code"]) == communities, "a community without grids"


def test_fact_tables_point_at_existing_grids(tables):
    grid_codes = set(tables["grid"]["code"])
    for name in ("population_stat", "case_record", "device", "alert", "venue", "activity", "points_ledger"):
        stray = set(tables[name]["grid_code"]) - grid_codes
        assert not stray, f"{name}: unknown grid codes {sorted(stray)[:5]}"


# -- boundaries ------------------------------------------------------------------------------

def test_every_unit_and_grid_has_exactly_one_boundary(tables, geo):
    units, grids = tables["admin_unit"], tables["grid"]
    assert set(geo) == set(units["code"]) | set(grids["code"])
    for u in units.itertuples():
        assert geo[u.code]["level"] == u.level and geo[u.code]["name"] == u.name
        assert geo[u.code]["parent_code"] == (None if pd.isna(u.parent_code) else u.parent_code)
        assert geo[u.code]["file"] == "units.geojson"
    for g in grids.itertuples():
        assert geo[g.code]["level"] == "grid" and geo[g.code]["parent_code"] == g.community_code
        assert geo[g.code]["file"] == f"{g.community_code}.geojson"
    assert all(f["geometry"].is_valid and not f["geometry"].is_empty for f in geo.values())


def test_children_lie_inside_and_tile_their_parent(geo):
    children: dict[str, list[str]] = {}
    for code, f in geo.items():
        if f["parent_code"]:
            children.setdefault(f["parent_code"], []).append(code)
    levels_checked = set()
    for parent, kids in children.items():
        outline = geo[parent]["geometry"]
        grown = outline.buffer(TOL_DEG)
        for kid in kids:
            assert grown.covers(geo[kid]["geometry"]), f"{kid} sticks out of {parent}"
        areas = [geo[k]["geometry"].area for k in kids]
        union = shapely.union_all([geo[k]["geometry"] for k in kids]).area
        assert sum(areas) == pytest.approx(outline.area, rel=0.005), f"children of {parent} do not cover it"
        assert sum(areas) == pytest.approx(union, rel=0.005), f"children of {parent} overlap"
        levels_checked.add((geo[parent]["level"], geo[kids[0]]["level"]))
    assert levels_checked == {("city", "street"), ("street", "community"), ("community", "grid")}


def test_facts_sit_inside_their_grid(tables, geo):
    for name in ("case_record", "device", "alert", "venue"):
        frame = tables[name].dropna(subset=["lon", "lat"])
        assert len(frame)
        for grid_code, g in frame.groupby("grid_code"):
            inside = shapely.contains_xy(geo[grid_code]["geometry"].buffer(TOL_DEG), g["lon"].to_numpy(), g["lat"].to_numpy())
            assert inside.all(), f"{name}: {(~inside).sum()} rows outside grid {grid_code}"


def test_stored_centres_and_areas_match_the_boundaries(tables, geo):
    for name in ("admin_unit", "grid"):
        for r in tables[name].itertuples():
            g = geo[r.code]["geometry"]
            assert shapely.contains_xy(g.buffer(TOL_DEG), r.lon, r.lat), f"{r.code}: centre outside its boundary"
        # area_km2 against a rough equal-area estimate at this latitude (1° lat ≈ 111.2 km)
        lat = np.radians(29.7)
        est = np.array([geo[c]["geometry"].area for c in tables[name]["code"]]) * 111.2 ** 2 * np.cos(lat)
        assert np.allclose(tables[name]["area_km2"], est, rtol=0.03)


def test_urban_communities_are_smaller_and_denser_than_villages(tables):
    pop = tables["population_stat"]
    latest = pop[pop["as_of"] == pop["as_of"].max()]
    people = (latest.set_index("grid_code")[["registered", "floating"]].sum(axis=1)
              .groupby(tables["grid"].set_index("code")["community_code"]).sum())
    comm = tables["admin_unit"].query("level == 'community'").set_index("code")
    comm = comm.assign(people=people, density=people / comm["area_km2"])
    by_kind = comm.groupby("kind")[["area_km2", "density"]].mean()
    assert by_kind.loc["居委会", "area_km2"] < by_kind.loc["村委会", "area_km2"]
    assert by_kind.loc["居委会", "density"] > 1.5 * by_kind.loc["村委会", "density"]


# -- population ------------------------------------------------------------------------------

def test_population_adds_up_to_the_preset(tables, as_of):
    pop = tables["population_stat"]
    months = sorted(pop["as_of"].unique())
    assert months[-1] == as_of.date() or (months[-1].year, months[-1].month) == (as_of.year, as_of.month)
    latest = pop[pop["as_of"] == months[-1]]
    assert set(latest["grid_code"]) == set(tables["grid"]["code"]), "a grid without a population figure"
    total = int((latest["registered"] + latest["floating"]).sum())
    assert total == pytest.approx(SMALL.population, rel=0.005)
    assert (latest["elderly_60p"] <= latest["registered"]).all()
    assert (latest["elderly_alone"] <= latest["elderly_60p"]).all()
    assert (latest["households"] > 0).all()
    assert len(months) == SMALL.days // 30 and len(pop) == len(months) * len(tables["grid"])


# -- cases -----------------------------------------------------------------------------------

def test_case_timestamps_follow_the_life_cycle(tables, as_of):
    cases = tables["case_record"]
    stamps = cases[CASE_STAGES]
    reached = stamps.notna()
    # a stage is reached only after every earlier one
    assert (reached.astype(int).diff(axis=1).iloc[:, 1:] <= 0).all().all()
    for a, b in zip(CASE_STAGES, CASE_STAGES[1:]):
        both = reached[a] & reached[b]
        assert (cases.loc[both, a] <= cases.loc[both, b]).all(), f"{b} before {a}"
    visited = cases["visited_at"].notna()
    assert (cases.loc[visited, "visited_at"] >= cases.loc[visited, "closed_at"]).all()
    assert cases.loc[visited, "closed_at"].notna().all()
    assert (stamps.max(axis=1) <= as_of).all() and (cases["visited_at"].dropna() <= as_of).all()
    assert (cases["received_at"] < cases["review_due_at"]).all()
    assert (cases["review_due_at"] <= cases["response_due_at"]).all()
    assert (cases["response_due_at"] <= cases["due_at"]).all()
    last = reached.sum(axis=1) - 1
    assert (cases["status"] == np.array(schema.CASE_STATUSES)[last]).all()
    # a resolved case says at which tier; an unresolved one does not
    assert (cases["resolved_tier"].notna() == reached["resolved_at"]).all()
    assert set(cases["resolved_tier"].dropna()) <= set(schema.TIERS)
    rated = cases["satisfaction"].dropna()
    assert len(rated) > 0 and rated.between(1, 5).all()  # not vacuously true on a city with no ratings
    assert (cases.loc[cases["satisfaction"].notna(), "visited_at"].notna()).all()


def test_case_categories_have_consistent_deadlines(tables):
    cats = tables["case_category"]
    assert (cats["review_hours"] > 0).all()
    bad = cats[(cats["review_hours"] > cats["response_hours"]) | (cats["response_hours"] > cats["resolve_hours"])]
    assert bad.empty, f"deadlines out of order: {bad[['code', 'review_hours', 'response_hours', 'resolve_hours']].to_dict('records')}"
    assert set(tables["case_record"]["category_code"]) <= set(cats["code"][cats["parent_code"].notna()])


def test_case_service_levels_are_realistic(tables, as_of):
    cases = tables["case_record"]
    closed_share = cases["closed_at"].notna().mean()
    assert 0.95 <= closed_share <= 0.999, closed_share

    resolved = cases[cases["resolved_at"].notna()]
    low_tier = resolved["resolved_tier"].isin(["grid", "community"]).mean()
    assert 0.85 <= low_tier <= 0.95, low_tier

    late_resolved = resolved["resolved_at"] > resolved["due_at"]
    open_overdue = cases["resolved_at"].isna() & (cases["due_at"] < as_of)
    assert late_resolved.sum() > 0 and open_overdue.sum() > 0, "no overdue case at all"
    on_time = 1 - late_resolved.mean()
    assert on_time > 0.85, on_time

    rated = cases["satisfaction"].dropna()
    assert len(rated) > 0.5 * len(cases)
    satisfied = (rated >= 4).mean()
    assert 0.90 <= satisfied <= 0.995, satisfied


def test_case_event_log_matches_the_cases(tables):
    events, cases = tables["case_event"], tables["case_record"].set_index("id")
    assert set(events["case_id"]) == set(cases.index)
    assert set(events["action"]) <= set(schema.CASE_ACTIONS)
    events = events.sort_values(["case_id", "seq"])
    per_case = events.groupby("case_id")
    assert (per_case["seq"].transform(lambda s: (s == np.arange(1, len(s) + 1)).all())).all(), "seq not 1..n"
    assert (per_case["at"].diff().dropna() >= pd.Timedelta(0)).all(), "events out of time order"
    first = per_case.first()
    assert (first["action"] == "receive").all()
    assert (first["at"] == cases.loc[first.index, "received_at"]).all()
    # A reopened case is closed once per round (data contract: the reopen is in the log, the final
    # closure in the timestamps), so the latest close is closed_at and there is one per finished round.
    closes = events[events["action"] == "close"].groupby("case_id")["at"]
    closed = cases["closed_at"].dropna()
    assert (closes.max().reindex(closed.index) == closed).all()
    rounds = cases["closed_at"].notna().astype(int) + cases["reopen_count"]
    assert (closes.size().reindex(cases.index, fill_value=0) == rounds).all()
    assert (cases["reopen_count"] > 0).any(), "no case went round the loop twice"


# -- alerts ----------------------------------------------------------------------------------

def test_all_alert_types_and_severities(tables):
    alerts = tables["alert"]
    assert set(alerts["type"]) == set(schema.ALERT_TYPES)
    assert set(alerts["severity"]) == {1, 2, 3, 4}
    assert set(alerts["status"]) <= set(schema.ALERT_STATUSES)


def test_alert_timestamps_and_links(tables, as_of):
    alerts, devices = tables["alert"], tables["device"].set_index("id")
    ack, res = alerts["acknowledged_at"], alerts["resolved_at"]
    assert (alerts.loc[ack.notna(), "raised_at"] <= ack.dropna()).all()
    assert (ack[res.notna()].notna()).all() and (ack[res.notna()] <= res.dropna()).all()
    assert (alerts[["raised_at", "acknowledged_at", "resolved_at"]].max(axis=1) <= as_of).all()
    expected = np.where(res.notna(), "resolved", np.where(ack.notna(), "acknowledged", "active"))
    assert (alerts["status"] == expected).all()
    deadline = pd.to_timedelta(alerts["severity"].map(ACK_DEADLINE_MIN), unit="min")
    assert ((alerts["ack_due_at"] - alerts["raised_at"]) == deadline).all()
    # every alert comes from a device of its type in its grid
    dev = devices.loc[alerts["device_id"]]
    assert (dev["type"].to_numpy() == alerts["type"].to_numpy()).all()
    assert (dev["grid_code"].to_numpy() == alerts["grid_code"].to_numpy()).all()
    # serious alerts open a sensor case in the same grid
    linked = alerts.dropna(subset=["case_id"])
    assert len(linked) > 0
    cases = tables["case_record"].set_index("id").loc[linked["case_id"].astype(int)]
    assert (cases["source"] == "sensor").all()
    assert (cases["grid_code"].to_numpy() == linked["grid_code"].to_numpy()).all()
    assert (linked["severity"] <= 2).all()


# -- participation ---------------------------------------------------------------------------

def test_points_ledger_signs_and_links(tables):
    ledger = tables["points_ledger"]
    assert set(ledger["entry_type"]) == {"earn", "redeem"}
    earn, redeem = ledger[ledger["entry_type"] == "earn"], ledger[ledger["entry_type"] == "redeem"]
    assert (earn["delta"] > 0).all() and (redeem["delta"] < 0).all()
    assert earn["activity_id"].notna().all() and earn["venue_id"].isna().all()
    assert redeem["venue_id"].notna().all() and redeem["activity_id"].isna().all()
    venues = tables["venue"].set_index("id")
    assert (venues.loc[redeem["venue_id"].astype(int), "kind"] == "redemption").all()
    # earned points match the activity's points_each
    acts = tables["activity"].set_index("id")
    assert (earn["delta"].to_numpy() == acts.loc[earn["activity_id"].astype(int), "points_each"].to_numpy()).all()
    assert len(earn) == acts["participants"].sum()


def test_activities_and_votes_are_consistent(tables, as_of):
    acts, votes = tables["activity"], tables["vote"]
    assert set(acts["kind"]) <= set(schema.ACTIVITY_KINDS)
    assert (acts["starts_at"] < acts["ends_at"]).all() and (acts["ends_at"] <= as_of).all()
    assert set(tables["venue"]["kind"]) == set(schema.VENUE_KINDS)
    cast = votes[["ballots_yes", "ballots_no", "ballots_abstain"]]
    assert (cast >= 0).all().all() and (cast.sum(axis=1) <= votes["eligible"]).all()
    assert (votes["opens_at"] < votes["closes_at"]).all()


# -- build_units on other shapes of city -----------------------------------------------------

@pytest.mark.parametrize("seed", [3, 11])
def test_build_units_nests_for_a_denser_city(seed):
    preset = dataclasses.replace(SMALL, max_streets=2, max_communities_per_street=3, grids_urban=9, grids_rural=6)
    units = build_units(preset, seed)
    assert units.units["level"].value_counts().to_dict() == {"city": 1, "street": 2, "community": 6}
    grids = units.grids
    assert len(grids) >= 6 * 2 and grids["code"].is_unique
    for community, g in grids.groupby("community_code"):
        serials = [int(c[12:]) for c in g["code"]]
        assert all(c.startswith(community) for c in g["code"]) and serials == list(range(1, len(g) + 1))
        outline = units.geometry[community]
        parts = [units.geometry[c] for c in g["code"]]
        assert sum(p.area for p in parts) == pytest.approx(outline.area, rel=0.005)
        assert all(outline.buffer(TOL_DEG).covers(p) for p in parts)
    # the anchor points facts are placed on lie inside their grid
    for i, code in enumerate(grids["code"]):
        pts = units.anchors[i]
        assert shapely.contains_xy(units.geometry[code].buffer(TOL_DEG), pts[:, 0], pts[:, 1]).all(), code


# -- determinism -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rebuilt():
    """The small city built again, in this process, with the fixture's seed and another."""
    return {seed: build_frames("small", seed) for seed in (1, 2)}


def test_same_seed_gives_identical_tables(rebuilt, small_demo):
    assert small_demo.seed == 1
    again, _ = build_frames("small", 1)
    first, _ = rebuilt[1]
    assert list(first) == list(again)
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name], check_exact=True, obj=name)


def test_same_seed_gives_identical_geojson(rebuilt, small_demo, tmp_path):
    _, units = rebuilt[1]
    write_geo(units, tmp_path / "geo")
    ours = sorted(p.relative_to(small_demo.geo_dir) for p in small_demo.geo_dir.rglob("*.geojson"))
    theirs = sorted(p.relative_to(tmp_path / "geo") for p in (tmp_path / "geo").rglob("*.geojson"))
    assert ours == theirs and ours
    for rel in ours:
        assert (small_demo.geo_dir / rel).read_bytes() == (tmp_path / "geo" / rel).read_bytes(), rel


def test_another_seed_gives_another_city(rebuilt, tmp_path):
    (one, units_one), (two, units_two) = rebuilt[1], rebuilt[2]
    # the real part stays: the same units, names and codes
    pd.testing.assert_frame_equal(one["admin_unit"][["code", "name", "level", "parent_code"]],
                                  two["admin_unit"][["code", "name", "level", "parent_code"]])
    # the synthetic part changes
    for name in ("case_record", "alert", "population_stat", "points_ledger"):
        assert not one[name].equals(two[name]), f"{name} identical for seeds 1 and 2"
    street = one["admin_unit"].query("level == 'street'")["code"].iloc[0]
    assert not units_one.geometry[street].equals(units_two.geometry[street])
    write_geo(units_one, tmp_path / "one")
    write_geo(units_two, tmp_path / "two")
    assert (tmp_path / "one" / "units.geojson").read_bytes() != (tmp_path / "two" / "units.geojson").read_bytes()


def digest(frames: dict, units: object) -> str:
    """SHA-256 over every table (as CSV) and every boundary (as WKB), in a fixed order."""
    h = hashlib.sha256()
    for name in sorted(frames):
        h.update(name.encode())
        h.update(frames[name].to_csv(index=False).encode())
    for code in sorted(units.geometry):
        h.update(code.encode())
        h.update(units.geometry[code].wkb)
    return h.hexdigest()


DIGEST = """
import sys
from cockpit.tools.demo.build import build_frames
from tests.integration.test_demo import digest
print(digest(*build_frames(sys.argv[1], int(sys.argv[2]))))
"""


def _digest_in_subprocess(seed: int, hash_seed: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    env["PYTHONHASHSEED"] = hash_seed
    return subprocess.Popen([sys.executable, "-c", DIGEST, "small", str(seed)], cwd=PROJECT_DIR, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_build_is_deterministic_across_processes(rebuilt):
    """Set or dict order that depends on Python's hash seed would show up here, not in one process."""
    procs = [_digest_in_subprocess(1, "1"), _digest_in_subprocess(1, "4242"), _digest_in_subprocess(2, "1")]
    digests = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        digests.append(out.strip())
    assert len(digests[0]) == 64
    assert digests[0] == digests[1] == digest(*rebuilt[1])
    assert digests[2] != digests[0]
