"""Rollups must answer exactly what the facts answer, for every unit above the grid and every window."""

import shutil

import pandas as pd
import pytest

from cockpit import queries
from cockpit.core.model import Window
from cockpit.domain.hierarchy import Tree, child_level
from cockpit.queries import rollup as rollup_reads
from cockpit.store import rollup
from cockpit.store.engine import make_engine
from cockpit.store.schema import meta


@pytest.fixture(scope="module")
def env(small_demo):
    engine = make_engine(small_demo.db_url)
    tree = Tree.from_frame(queries.fetch_units(engine))
    end = queries.fetch_data_end(engine)
    return engine, tree, end


def _units(tree):
    units = [tree.root]
    for street in tree.children(tree.root.code)["code"]:
        units.append(tree.unit(street))
        units.extend(tree.unit(c) for c in tree.children(street)["code"].iloc[:2])
    return units


def test_demo_builds_fresh_rollups(env):
    engine, _tree, end = env
    assert rollup_reads.rollup_is_fresh(engine, end)


def test_stats_equal_raw(env):
    """Every figure, key for key: the rollups answer exactly the questions the facts answer, no fewer."""
    engine, tree, end = env
    windows = rollup.standard_windows(end)
    assert len(windows) >= 10
    units = _units(tree)
    assert {u.level for u in units} == {"city", "street", "community"} and len(units) >= 7
    nonzero: set[str] = set()  # keys that were not 0 somewhere: equal zeros alone would prove nothing
    for unit in units:
        for w in windows:
            rolled, raw = rollup_reads.fetch_case_stats(engine, unit, w), queries.fetch_case_stats(engine, unit, w)
            assert sorted(rolled) == sorted(raw), (unit.code, w)
            assert rolled == raw, (unit.code, w)
            raw_alerts, raw_points = queries.fetch_alert_stats(engine, unit, w), queries.fetch_points_stats(engine, unit, w)
            assert rollup_reads.fetch_alert_stats(engine, unit, w) == raw_alerts, (unit.code, w)
            assert rollup_reads.fetch_points_stats(engine, unit, w) == raw_points, (unit.code, w)
            cases, alerts, points = rollup_reads.fetch_window_stats(engine, unit, w)  # the app's one-read path
            assert (cases, alerts, points) == (raw, raw_alerts, raw_points), (unit.code, w)
            nonzero |= {f"cases.{k}" for k, v in raw.items() if v} | {f"alerts.{k}" for k, v in raw_alerts.items() if v}
            nonzero |= {f"points.{k}" for k, v in raw_points.items() if v}
    wanted = {f"cases.{k}" for k in raw} | {"alerts.active", "alerts.raised", "alerts.ack_on_time"} | \
        {f"points.{k}" for k in raw_points}
    assert wanted <= nonzero, f"never anything but 0: {sorted(wanted - nonzero)}"


def test_breakdowns_equal_raw(env):
    engine, tree, end = env
    compared = {"daily": 0, "tiers": 0, "children": 0}  # non-empty answers compared: empty == empty proves nothing
    for unit in _units(tree):
        level = child_level(tree, unit)
        for w in rollup.standard_windows(end)[:4]:
            daily = queries.fetch_daily(engine, unit, w)
            pd.testing.assert_frame_equal(rollup_reads.fetch_daily(engine, unit, w), daily)
            compared["daily"] += int(daily["cases_received"].sum() > 0)
            r = rollup_reads.fetch_tier_breakdown(engine, unit, w).sort_values("tier").reset_index(drop=True)
            q = queries.fetch_tier_breakdown(engine, unit, w).sort_values("tier").reset_index(drop=True)
            assert r.to_dict("list") == q.to_dict("list")
            compared["tiers"] += int(len(q) > 0)
            if level != "grid":
                raw = queries.fetch_child_metrics(engine, unit, level, w)
                rolled = rollup_reads.fetch_child_metrics(engine, unit, level, w, queries.fetch_child_population(engine, unit, level, w.end))
                codes = sorted(set(raw.index) | set(rolled.index))
                pd.testing.assert_frame_equal(rolled.reindex(codes).fillna(0), raw.reindex(codes).fillna(0))
                compared["children"] += int(len(raw) > 0)
    assert all(compared.values()), compared


def test_unusual_window_falls_back(env):
    engine, tree, end = env
    w = Window(pd.Timestamp(end).normalize().to_pydatetime() - pd.Timedelta(days=11), pd.Timestamp(end).normalize().to_pydatetime())
    assert rollup_reads.fetch_points_stats(engine, tree.root, w) is None


def test_stale_rollup_is_not_used(small_demo, tmp_path):
    copy = tmp_path / "copy.sqlite"
    shutil.copy(small_demo.db_path, copy)
    writer = make_engine(f"sqlite:///{copy}", read_only=False)
    with writer.begin() as conn:
        conn.execute(meta.update().where(meta.c.key == rollup.ROLLUP_KEY).values(value="2001-01-01 00:00:00"))
    reader = make_engine(f"sqlite:///{copy}")
    end = queries.fetch_data_end(reader)
    assert not rollup_reads.rollup_is_fresh(reader, end)
    rollup.refresh_rollups(writer)  # the command brings it back
    assert rollup_reads.rollup_is_fresh(reader, end)


def test_no_rollup_tables_means_not_fresh(tmp_path):
    from cockpit.store.schema import metadata

    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}", read_only=False)
    metadata.create_all(engine)
    assert not rollup_reads.rollup_is_fresh(engine, pd.Timestamp("2026-10-31").to_pydatetime())
