"""The forecasts (#24) as the rollup refresh stores them on the small demo, their reads and the CLI.

Engine parity of the same: tests/integration/test_parity_forecast.py. The model: tests/unit/test_forecast.py.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import text

from cockpit import queries
from cockpit.domain.hierarchy import Tree
from cockpit.store.engine import make_engine
from cockpit.store.rollup.forecast import last_whole_day
from cockpit.store.rollup.tables import FORECAST_HORIZON
from cockpit.tools.cli import main


@pytest.fixture(scope="module")
def env(small_demo):
    engine = make_engine(small_demo.db_url)
    tree = Tree.from_frame(queries.fetch_units(engine))
    yield engine, tree, queries.fetch_data_end(engine)
    engine.dispose()


def _read(engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(text(sql)).mappings().all())


def test_the_refresh_forecasts_every_unit_down_to_the_community(env):
    engine, tree, end = env
    rows = _read(engine, "SELECT * FROM rollup_forecast")
    made = {pd.Timestamp(d).date() for d in rows["made_on"].unique()}
    last = last_whole_day(end)
    assert made == {last, last - timedelta(days=7)}
    above_grid = tree.units[tree.units["level"].isin(["city", "district", "street", "community"])]
    for series in ("cases", "alerts"):
        part = rows[rows["series"] == series]
        assert set(part["unit_code"]) == set(above_grid.index), series
        assert (part.groupby(["unit_code", "made_on"]).size() == FORECAST_HORIZON).all()
    categories = rows[rows["series"].str.startswith("cases:")]
    assert set(categories["level"]) <= {"city", "district"} and categories["series"].nunique() >= 5
    assert set(rows["method"]) <= {"ets", "snaive", "mean"} and (rows["method"] == "ets").mean() > 0.9
    bounds = rows[["lo95", "lo80", "mean", "hi80", "hi95"]].to_numpy()
    assert (bounds[:, :-1] <= bounds[:, 1:] + 1e-9).all() and (bounds >= 0).all()


def test_the_forecast_made_before_carries_the_counts_that_came(env):
    engine, tree, end = env
    last = last_whole_day(end)
    before = rows_before = _read(engine, f"SELECT unit_code, day, actual FROM rollup_forecast WHERE series = 'cases' "
                                 f"AND made_on = '{last - timedelta(days=7)}' AND unit_code = '{tree.root.code}'")
    assert rows_before["actual"].notna().sum() == 7
    first = pd.Timestamp(last - timedelta(days=6))
    cases = _read(engine, "SELECT received_at FROM case_record")
    day = pd.to_datetime(cases["received_at"]).dt.normalize()
    want = day[(day >= first) & (day <= pd.Timestamp(last))].value_counts().sort_index()
    got = before.dropna().assign(day=lambda f: pd.to_datetime(f["day"])).set_index("day")["actual"].astype(int)
    assert got.to_dict() == {k: int(v) for k, v in want.items()}


def test_fetch_forecast(env):
    engine, tree, end = env
    frame = queries.fetch_forecast(engine, tree.root, "cases")
    assert list(frame.columns) == ["day", "horizon", "mean", "lo80", "hi80", "lo95", "hi95", "method", "actual"]
    assert frame["horizon"].tolist() == list(range(1, 15))
    assert frame["day"].iloc[0] == last_whole_day(end) + timedelta(days=1) and frame["actual"].isna().all()
    before = queries.fetch_forecast(engine, tree.root, "cases", last_whole_day(end) - timedelta(days=7))
    assert before["actual"].notna().sum() == 7
    assert queries.fetch_forecast(engine, tree.root, "no-such-series").empty


def test_fetch_above_band_lists_a_unit_that_ran_above(env, small_demo, tmp_path):
    """On a copy: one community's last 3 days raised to four times the upper bound (the 4 before at 0, every other
    unit at 0) make it the one listed, above its band since the first of the 3."""
    engine, tree, end = env
    db = tmp_path / "copy.sqlite"
    shutil.copy(small_demo.db_path, db)
    street = tree.children(tree.root.code)["code"].iloc[0]
    community = tree.children(street)["code"].iloc[0]
    made = last_whole_day(end) - timedelta(days=7)
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE rollup_forecast SET actual = CAST(4 * hi95 + 1 AS INTEGER) WHERE unit_code = ? "
                    "AND series = 'alerts' AND made_on = ? AND horizon >= 5 AND horizon <= 7", (community, str(made)))
        con.execute("UPDATE rollup_forecast SET actual = 0 WHERE unit_code = ? AND series = 'alerts' AND made_on = ? "
                    "AND horizon < 5", (community, str(made)))
        con.execute("UPDATE rollup_forecast SET actual = 0 WHERE unit_code != ? AND series = 'alerts' AND made_on = ?",
                    (community, str(made)))
    con.close()
    copy = make_engine(f"sqlite:///{db}")
    try:
        frame = queries.fetch_above_band(copy, tree.root, "community", "alerts")
        assert frame["code"].tolist() == [community]
        row = frame.iloc[0]
        assert row["observed_7d"] > row["upper95_7d"] and row["factor"] == pytest.approx(row["observed_7d"] / row["expected_7d"], rel=1e-3)
        assert row["since"] == made + timedelta(days=5)  # the run above the mean starts on horizon 5
        assert queries.fetch_above_band(copy, tree.unit(street), "community", "alerts")["code"].tolist() == [community]
        assert queries.fetch_above_band(copy, tree.root, "community", "cases").columns.tolist()[:2] == ["code", "observed_7d"]
    finally:
        copy.dispose()


def test_fetch_backtest(env):
    engine, tree, _ = env
    frame = queries.fetch_backtest(engine, tree.root, "cases")
    assert frame["scope"].tolist() == ["unit", "tier"] and (frame["days"] == 84).all()
    assert 0 < frame["mase"].iloc[0] < 1.2 and 0.7 <= frame["cover95"].iloc[0] <= 1.0
    street = tree.unit(tree.children(tree.root.code)["code"].iloc[0])
    tier = queries.fetch_backtest(engine, street, "cases").set_index("scope").loc["tier"]
    assert tier["units"] == len(tree.children(tree.root.code)) and tier["days"] == 84 * tier["units"]


def test_reads_without_the_tables_are_empty(tmp_path, env):
    _, tree, _ = env
    con = sqlite3.connect(tmp_path / "bare.sqlite")
    con.execute("CREATE TABLE other (x INTEGER)")
    con.close()
    bare = make_engine(f"sqlite:///{tmp_path / 'bare.sqlite'}")
    try:
        assert queries.fetch_forecast(bare, tree.root, "cases").empty
        assert queries.fetch_above_band(bare, tree.root, "street", "cases").empty
        assert queries.fetch_backtest(bare, tree.root, "cases").empty
    finally:
        bare.dispose()


def test_backtest_cli(small_demo, capsys):
    assert main(["forecast", "--backtest", "--json", "--db", small_demo.db_url]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["origins"]) == 12 and result["horizon"] == 7
    rows = {(r["tier"], r["series"]): r for r in result["rows"]}
    assert {("city", "cases"), ("city", "alerts"), ("street", "cases"), ("community", "alerts")} <= set(rows)
    assert all(0 < r["mase"] < 1.5 and 0 < r["cover80"] <= r["cover95"] <= 1 for r in rows.values())
    assert main(["forecast", "--backtest", "--unit", "999999999999", "--db", small_demo.db_url]) == 2
    assert main(["forecast", "--db", small_demo.db_url]) == 0
    assert "method ets" in capsys.readouterr().out
