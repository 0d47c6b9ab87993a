"""The SQL layer against an independent pandas oracle on the small demo database."""

import sqlite3
from datetime import datetime

import pandas as pd
import pytest

from cockpit import queries
from cockpit.core.model import Window, compute_windows
from cockpit.domain.hierarchy import Tree, child_level, grid_unit
from cockpit.store.engine import make_engine


@pytest.fixture(scope="module")
def env(small_demo):
    engine = make_engine(small_demo.db_url)
    tree = Tree.from_frame(queries.fetch_units(engine))
    con = sqlite3.connect(small_demo.db_path)
    frames = {name: pd.read_sql(f"select * from {name}", con) for name in ("case_record", "alert", "points_ledger", "population_stat", "grid")}
    for frame in frames.values():
        for col in frame.columns:
            if col.endswith("_at") or col in ("at",):
                frame[col] = pd.to_datetime(frame[col])
    con.close()
    end = queries.fetch_data_end(engine)
    window = compute_windows(end, 30)[0]
    return engine, tree, frames, window


def _units(tree, engine):
    street = tree.children(tree.root.code).iloc[0]["code"]
    community = tree.children(street).iloc[0]["code"]
    grid = queries.fetch_grids(engine, community).iloc[0].to_dict()
    return [tree.root, tree.unit(street), tree.unit(community), grid_unit(grid)]


def _in(frame, unit):
    lo, hi = unit.grid_range
    return frame[(frame["grid_code"] >= lo) & (frame["grid_code"] < hi)]


def test_case_stats_match_pandas(env):
    engine, tree, frames, w = env
    for unit in _units(tree, engine):
        got = queries.fetch_case_stats(engine, unit, w)
        c = _in(frames["case_record"], unit)
        c = c[c["received_at"] < w.end]
        is_open = c["closed_at"].isna() | (c["closed_at"] >= w.end)
        received = c[(c["received_at"] >= w.start)]
        resolved = c[(c["resolved_at"] >= w.start) & (c["resolved_at"] < w.end)]
        visited = c[(c["visited_at"] >= w.start) & (c["visited_at"] < w.end)]
        rated = visited[visited["satisfaction"].notna()]
        want = {
            "open": int(is_open.sum()),
            "overdue": int((is_open & (c["due_at"] < w.end)).sum()),
            "received": len(received),
            "closed": int(((c["closed_at"] >= w.start) & (c["closed_at"] < w.end)).sum()),
            "resolved": len(resolved),
            "resolved_on_time": int((resolved["resolved_at"] <= resolved["due_at"]).sum()),
            "resolved_low_tier": int(resolved["resolved_tier"].isin(["grid", "community"]).sum()),
            "rated": len(rated),
            "satisfied": int((rated["satisfaction"] >= 4).sum()),
        }
        assert got == want, unit.code  # every key: a new figure without an oracle fails here
        assert want["rated"] > want["satisfied"] > 0 or unit.level == "grid", (unit.code, want)


def test_alert_and_points_stats_match_pandas(env):
    engine, tree, frames, w = env
    for unit in _units(tree, engine):
        a = _in(frames["alert"], unit)
        a = a[a["raised_at"] < w.end]
        active = a[a["resolved_at"].isna() | (a["resolved_at"] >= w.end)]
        raised = a[a["raised_at"] >= w.start]
        got = queries.fetch_alert_stats(engine, unit, w)
        assert got == {
            **{f"active_s{s}": int((active["severity"] == s).sum()) for s in (1, 2, 3, 4)},
            "active": len(active),
            "raised": len(raised),
            "ack_on_time": int((raised["acknowledged_at"] <= raised["ack_due_at"]).sum()),
        }, unit.code
        p = _in(frames["points_ledger"], unit)
        p = p[(p["at"] >= w.start) & (p["at"] < w.end)]
        assert queries.fetch_points_stats(engine, unit, w) == {
            "earned": int(p.loc[p["entry_type"] == "earn", "delta"].sum()),
            "redeemed": -int(p.loc[p["entry_type"] == "redeem", "delta"].sum()),
            "participants": p["participant_ref"].nunique(),
        }, unit.code


def test_child_metrics_sum_to_parent(env):
    engine, tree, frames, w = env
    for unit in _units(tree, engine)[:3]:
        level = child_level(tree, unit)
        child = queries.fetch_child_metrics(engine, unit, level, w)
        assert child["open_cases"].sum() == queries.fetch_case_stats(engine, unit, w)["open"]
        assert child["population"].sum() == queries.fetch_population(engine, unit, w.end)["population"]
        assert child["active_alerts"].sum() == queries.fetch_alert_stats(engine, unit, w)["active"]
        expected_len = {"street": 12, "community": 12, "grid": 15}[level]
        assert len(child) > 0 and all(len(code) == expected_len for code in child.index), (unit.code, level)


def test_population_uses_latest_snapshot(env):
    engine, tree, frames, w = env
    p = frames["population_stat"]
    latest = p[p["as_of"] == p["as_of"].max()]
    got = queries.fetch_population(engine, tree.root, w.end)
    assert got["registered"] == latest["registered"].sum()
    assert got["elderly_alone"] == latest["elderly_alone"].sum()


def test_daily_series_cover_the_window(env):
    engine, tree, frames, w = env
    daily = queries.fetch_daily(engine, tree.root, w)
    assert len(daily) == (w.end - w.start).days
    c = frames["case_record"]
    assert daily["cases_received"].sum() == ((c["received_at"] >= w.start) & (c["received_at"] < w.end)).sum()


def test_points_layers_are_inside_the_unit(env):
    engine, tree, frames, w = env
    shown = 0
    for code in tree.children(tree.root.code)["code"]:
        unit = tree.unit(code)
        alerts = queries.fetch_active_alerts(engine, unit, w.end)
        lo, hi = unit.grid_range
        assert alerts["grid_code"].between(lo, hi, inclusive="left").all()
        a = _in(frames["alert"], unit)
        active = a[(a["raised_at"] < w.end) & (a["resolved_at"].isna() | (a["resolved_at"] >= w.end))]
        assert sorted(alerts["id"]) == sorted(active["id"]), code  # every active alert of the unit, and only those
        shown += len(alerts)
        assert not queries.fetch_venues(engine, unit).empty
    assert shown > 0, "no active alert in any street: the checks above ran on empty frames"


def test_empty_window_gives_zeros(env):
    engine, tree, _frames, _w = env
    w = Window(datetime(2001, 1, 1), datetime(2001, 2, 1))
    assert queries.fetch_case_stats(engine, tree.root, w)["received"] == 0
    assert queries.fetch_points_stats(engine, tree.root, w)["earned"] == 0
