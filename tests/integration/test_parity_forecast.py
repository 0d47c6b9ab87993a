"""Engine parity of the forecasts (#24): the rollup refresh's rollup_forecast and rollup_forecast_backtest,
and their reads, on PostgreSQL and MariaDB as on SQLite.

The same small demo on each server (``server_db``, ``reference`` in tests/integration/conftest.py, each
load refreshing the rollups): both tables must hold the same rows, and fetch_forecast, fetch_above_band
and fetch_backtest must answer every sampled unit alike. The reads sit in cockpit.queries.forecast (a
theme module, so they are compared as "facts" reads, re-exported by cockpit.queries) though they read
rollup tables: there is no fact fallback to compare them with.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from parity import Diffs
from sqlalchemy import select

from cockpit import queries
from cockpit.core import codes
from cockpit.store.rollup.tables import rollup_forecast, rollup_forecast_backtest

pytestmark = pytest.mark.servers

COMPARED = {"facts": {"fetch_forecast", "fetch_above_band", "fetch_backtest"}}


def _series(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(select(rollup_forecast.c.series).distinct()))


def _table(engine, table) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(table)).all(), columns=[c.name for c in table.columns])
    keys = [c.name for c in table.primary_key.columns]
    frame = frame.sort_values(keys).reset_index(drop=True)
    for col in ("made_on", "day", "first_origin", "last_origin"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col]).dt.date
    for col in frame.columns:
        if col in ("mean", "lo80", "hi80", "lo95", "hi95", "abs_error", "abs_error_naive"):
            frame[col] = frame[col].astype("float64")
        elif col in ("horizon", "inside80", "inside95", "days"):
            frame[col] = frame[col].astype("int64")
        elif col == "actual":
            frame[col] = frame[col].astype("Int64")
    return frame


def test_forecast_tables_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    for table in (rollup_forecast, rollup_forecast_backtest):
        want = _table(reference.engine, table)
        assert len(want) > 0, table.name
        diffs.frames(table.name, _table(server_db.engine, table), want, exact=False)
    diffs.check()


def test_forecast_reads_are_equal(server_db, reference):
    diffs = Diffs(server_db)
    series = _series(reference.engine)
    assert {"cases", "alerts"} <= set(series) and any(s.startswith("cases:") for s in series)
    for unit in reference.sample.units:
        if unit.level == "grid":
            continue
        for s in ("cases", "alerts"):
            want = queries.fetch_forecast(reference.engine, unit, s)
            assert len(want) == 14, (unit.code, s)
            diffs.frames(f"fetch_forecast {reference.sample.label(unit)} {s}", queries.fetch_forecast(server_db.engine, unit, s),
                         want, exact=False)
            before = want["day"].iloc[0] - timedelta(days=8)  # made_on 7 days before the newest
            diffs.frames(f"fetch_forecast {reference.sample.label(unit)} {s} made {before}",
                         queries.fetch_forecast(server_db.engine, unit, s, before),
                         queries.fetch_forecast(reference.engine, unit, s, before), exact=False)
            diffs.frames(f"fetch_backtest {reference.sample.label(unit)} {s}", queries.fetch_backtest(server_db.engine, unit, s),
                         queries.fetch_backtest(reference.engine, unit, s), exact=False)
            below = codes.LEVELS[codes.LEVELS.index(unit.level):-1]
            for level in below:
                diffs.frames(f"fetch_above_band {reference.sample.label(unit)} -> {level} {s}",
                             queries.fetch_above_band(server_db.engine, unit, level, s),
                             queries.fetch_above_band(reference.engine, unit, level, s), exact=False)
    root = reference.tree.root
    for s in series:
        if s.startswith("cases:"):
            diffs.frames(f"fetch_forecast city {s}", queries.fetch_forecast(server_db.engine, root, s),
                         queries.fetch_forecast(reference.engine, root, s), exact=False)
    diffs.check()
