"""Engine parity of the grids page's queries: the ranked table and the closing times, on every server.

The same small demo on PostgreSQL and MariaDB as on SQLite (``server_db``, ``reference`` in
tests/integration/conftest.py): every sort in both directions, for every sampled unit and the
current window of each period, must give the same grids in the same order with the same figures
and total; the closing times of the grids listed must be the same to ``rel=1e-9``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from parity import Diffs, compare_per_unit_window, plain

from cockpit import queries
from cockpit.domain.grids import sort_options
from cockpit.queries.grids import GRID_SORTS

pytestmark = pytest.mark.servers

COMPARED = {"facts": {"fetch_grid_table", "fetch_closing_times"}}
LIMIT = 7  # fewer than a street's grids, so the cut at the limit is compared too


def _cells(frame: pd.DataFrame) -> dict:
    """Every cell by (row, column), as plain values (a missing star rating is None on every engine)."""
    return {f"{i}:{col}": None if pd.isna(v) else plain(v) for i, row in frame.iterrows() for col, v in row.items()}


def _tables(bind, unit, w) -> dict:
    out: dict = {}
    for choice in sort_options(GRID_SORTS):
        sort, descending = (choice.removesuffix("_asc"), False) if choice.endswith("_asc") else (choice, True)
        frame, total = queries.fetch_grid_table(bind, unit, w, sort, descending, LIMIT)
        out |= {f"{choice} {k}": v for k, v in _cells(frame).items()} | {f"{choice} total": total}
    return out


def test_grid_tables_are_equal(server_db, reference):
    compare_per_unit_window(server_db, reference, _tables, windows=reference.sample.current)


def _rolled_tables(bind, unit, w) -> dict:
    """The rankings by a window figure with `rolled=True` (rollup_grid_window where it holds the window)."""
    out: dict = {}
    for sort in ("points_earned", "grid_share"):
        for descending in (True, False):
            frame, total = queries.fetch_grid_table(bind, unit, w, sort, descending, LIMIT, rolled=True)
            out |= {f"{sort} {descending} {k}": v for k, v in _cells(frame).items()} | {f"{sort} {descending} total": total}
    return out


def test_rolled_grid_tables_are_equal(server_db, reference):
    compare_per_unit_window(server_db, reference, _rolled_tables, windows=reference.sample.current)


def test_closing_times_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    for unit in reference.sample.units:
        for w in reference.sample.current:
            codes = list(queries.fetch_grid_table(reference.engine, unit, w, "open_cases", True, 50)[0]["code"])
            got = queries.fetch_closing_times(server_db.engine, codes, w)
            want = queries.fetch_closing_times(reference.engine, codes, w)
            diffs.frames(f"fetch_closing_times {reference.sample.label(unit)} {w.start:%Y-%m-%d}", got, want, exact=False)
            if unit.level == "city":
                diffs.values(f"closing times at {unit.code} has rows", len(want) > 0, True)
    diffs.check()


def test_the_comparison_sees_a_difference(reference):
    """_tables tells orders apart (a comparison that cannot fail proves nothing)."""
    unit, w = reference.sample.units[0], reference.sample.current[1]
    a = _tables(reference.engine, unit, w)
    frame, _ = queries.fetch_grid_table(reference.engine, unit, w, "residents", True, LIMIT)
    assert a["residents 0:code"] == frame["code"].iloc[0]
    assert a["residents 0:code"] != a["residents_asc 0:code"]
