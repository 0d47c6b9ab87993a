"""Engine parity of the cases page's queries: PostgreSQL and MariaDB answer what SQLite answers.

Every fetch_* the cases page added (cockpit.queries.cases) is asked, for the sample of units at
every tier and the sample's windows, the same question on the server and on SQLite, unfiltered
and with a category and a source filter: counts must be equal exactly, frames cell for cell.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from parity import Diffs, Reference, compare_per_unit_window, plain, window_label

from cockpit import queries
from cockpit.core.model import Unit, Window
from cockpit.domain.hierarchy import child_level

pytestmark = pytest.mark.servers

COMPARED = {
    "facts": {
        "fetch_case_cohort", "fetch_case_workload", "fetch_case_overdue_days", "fetch_case_overdue_rollup", "fetch_case_stage_times",
        "fetch_case_list", "fetch_case_events", "fetch_case_categories",
        "fetch_rolled_case_cohort", "fetch_rolled_case_workload",
    },
}
FILTERS = ({}, {"categories": ("C0401", "C0402", "C0403", "C0404", "C04")}, {"source": "hotline"},
           {"categories": ("C0101", "C0102", "C0103", "C01"), "source": "patrol"})


def _level(ref: Reference, unit: Unit) -> str | None:
    return None if unit.level == "grid" else child_level(ref.tree, unit)


def _flat(frame: pd.DataFrame) -> dict:
    """A frame as one dict {(row key, column): value}, so Diffs lists exactly the cells that differ."""
    frame = frame.reset_index()
    keys = [c for c in ("source", "category", "child", "key", "day", "id", "seq", "code") if c in frame]
    frame = frame.sort_values(keys).reset_index(drop=True) if keys else frame
    return {(tuple(plain(r[k]) for k in keys) if keys else i, col): plain(r[col])
            for i, r in frame.iterrows() for col in frame.columns}


def _grouped(fetch: Callable, ref: Reference, **f: object) -> Callable[[object, Unit, Window], dict]:
    return lambda engine, unit, w: _flat(fetch(engine, unit, w, _level(ref, unit), **f))


@pytest.mark.parametrize("f", FILTERS, ids=["all", "category", "source", "both"])
def test_cohort_is_equal(server_db, reference, f):
    compare_per_unit_window(server_db, reference, _grouped(queries.fetch_case_cohort, reference, **f))


@pytest.mark.parametrize("f", FILTERS, ids=["all", "category", "source", "both"])
def test_workload_is_equal(server_db, reference, f):
    compare_per_unit_window(server_db, reference, _grouped(queries.fetch_case_workload, reference, **f))


@pytest.mark.parametrize("f", FILTERS[:3], ids=["all", "category", "source"])
def test_overdue_days_are_equal(server_db, reference, f):
    compare_per_unit_window(server_db, reference,
                            lambda e, unit, w: _flat(queries.fetch_case_overdue_days(e, unit, w, **f)),
                            reference.sample.current)


@pytest.mark.parametrize("name", ["cohort", "workload"])
@pytest.mark.parametrize("f", FILTERS, ids=["all", "category", "source", "both"])
def test_rolled_cohort_and_workload_are_equal(server_db, reference, name, f):
    """The per-window rollups of the cases page on each server as on SQLite, and equal to the facts there."""
    fetch, facts = getattr(queries, f"fetch_rolled_case_{name}"), getattr(queries, f"fetch_case_{name}")
    diffs = Diffs(server_db)
    for unit in [u for u in reference.sample.units if u.level in ("city", "district")]:
        for w in reference.sample.windows:
            where = f"fetch_rolled_case_{name} {reference.sample.label(unit)} {window_label(w)}"
            got, want = fetch(server_db.engine, unit, w, _level(reference, unit), **f), fetch(reference.engine, unit, w, _level(reference, unit), **f)
            assert got is not None and want is not None, where
            diffs.dicts(where, _flat(got), _flat(want))
            diffs.dicts(f"{where} vs facts", _flat(got), _flat(facts(server_db.engine, unit, w, _level(reference, unit), **f)))
    diffs.check()


def test_overdue_rollup_is_equal(server_db, reference):
    """The rollups answer units above the grid; the server's load refreshed them, as on SQLite."""
    diffs = Diffs(server_db)
    for unit in [u for u in reference.sample.units if u.level != "grid"]:
        for w in reference.sample.current:
            diffs.dicts(f"fetch_case_overdue_rollup {reference.sample.label(unit)} {window_label(w)}",
                        _flat(queries.fetch_case_overdue_rollup(server_db.engine, unit, w)),
                        _flat(queries.fetch_case_overdue_rollup(reference.engine, unit, w)))
    diffs.check()


