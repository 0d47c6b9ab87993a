"""Engine parity of the 督办 (supervision) queries: PostgreSQL and MariaDB select the cases SQLite selects.

For the sample of units at every tier and its windows, unfiltered and filtered, with the default rules,
each rule alone, and a stricter count and factor: the per-unit counts, the list (order, every cell,
the total) and the count must be equal exactly. On SQLite the cases the SQL selects are exactly those
cockpit.domain.supervision gives a reason (the rules written twice agree).
"""

from __future__ import annotations

import pandas as pd
import pytest
from parity import Reference, compare_per_unit_window, plain

from cockpit import queries
from cockpit.core.model import Unit
from cockpit.core.settings import SUPERVISION_RULES, SupervisionRules
from cockpit.domain import supervision
from cockpit.domain.hierarchy import child_level

pytestmark = pytest.mark.servers

COMPARED = {"facts": {"fetch_supervision_units", "fetch_supervision_list", "fetch_supervision_count"}}
RULES = (SupervisionRules(), *(SupervisionRules(rules=(r,)) for r in SUPERVISION_RULES),
         SupervisionRules(returns=1, factor=1.5))
FILTERS = ({}, {"source": "hotline"}, {"categories": ("C0101", "C0102", "C0103", "C01"), "status": "dispatched"})
LIMIT = 9


def _level(ref: Reference, unit: Unit) -> str | None:
    return None if unit.level == "grid" else child_level(ref.tree, unit)


def _cells(frame: pd.DataFrame) -> dict:
    return {f"{i}:{col}": None if pd.isna(v) else plain(v) for i, row in frame.iterrows() for col, v in row.items()}


def _answers(ref: Reference, f: dict):
    def fetch(engine, unit, w) -> dict:
        out: dict = {}
        for n, rules in enumerate(RULES):
            level = _level(ref, unit)
            units = queries.fetch_supervision_units(engine, unit, w, level, rules, **f)
            listed, total = queries.fetch_supervision_list(engine, unit, w, level, rules, limit=LIMIT, **f)
            out |= {f"{n} units {k}": v for k, v in _cells(units).items()}
            out |= {f"{n} list {k}": v for k, v in _cells(listed).items()} | {f"{n} total": total}
            if not f:
                out[f"{n} count"] = queries.fetch_supervision_count(engine, unit, w, rules)
        return out
    return fetch


@pytest.mark.parametrize("f", FILTERS, ids=["all", "source", "category+status"])
def test_supervision_is_equal(server_db, reference, f):
    compare_per_unit_window(server_db, reference, _answers(reference, f), reference.sample.current)


def test_the_sql_selects_what_the_rules_say(reference):
    """On the reference: every listed case has a reason, the totals agree, and no workload case with a reason is missed."""
    diffs_found = []
    for rules in RULES:
        for unit in reference.sample.units[:3]:
            for w in reference.sample.current:
                level = _level(reference, unit)
                listed, total = queries.fetch_supervision_list(reference.engine, unit, w, level, rules, limit=100_000)
                units = queries.fetch_supervision_units(reference.engine, unit, w, level, rules)
                count = queries.fetch_supervision_count(reference.engine, unit, w, rules)
                every, _ = queries.fetch_case_list(reference.engine, unit, w, limit=100_000)
                assert len(listed) == total == int(units["cases"].sum()) == count, (rules, unit, w)
                shown = supervision.annotate(listed, rules, w.end)
                assert all(shown["reasons"].map(len) > 0)
                for name in SUPERVISION_RULES:
                    assert int(shown["reasons"].map(lambda r, n=name: n in r).sum()) == int(units[name].sum())
                # The case list lacks the counts and rating: re-read them for the whole workload.
                ids = set(listed["id"])
                full, _ = queries.fetch_supervision_list(reference.engine, unit, w, level,
                                                         SupervisionRules(returns=0), limit=100_000)
                assert set(full["id"]) == set(every["id"])  # returns=0 selects every case: the whole workload
                want = {int(i) for i, r in zip(full["id"], supervision.annotate(full, rules, w.end)["reasons"]) if r}
                if want != ids:
                    diffs_found.append((rules, unit.code, w, sorted(want ^ ids)[:5]))
    assert not diffs_found, diffs_found
    assert any(queries.fetch_supervision_count(reference.engine, reference.sample.units[0], w, SupervisionRules()) > 0
               for w in reference.sample.current)


def test_the_comparison_sees_a_difference(reference):
    """The answers tell rule sets apart (a comparison that cannot fail proves nothing)."""
    unit, w = reference.sample.units[0], reference.sample.current[-1]
    a = _answers(reference, {})(reference.engine, unit, w)
    assert a["0 total"] > 0 and a["0 units 0:code"]
    assert {a[f"{n} total"] for n in range(len(RULES))} != {a["0 total"]}
