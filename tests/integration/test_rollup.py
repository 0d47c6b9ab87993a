"""Rollups must answer exactly what the facts answer, for every unit above the grid and every window."""

import shutil

import pandas as pd
import pytest

from cockpit import queries
from cockpit.core.model import Window, range_windows
from cockpit.domain.hierarchy import Tree, child_level
from cockpit.queries import alerts as alert_queries
from cockpit.queries import rollup as rollup_reads
from cockpit.queries.grids import grid_window_rolled
from cockpit.store.engine import make_engine
from cockpit.store.rollup.refresh import refresh_rollups
from cockpit.store.rollup.tables import ROLLUP_KEY, standard_windows
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
    windows = standard_windows(end)
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
        for w in standard_windows(end)[:4]:
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


def test_custom_ranges_are_answered_as_the_facts_answer(env):
    """A custom period (#23): the daily rollups answer its cases and alerts, the facts its participants, the same
    figures as the facts alone; across a month end, and a week that is no standard window."""
    engine, tree, end = env
    last = end.date()
    month_end = last.replace(day=1) - pd.Timedelta(days=1)
    ranges = [(month_end - pd.Timedelta(days=4), month_end + pd.Timedelta(days=3)),  # across a month end
              (last - pd.Timedelta(days=16), last - pd.Timedelta(days=10))]
    nonzero = 0
    for first, final in ranges:
        for w in range_windows(first, final)[:2]:  # the range and the one before it
            for unit in _units(tree)[:4]:
                cases, alerts, points = rollup_reads.fetch_window_stats(engine, unit, w)
                assert points is None  # no per-window participants for it: the app reads the facts
                assert cases == queries.fetch_case_stats(engine, unit, w), (unit.code, w)
                assert alerts == queries.fetch_alert_stats(engine, unit, w), (unit.code, w)
                pd.testing.assert_frame_equal(rollup_reads.fetch_daily(engine, unit, w), queries.fetch_daily(engine, unit, w))
                nonzero += int(cases["received"] > 0)
    assert nonzero


def test_unusual_window_falls_back(env):
    engine, tree, end = env
    w = Window(pd.Timestamp(end).normalize().to_pydatetime() - pd.Timedelta(days=11), pd.Timestamp(end).normalize().to_pydatetime())
    assert rollup_reads.fetch_points_stats(engine, tree.root, w) is None


def test_stale_rollup_is_not_used(small_demo, tmp_path):
    copy = tmp_path / "copy.sqlite"
    shutil.copy(small_demo.db_path, copy)
    writer = make_engine(f"sqlite:///{copy}", read_only=False)
    with writer.begin() as conn:
        conn.execute(meta.update().where(meta.c.key == ROLLUP_KEY).values(value="2001-01-01 00:00:00"))
    reader = make_engine(f"sqlite:///{copy}")
    end = queries.fetch_data_end(reader)
    assert not rollup_reads.rollup_is_fresh(reader, end)
    refresh_rollups(writer)  # the command brings it back
    assert rollup_reads.rollup_is_fresh(reader, end)


def test_no_rollup_tables_means_not_fresh(tmp_path):
    from cockpit.store.schema import metadata

    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}", read_only=False)
    metadata.create_all(engine)
    assert not rollup_reads.rollup_is_fresh(engine, pd.Timestamp("2026-10-31").to_pydatetime())


CASE_FILTERS = ({}, {"categories": ("C0401", "C0402", "C0403", "C0404", "C04")}, {"source": "hotline"},
                {"categories": ("C0101", "C0102", "C0103", "C01"), "source": "patrol"})


@pytest.mark.parametrize("name", ["cohort", "workload"])
def test_case_window_rollups_equal_raw(env, name):
    """The cases page's cohort and workload from the per-window rollups: the facts' frames, cell for cell."""
    engine, tree, end = env
    rolled_fetch = getattr(queries, f"fetch_rolled_case_{name}")
    fact_fetch = getattr(queries, f"fetch_case_{name}")
    units = [tree.root, *[tree.unit(c) for c in tree.units.index[tree.units["level"] == "district"]]]
    compared = 0
    for unit in units:
        for w in standard_windows(end):
            for level in (None, child_level(tree, unit)):
                for f in CASE_FILTERS:
                    rolled = rolled_fetch(engine, unit, w, level, **f)
                    assert rolled is not None, (unit.code, w, level, f)
                    pd.testing.assert_frame_equal(rolled, fact_fetch(engine, unit, w, level, **f), check_exact=True)
                    compared += int(len(rolled) > 0)
    assert compared > 20


def test_case_window_rollups_decline_what_they_cannot_answer(env):
    """Below a district, children finer than streets, or a window that is not pre-computed: None (read the facts)."""
    engine, tree, end = env
    w = standard_windows(end)[0]
    street = tree.unit(tree.children(tree.root.code)["code"].iloc[0])
    odd = Window(w.start - pd.Timedelta(days=3), w.end)
    for unit, level, window in ((street, None, w), (street, "community", w), (tree.root, "community", w),
                                (tree.root, None, odd)):
        assert queries.fetch_rolled_case_cohort(engine, unit, window, level) is None, (unit.code, level)
        assert queries.fetch_rolled_case_workload(engine, unit, window, level) is None, (unit.code, level)


