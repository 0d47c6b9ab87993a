"""Engine parity of the participation page's queries on PostgreSQL and MariaDB against SQLite.

The small demo on each server (``server_db``) and on SQLite (``reference``); every sampled unit at
every tier and every window of tests/integration/parity.py. Frames are compared cell by cell (a
frame's row order is part of the answer where the query orders; the others are sorted by it).
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from parity import compare_per_unit_window, plain

from cockpit import queries
from cockpit.core.model import Window
from cockpit.domain.hierarchy import child_level

pytestmark = pytest.mark.servers

COMPARED = {"facts": {"fetch_points_series", "fetch_child_participants", "fetch_venue_use", "fetch_activity_stats",
                      "fetch_rolled_child_participants", "fetch_rolled_top_communities", "fetch_rolled_points_series",
                      "fetch_votes", "fetch_top_communities"}}


def _cells(name: str, frame: pd.DataFrame | pd.Series) -> dict:
    frame = frame.to_frame() if isinstance(frame, pd.Series) else frame
    out = {f"{name} {i}:{col}": None if pd.isna(v) else plain(v) for i, row in frame.iterrows() for col, v in row.items()}
    return out | {f"{name} rows": len(frame)}


@pytest.mark.parametrize("name", ["fetch_points_series", "fetch_venue_use", "fetch_activity_stats", "fetch_votes",
                                  "fetch_top_communities"])
def test_unit_window_queries_are_equal(server_db, reference, name):
    fetch = getattr(queries, name)
    compare_per_unit_window(server_db, reference, lambda e, u, w: _cells(name, fetch(e, u, w)))


def test_child_participants_are_equal(server_db, reference):
    def fetch(e, u, w) -> dict:
        level = child_level(reference.tree, u) or "grid"
        target = reference.tree.unit(u.parent_code) if u.level == "grid" else u  # a grid: among its siblings
        return _cells("fetch_child_participants", queries.fetch_child_participants(e, target, level, w))

    compare_per_unit_window(server_db, reference, fetch)


def _rolled_or_none(frame) -> dict:
    return {"none": True} if frame is None else _cells("rolled", frame)


def test_rolled_answers_are_equal(server_db, reference):
    """The rollup readers on each server as on SQLite (None for a window that is not pre-computed)."""
    def fetch(e, u, w) -> dict:
        if u.level == "grid":
            return {}
        level = child_level(reference.tree, u)
        return {**{f"top {k}": v for k, v in _rolled_or_none(queries.fetch_rolled_top_communities(e, u, w)).items()},
                **{f"series {k}": v for k, v in _rolled_or_none(queries.fetch_rolled_points_series(e, u, w)).items()},
                **{f"kids {k}": v for k, v in _rolled_or_none(
                    queries.fetch_rolled_child_participants(e, u, level, w)).items()}}

    compare_per_unit_window(server_db, reference, fetch)


def test_rollups_give_the_facts_answers(reference):
    """Where the rollups answer (units above the grid, the app's windows), they give the facts' answer."""
    e, compared = reference.engine, 0
    for unit in reference.sample.units:
        level = child_level(reference.tree, unit)
        if unit.level == "grid":
            continue
        for w in reference.sample.current:
            top = queries.fetch_rolled_top_communities(e, unit, w)
            assert top is not None
            pd.testing.assert_frame_equal(top, queries.fetch_top_communities(e, unit, w))
            kids = queries.fetch_rolled_child_participants(e, unit, level, w)
            if level != "grid":
                assert kids is not None
                pd.testing.assert_series_equal(kids, queries.fetch_child_participants(e, unit, level, w))
                compared += 1
    odd = Window(reference.sample.current[0].start + timedelta(days=1), reference.sample.current[0].end)  # not pre-computed
    assert queries.fetch_rolled_top_communities(e, reference.sample.units[0], odd) is None
    assert compared >= 4


def test_the_comparison_has_something_to_compare(reference):
    unit, w = reference.sample.units[0], reference.sample.current[-1]  # the city over a year
    for name in COMPARED["facts"] - {"fetch_child_participants", "fetch_rolled_child_participants"}:
        assert _cells(name, getattr(queries, name)(reference.engine, unit, w))[f"{name} rows"] > 0, name