@pytest.mark.parametrize("f", FILTERS[:3], ids=["all", "category", "source"])
def test_stage_times_are_equal(server_db, reference, f):
    compare_per_unit_window(server_db, reference,
                            lambda e, unit, w: _flat(queries.fetch_case_stage_times(e, unit, w, **f, limit=300)),
                            reference.sample.current)


def _listed(engine, unit: Unit, w: Window, **f: object) -> dict:
    cases, total = queries.fetch_case_list(engine, unit, w, **f, limit=50)
    # The order is the answer here (overdue first, then due time): keep it, do not sort.
    flat = {(i, col): plain(v) for i, row in cases.iterrows() for col, v in row.items()}
    return {**flat, (-1, "total"): total}


@pytest.mark.parametrize("f", [{}, {"status": "closed"}, {"status": "dispatched", "source": "patrol"}],
                         ids=["all", "status", "status-source"])
def test_case_list_is_equal(server_db, reference, f):
    compare_per_unit_window(server_db, reference, lambda e, unit, w: _listed(e, unit, w, **f), reference.sample.current)


def test_events_and_categories_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    diffs.dicts("fetch_case_categories", _flat(queries.fetch_case_categories(server_db.engine)),
                _flat(queries.fetch_case_categories(reference.engine)))
    w = reference.sample.current[0]
    cases, _ = queries.fetch_case_list(reference.engine, reference.sample.units[0], w, limit=20)
    assert len(cases) == 20
    for case_id in cases["id"]:
        diffs.dicts(f"fetch_case_events {case_id} {window_label(w)}",
                    _flat(queries.fetch_case_events(server_db.engine, int(case_id))),
                    _flat(queries.fetch_case_events(reference.engine, int(case_id))))
    diffs.check()


def _reference_list(engine, unit: Unit, w: Window, limit: int) -> pd.DataFrame:
    """The case list computed in pandas from the unit's cases: workload, overdue first, due time, latest id."""
    from sqlalchemy import select

    from cockpit.queries.base import in_unit
    from cockpit.store.schema import case_record

    c = case_record.c
    cols = [c.id, c.received_at, c.due_at, c.closed_at]
    with engine.connect() as conn:
        found = pd.DataFrame([tuple(r) for r in conn.execute(select(*cols).where(in_unit(c.grid_code, unit)))],
                             columns=["id", "received_at", "due_at", "closed_at"])
    for col in ("received_at", "due_at", "closed_at"):
        found[col] = pd.to_datetime(found[col])
    open_at_end = (found["received_at"] < w.end) & (found["closed_at"].isna() | (found["closed_at"] >= w.end))
    closed_in = (found["closed_at"] >= w.start) & (found["closed_at"] < w.end)
    work = found.assign(overdue=open_at_end & (found["due_at"] < w.end))[open_at_end | closed_in]
    work = work.assign(neg_id=-work["id"]).sort_values(["overdue", "due_at", "neg_id"], ascending=[False, True, True])
    return work.head(limit)


@pytest.mark.parametrize("limit", [1, 5, 50, 100000])
def test_case_list_matches_a_reference(reference, limit):
    """Overdue first, then due time, then the latest id; the open-cases-only shortcut must not change it."""
    for unit in reference.sample.units:
        for w in reference.sample.windows:
            cases, total = queries.fetch_case_list(reference.engine, unit, w, limit=limit)
            want = _reference_list(reference.engine, unit, w, 10**9)
            assert total == len(want), (unit.code, w)
            assert list(cases["id"]) == list(want["id"].head(limit)), (unit.code, w, limit)
            assert list(cases["overdue"]) == list(want["overdue"].head(limit))