def test_points_series_rollup_equals_raw(env):
    engine, tree, end = env
    units = [tree.root, *[tree.unit(c) for c in tree.units.index[tree.units["level"] == "district"]]]
    compared = 0
    for unit in units:
        for w in standard_windows(end):
            rolled = queries.fetch_rolled_points_series(engine, unit, w)
            pd.testing.assert_frame_equal(rolled, queries.fetch_points_series(engine, unit, w), check_exact=True)
            compared += int(len(rolled) > 0 and (rolled["kind"] == "redeemed").any())
    assert compared > 3
    street = tree.unit(tree.children(tree.root.code)["code"].iloc[0])
    assert queries.fetch_rolled_points_series(engine, street, standard_windows(end)[0]) is None


@pytest.mark.parametrize("sort", ["points_earned", "grid_share"])
@pytest.mark.parametrize("descending", [True, False])
def test_grid_ranking_from_the_rollup_equals_raw(env, sort, descending):
    """The grids page ranked by a window figure: the rollup's ranking and figures are the facts'."""
    engine, tree, end = env
    street = tree.unit(tree.children(tree.root.code)["code"].iloc[0])
    community = tree.unit(tree.children(street.code)["code"].iloc[0])
    for unit in (tree.root, street, community):
        for w in standard_windows(end):
            for limit in (5, 50, 100000):
                rolled = queries.fetch_grid_table(engine, unit, w, sort, descending, limit, rolled=True)
                raw = queries.fetch_grid_table(engine, unit, w, sort, descending, limit)
                pd.testing.assert_frame_equal(rolled[0], raw[0], check_exact=True)
                assert rolled[1] == raw[1]
    odd = Window(w.start - pd.Timedelta(days=3), w.end)
    assert not grid_window_rolled(engine, odd) and grid_window_rolled(engine, w)


def test_alert_hotspots_and_baselines_from_the_rollup_equal_raw(env):
    """The alerts page's grid hotspots and 12-week baselines from rollup_grid_window: the facts' answers."""
    engine, tree, end = env
    street = tree.unit(tree.children(tree.root.code)["code"].iloc[0])
    community = tree.unit(tree.children(street.code)["code"].iloc[0])
    compared = 0
    for unit in (tree.root, street, community):
        for w in standard_windows(end):
            for limit in (3, 20, 100000):
                rolled = queries.fetch_grid_hotspots(engine, unit, w, limit, rolled=True)
                raw = queries.fetch_grid_hotspots(engine, unit, w, limit)
                pd.testing.assert_frame_equal(rolled[0], raw[0], check_exact=True)
                assert rolled[1] == raw[1], (unit.code, w, limit)
            for min_alerts in (1, 3):
                rolled = queries.fetch_grid_baselines(engine, unit, w, min_alerts=min_alerts, rolled=True)
                pd.testing.assert_frame_equal(rolled, queries.fetch_grid_baselines(engine, unit, w, min_alerts=min_alerts),
                                              check_exact=True)
                compared += int(len(rolled) > 0)
    assert compared > 5


def test_alert_response_minutes_from_the_rollup_equal_raw(env):
    """The alerts page's response-time distribution from rollup_alert_response: the facts' answer, with and
    without a severity filter; a type filter and a unit below the district read the facts."""
    engine, tree, end = env
    street = tree.unit(tree.children(tree.root.code)["code"].iloc[0])
    compared = 0
    for w in standard_windows(end):
        for severity in (None, 1, 4):
            rolled = queries.fetch_response_minutes(engine, tree.root, w, severity=severity, rolled=True)
            raw = queries.fetch_response_minutes(engine, tree.root, w, severity=severity)
            pd.testing.assert_frame_equal(rolled, raw, check_exact=True)
            compared += int(rolled["alerts"].sum() > 0)
        pd.testing.assert_frame_equal(queries.fetch_response_minutes(engine, street, w, rolled=True),
                                      queries.fetch_response_minutes(engine, street, w), check_exact=True)
    assert compared > 10
    # The rollup was read, not skipped: a city in a standard window takes it, a street or a type filter not.
    w = standard_windows(end)[0]
    assert alert_queries._rolled_response(engine, tree.root, w, None, 2) is not None
    assert alert_queries._rolled_response(engine, street, w, None, None) is None
    assert alert_queries._rolled_response(engine, tree.root, w, "gas", None) is None


def test_alert_severity_and_type_counts_from_the_rollup_equal_raw(env):
    """The alerts page's per-severity counts and alerts-to-cases per type from rollup_alert_window: the
    facts' answers, with every filter the page has (both are keys); a street reads the facts."""
    engine, tree, end = env
    street = tree.unit(tree.children(tree.root.code)["code"].iloc[0])
    types = sorted({t for (t,) in alert_queries.rows(engine, alert_queries.select(alert_queries.alert.c.type).distinct())})
    compared = 0
    for w in standard_windows(end):
        for kind, severity in [(None, None), (types[0], None), (None, 2), (types[-1], 1)]:
            for fetch in (queries.fetch_severity_stats, queries.fetch_alert_cases):
                rolled = fetch(engine, tree.root, w, kind, severity, rolled=True)
                pd.testing.assert_frame_equal(rolled, fetch(engine, tree.root, w, kind, severity), check_exact=True)
                compared += int(len(rolled) > 0)
    assert compared > 40
    w = standard_windows(end)[0]
    assert alert_queries._rolled_alert_window(engine, tree.root, w, types[0], 3, "type", ["raised"]) is not None
    assert alert_queries._rolled_alert_window(engine, street, w, None, None, "type", ["raised"]) is None
