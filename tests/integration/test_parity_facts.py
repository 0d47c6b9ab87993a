"""Engine parity of the first-day queries (#28) — whether each theme's facts exist under a unit, the newest
fact — and of the grid names the unit search indexes (#23).

The same small demo on PostgreSQL and MariaDB as on SQLite (``server_db``, ``reference`` in
tests/integration/conftest.py). On the full demo every theme has facts at every sampled unit, so
the EXISTS answers are also checked on a unit outside the data (a code no grid has), where all
four must be False on every engine.
"""

from __future__ import annotations

import pandas as pd
import pytest
from parity import Diffs

from cockpit import queries
from cockpit.core.model import Unit

pytestmark = pytest.mark.servers

COMPARED = {"facts": {"fetch_facts", "fetch_newest_fact", "fetch_grid_names"}}
NOWHERE = Unit(code="990000001000", name="无此单位", level="street", parent_code=None, kind="street", area_km2=None, lon=None, lat=None)


def test_facts_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    for unit in [*reference.sample.units, NOWHERE]:
        got, want = queries.fetch_facts(server_db.engine, unit), queries.fetch_facts(reference.engine, unit)
        diffs.dicts(f"fetch_facts {unit.code}", got, want)
    diffs.values("every theme has facts at the city", set(queries.fetch_facts(reference.engine, reference.sample.units[0]).values()), {True})
    diffs.values("no theme has facts outside the data", set(queries.fetch_facts(reference.engine, NOWHERE).values()), {False})
    diffs.check()


def test_newest_fact_is_equal(server_db, reference):
    got, want = queries.fetch_newest_fact(server_db.engine), queries.fetch_newest_fact(reference.engine)
    assert want is not None and got == want


def test_grid_names_are_equal(server_db, reference):
    got, want = queries.fetch_grid_names(server_db.engine), queries.fetch_grid_names(reference.engine)
    assert len(want) > 20 and list(want.columns) == ["code", "name", "community_code"]
    pd.testing.assert_frame_equal(got, want)
