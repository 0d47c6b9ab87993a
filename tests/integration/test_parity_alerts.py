"""Engine parity of the alerts page's queries: the same small demo on PostgreSQL and MariaDB answers as SQLite.

For every sampled unit (city to grid) and the 7-, 30- and 365-day periods (with their previous and last
year windows), unfiltered and with a type and a severity filter. The minute arithmetic of
fetch_response_minutes is where engines would part (integer division, EXTRACT), so its frames are
compared whole, not only their totals.
"""

from __future__ import annotations

import pandas as pd
import pytest
from parity import Diffs, compare_per_unit_window, plain, window_label

from cockpit import queries
from cockpit.domain.hierarchy import child_level

pytestmark = pytest.mark.servers

COMPARED = {"facts": {
    "fetch_active_counts", "fetch_alert_cases", "fetch_alert_daily", "fetch_device_hotspots", "fetch_grid_baselines",
    "fetch_grid_hotspots", "fetch_response_minutes", "fetch_severity_stats", "fetch_units_with_alerts",
}}
FILTERS = [(None, None), ("smoke_fire", None), (None, 2)]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Driver values in one vocabulary (Decimal, numpy) and a clean index, for an exact comparison."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(plain)
    return out.reset_index(drop=True)


def _frames(server_db, reference, name: str, fetch, sort: list[str] | None = None, windows=None) -> None:
    diffs = Diffs(server_db)
    compared = 0
    for unit in reference.sample.units:
        for w in windows or reference.sample.windows:
            for kind, severity in FILTERS:
                got = fetch(server_db.engine, unit, w, kind, severity)
                want = fetch(reference.engine, unit, w, kind, severity)
                if sort:
                    got, want = got.sort_values(sort), want.sort_values(sort)
                where = f"{name} {reference.sample.label(unit)} {window_label(w)} type={kind} severity={severity}"
                diffs.frames(where, _plain(got), _plain(want), exact=False)
                compared += len(want)
    diffs.check()
    assert compared > 0, f"{name}: only empty frames were compared"


def test_response_minutes_are_equal(server_db, reference):
    _frames(server_db, reference, "fetch_response_minutes", queries.fetch_response_minutes,
            windows=reference.sample.current)


def test_rolled_response_minutes_are_equal(server_db, reference):
    """With `rolled=True` (rollup_alert_response for a city without a type filter, else the facts)."""
    _frames(server_db, reference, "rolled fetch_response_minutes",
            lambda e, u, w, k, s: queries.fetch_response_minutes(e, u, w, k, s, rolled=True),
            windows=reference.sample.current)


def test_rolled_severity_stats_and_alert_cases_are_equal(server_db, reference):
    """With `rolled=True` (rollup_alert_window for a city, any filter), on each server as on SQLite."""
    def both(e, u, w, k, s):
        stats = queries.fetch_severity_stats(e, u, w, k, s, rolled=True)
        cases = queries.fetch_alert_cases(e, u, w, k, s, rolled=True)
        return pd.concat([stats.assign(kind="severity"), cases.assign(kind="type")], ignore_index=True)

    _frames(server_db, reference, "rolled fetch_severity_stats+fetch_alert_cases", both)


def test_severity_stats_are_equal(server_db, reference):
    _frames(server_db, reference, "fetch_severity_stats", queries.fetch_severity_stats)


def test_alert_cases_are_equal(server_db, reference):
    _frames(server_db, reference, "fetch_alert_cases", queries.fetch_alert_cases)


def test_alert_daily_is_equal(server_db, reference):
    _frames(server_db, reference, "fetch_alert_daily", queries.fetch_alert_daily)


def test_grid_baselines_are_equal(server_db, reference):
    _frames(server_db, reference, "fetch_grid_baselines",
            lambda e, u, w, k, s: queries.fetch_grid_baselines(e, u, w, k, s, min_alerts=1))


def test_hotspots_are_equal(server_db, reference):
    """Top grids and devices: the same rows in the same order (ties broken by code or id), and the same totals."""
    def both(e, u, w, k, s):
        grids, n_grids = queries.fetch_grid_hotspots(e, u, w, 5, k, s)
        devices, n_devices = queries.fetch_device_hotspots(e, u, w, 5, k, s)
        return pd.concat([grids.assign(kind="grid", total=n_grids), devices.assign(kind="device", total=n_devices)],
                         ignore_index=True)

    _frames(server_db, reference, "fetch_grid_hotspots+fetch_device_hotspots", both, windows=reference.sample.current)


def test_rolled_hotspots_and_baselines_are_equal(server_db, reference):
    """With `rolled=True` (rollup_grid_window unfiltered, the facts with a filter), on each server as on SQLite."""
    def both(e, u, w, k, s):
        grids, n_grids = queries.fetch_grid_hotspots(e, u, w, 5, k, s, rolled=True)
        base = queries.fetch_grid_baselines(e, u, w, k, s, min_alerts=1, rolled=True)
        return pd.concat([grids.assign(kind="top", total=n_grids), base.assign(kind="baseline")], ignore_index=True)

    _frames(server_db, reference, "rolled fetch_grid_hotspots+fetch_grid_baselines", both, windows=reference.sample.current)


def test_active_counts_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    for unit in reference.sample.units:
        for end in sorted({w.end for w in reference.sample.windows}):
            diffs.frames(f"fetch_active_counts {reference.sample.label(unit)} at {end:%Y-%m-%d}",
                         _plain(queries.fetch_active_counts(server_db.engine, unit, end)),
                         _plain(queries.fetch_active_counts(reference.engine, unit, end)))
    diffs.check()


def test_filtered_active_alerts_are_equal(server_db, reference):
    """fetch_active_alerts with the page's filters (its unfiltered parity is in test_parity.py)."""
    diffs = Diffs(server_db)
    for unit in reference.sample.units:
        for kind, severity in FILTERS[1:]:
            got = queries.fetch_active_alerts(server_db.engine, unit, reference.sample.end, 50, kind, severity)
            want = queries.fetch_active_alerts(reference.engine, unit, reference.sample.end, 50, kind, severity)
            diffs.frames(f"fetch_active_alerts {reference.sample.label(unit)} type={kind} severity={severity}",
                         _plain(got), _plain(want), exact=False)
    diffs.check()


def test_units_with_alerts_are_equal(server_db, reference):
    def count(e, unit, w):
        level = "community" if unit.level in ("city", "district", "street") else "grid"
        return {f"{k}/{s}": queries.fetch_units_with_alerts(e, unit, level, w, k, s) for k, s in FILTERS}

    compare_per_unit_window(server_db, reference, count)
    assert child_level(reference.tree, reference.tree.root) is not None
