"""The alerts page's numbers against hand-computed values: the Poisson tail, the hotspot test, quantiles,
and every new alerts query on a tiny city built for it (one alert acknowledged late, one across midnight,
one across the leap day, one at the deadline to the second)."""

from __future__ import annotations

import math
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from check_fixtures import CITY, COMMUNITY_A, STREET, VILLAGE, clean_rows, write_db

from cockpit import queries
from cockpit.core.model import Window
from cockpit.domain import alerts as logic
from cockpit.domain.hierarchy import Tree
from cockpit.store.engine import make_engine
from cockpit.tools.check.database import check_database, format_problems

GA1, GA2, GB = "330681001001001", "330681001001002", "330681001002001"


# ---------------------------------------------------------------- the Poisson upper tail


@pytest.mark.parametrize(("k", "mu", "want"), [
    (0, 3.0, 1.0),
    (1, 1.0, 1 - math.exp(-1)),  # 0.632120…
    (3, 1.0, 1 - 2.5 * math.exp(-1)),  # 1 - e^-1 (1 + 1 + 1/2) = 0.080301…
    (2, 2.0, 1 - 3 * math.exp(-2)),  # 0.593994…
    (5, 0.5, 1 - math.exp(-0.5) * (1 + 0.5 + 0.125 + 0.5 ** 3 / 6 + 0.5 ** 4 / 24)),  # 0.000172…
    (1, 0.0, 0.0),
])
def test_poisson_tail_matches_the_hand_sums(k, mu, want):
    assert logic.poisson_sf(k, mu) == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_a_far_tail_keeps_its_digits():
    """P(X ≥ 30 | mu = 2): 1 - (sum below) would be 0; the first terms of the tail give it to 1e-6."""
    first = math.exp(-2) * 2 ** 30 / math.factorial(30)
    want = first * (1 + 2 / 31 + 4 / (31 * 32) + 8 / (31 * 32 * 33))
    assert logic.poisson_sf(30, 2.0) == pytest.approx(want, rel=1e-6)
    assert 0 < logic.poisson_sf(30, 2.0) < 1e-20


def test_hotspots_flag_only_grids_far_above_their_own_rate():
    baselines = pd.DataFrame({
        "grid_code": ["A", "B", "C", "D"], "name": ["a", "b", "c", "d"], "lon": [1.0, 2.0, 3.0, None],
        "lat": [1.0, 2.0, 3.0, None],
        "observed": [6, 3, 10, 2], "baseline": [4, 0, 30, 0],
    })
    got = logic.find_hotspots(baselines, period_days=28, baseline_days=84).set_index("grid_code")
    # A: expected 4 * 28/84 = 4/3; P(X >= 6) = 1 - e^-4/3 (1 + 4/3 + (4/3)^2/2 + … + (4/3)^5/120) = 0.00253: not flagged.
    # B: no baseline, floor 0.5 * 28/84 = 1/6; P(X >= 3) = 1 - e^-1/6 (1 + 1/6 + 1/72) = 0.000703: flagged, factor 18.
    # C: expected 10, 10 observed: not flagged. D: 2 alerts are never a hotspot.
    assert list(got.index) == ["B"]
    mu = 1 / 6
    assert got.loc["B", "expected"] == pytest.approx(mu)
    assert got.loc["B", "factor"] == pytest.approx(18.0)
    assert got.loc["B", "p"] == pytest.approx(1 - math.exp(-mu) * (1 + mu + mu ** 2 / 2), rel=1e-9)
    mu_a = 4 / 3
    p_a = 1 - math.exp(-mu_a) * sum(mu_a ** i / math.factorial(i) for i in range(6))
    assert p_a == pytest.approx(0.002525, abs=1e-6) and p_a > logic.ALPHA  # so A's absence is the threshold's doing
    assert logic.find_hotspots(baselines, 28, 84, alpha=0.01).set_index("grid_code").index.tolist() == ["B", "A"]


def test_nearest_rank_quantiles():
    values, weights = pd.Series([30, 5, 10]), pd.Series([1, 1, 1])
    assert logic.nearest_rank(values, weights, 0.5) == 10  # rank ceil(1.5) = 2 of [5, 10, 30]
    assert logic.nearest_rank(values, weights, 0.9) == 30
    assert logic.nearest_rank(pd.Series([1, 2]), pd.Series([9, 1]), 0.9) == 1  # 9 of 10 at 1
    assert logic.nearest_rank(pd.Series([], dtype=int), pd.Series([], dtype=int), 0.5) is None


# ---------------------------------------------------------------- the hand-built city

W = Window(datetime(2024, 6, 24), datetime(2024, 7, 1))  # 7 days; its baseline starts on 1 April
LAST_YEAR = Window(datetime(2023, 6, 24), datetime(2023, 7, 1))
WINTER = Window(datetime(2023, 12, 1), datetime(2024, 3, 2))  # a year end and a leap day


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2024) -> datetime:
    return datetime(year, month, day, hour, minute)


def _alert(id_: int, kind: str, severity: int, grid: str, raised: datetime, due_minutes: int,
           ack: datetime | None, resolved: datetime | None, device: int | None = None, case: int | None = None) -> dict:
    status = "resolved" if resolved else "acknowledged" if ack else "active"
    return {"id": id_, "type": kind, "severity": severity, "grid_code": grid, "device_id": device, "lon": None,
            "lat": None, "raised_at": raised, "ack_due_at": raised + timedelta(minutes=due_minutes),
            "acknowledged_at": ack, "resolved_at": resolved, "status": status, "case_id": case}


ALERTS = [
    # in W
    _alert(1, "gas", 1, GA1, at(6, 25, 10), 15, at(6, 25, 10, 10), at(6, 25, 12), device=1),  # ack 10, resolve 120
    _alert(2, "gas", 1, GA1, at(6, 26, 23, 50), 15, at(6, 27, 0, 20), at(6, 27, 2, 50), case=1),  # LATE: 30; 180
    _alert(3, "noise", 3, GA2, at(6, 28, 9), 60, None, None),  # never acknowledged; active at the end
    _alert(4, "smoke_fire", 2, GB, at(6, 29, 8), 30, at(6, 29, 8, 30), None, device=2, case=2),  # at the deadline
    _alert(5, "gas", 1, GA1, at(6, 30, 12), 15, at(6, 30, 12, 5), at(6, 30, 13), device=1),  # ack 5, resolve 60
    _alert(6, "parking", 4, GA1, at(6, 27, 15), 120, at(6, 27, 16), at(6, 28, 15)),  # ack 60, resolve 1440
    # outside W
    _alert(7, "gas", 1, GA1, at(6, 25, 9, year=2023), 15, at(6, 25, 9, 5, 2023), at(6, 25, 10, 0, 2023)),  # last year
    _alert(8, "smoke_fire", 2, GA2, at(2, 28, 23, 30), 30, at(3, 1, 0, 30), at(3, 1, 2, 30)),  # leap day: 1500; 1620
    _alert(9, "gas", 2, GA1, at(5, 10, 8), 30, at(5, 10, 8, 10), at(5, 10, 9)),  # GA1's one baseline alert
    _alert(10, "noise", 2, GB, at(12, 31, 23, year=2023), 30, at(1, 1, 1), at(1, 1, 3)),  # year end: 120; 240
    _alert(11, "gas", 1, GA1, at(7, 1), 15, None, None),  # raised at W's end (exclusive); active after it
]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory):
    rows = clean_rows()
    rows["device"] = [*rows["device"], {**rows["device"][0], "id": 2, "type": "smoke_fire", "grid_code": GB}]
    rows["alert"] = ALERTS
    url = write_db(tmp_path_factory.mktemp("alerts_city") / "city.sqlite", rows)
    engine = make_engine(url)
    yield engine, Tree.from_frame(queries.fetch_units(engine))
    engine.dispose()


def test_the_city_is_valid(city):
    problems = check_database(city[0], None)
    assert problems == [], format_problems(problems)


def test_severity_stats(city):
    engine, tree = city
    got = queries.fetch_severity_stats(engine, tree.root, W)
    assert got.set_index("severity").to_dict("index") == {
        1: {"raised": 3, "acknowledged": 3, "ack_on_time": 2, "resolved": 3, "to_case": 1},  # alert 2 is late
        2: {"raised": 1, "acknowledged": 1, "ack_on_time": 1, "resolved": 0, "to_case": 1},  # at the deadline: on time
        3: {"raised": 1, "acknowledged": 0, "ack_on_time": 0, "resolved": 0, "to_case": 0},
        4: {"raised": 1, "acknowledged": 1, "ack_on_time": 1, "resolved": 1, "to_case": 0},
    }
    assert logic.overall_in_time(got) == pytest.approx(4 / 6)
    only_gas = queries.fetch_severity_stats(engine, tree.root, W, alert_type="gas")
    assert only_gas["raised"].tolist() == [3]


def test_response_minutes_and_the_table(city):
    engine, tree = city
    minutes = queries.fetch_response_minutes(engine, tree.root, W)
    got = {(s, sev): dict(zip(g["minutes"], g["alerts"])) for (s, sev), g in minutes.groupby(["stage", "severity"])}
    assert got == {
        ("ack", 1): {5: 1, 10: 1, 30: 1}, ("ack", 2): {30: 1}, ("ack", 4): {60: 1},
        ("resolve", 1): {60: 1, 120: 1, 180: 1}, ("resolve", 4): {1440: 1},
    }
    table = logic.response_table(minutes, queries.fetch_severity_stats(engine, tree.root, W)).set_index("severity")
    assert table.loc[1, ["ack_median", "ack_p90", "resolve_median", "resolve_p90"]].tolist() == [10, 30, 120, 180]
    assert table.loc[1, "ack_in_time"] == pytest.approx(2 / 3)
    assert table.loc[3, "ack_in_time"] == 0 and pd.isna(table.loc[3, "ack_median"])


def test_minutes_across_a_year_end_and_a_leap_day(city):
    engine, tree = city
    minutes = queries.fetch_response_minutes(engine, tree.root, WINTER, severity=2)
    assert minutes[minutes["stage"] == "ack"]["minutes"].tolist() == [120, 1500]  # 23:00→01:00; 28 Feb 23:30→1 Mar 00:30
    assert minutes[minutes["stage"] == "resolve"]["minutes"].tolist() == [240, 1620]


def test_alerts_that_became_cases(city):
    engine, tree = city
    got = queries.fetch_alert_cases(engine, tree.root, W).set_index("type").to_dict("index")
    assert got == {  # case 1 is closed, case 2 is open (check_fixtures)
        "gas": {"raised": 3, "to_case": 1, "case_closed": 1}, "noise": {"raised": 1, "to_case": 0, "case_closed": 0},
        "parking": {"raised": 1, "to_case": 0, "case_closed": 0},
        "smoke_fire": {"raised": 1, "to_case": 1, "case_closed": 0},
    }


def test_active_alerts_list_and_counts(city):
    engine, tree = city
    assert queries.fetch_active_alerts(engine, tree.root, W.end)["id"].tolist() == [4, 3]  # severity 2 first
    assert queries.fetch_active_alerts(engine, tree.root, W.end, severity=3)["id"].tolist() == [3]
    assert queries.fetch_active_alerts(engine, tree.root, W.end, alert_type="gas").empty
    # at 1 July 00:01 alert 11 is active too, and alert 2 was active at 27 June 01:00
    assert queries.fetch_active_alerts(engine, tree.root, at(7, 1, 0, 1))["id"].tolist() == [11, 4, 3]
    assert queries.fetch_active_alerts(engine, tree.root, at(6, 27, 1))["id"].tolist() == [2]
    counts = queries.fetch_active_counts(engine, tree.root, W.end)
    assert counts.to_dict("records") == [{"type": "noise", "severity": 3, "alerts": 1},
                                         {"type": "smoke_fire", "severity": 2, "alerts": 1}]
    assert logic.active_total(counts, None, 2) == 1 and logic.active_total(counts, "gas", None) == 0


def test_top_grids_and_devices(city):
    engine, tree = city
    grids, total = queries.fetch_grid_hotspots(engine, tree.root, W, limit=2)
    assert grids[["grid_code", "alerts"]].values.tolist() == [[GA1, 4], [GA2, 1]] and total == 3  # GB ties, later code
    devices, n_devices = queries.fetch_device_hotspots(engine, tree.root, W)
    assert devices[["device_id", "alerts"]].values.tolist() == [[1, 2], [2, 1]] and n_devices == 2
    grids, total = queries.fetch_grid_hotspots(engine, tree.unit(COMMUNITY_A), W)
    assert grids["grid_code"].tolist() == [GA1, GA2] and total == 2


def test_grid_above_its_baseline(city):
    engine, tree = city
    baselines = queries.fetch_grid_baselines(engine, tree.root, W)
    # GA1: 4 in W, 1 (alert 9) in the 84 days before; GA2 and GB have one alert each, under min_alerts.
    assert baselines[["grid_code", "observed", "baseline"]].values.tolist() == [[GA1, 4, 1]]
    hot = logic.find_hotspots(baselines, 7, queries.alerts.BASELINE_DAYS)
    mu = 1 * 7 / 84
    assert hot["grid_code"].tolist() == [GA1]
    assert hot.loc[0, "factor"] == pytest.approx(48.0)
    assert hot.loc[0, "p"] == pytest.approx(1 - math.exp(-mu) * (1 + mu + mu ** 2 / 2 + mu ** 3 / 6), rel=1e-6)


def test_trend_against_last_year_and_zero_incident(city):
    engine, tree = city
    now = queries.fetch_alert_daily(engine, tree.root, W)
    assert now["alerts"].tolist() == [0, 1, 1, 1, 1, 1, 1]  # 24 … 30 June; alert 2 on the 26th (23:50)
    before = queries.fetch_alert_daily(engine, tree.root, LAST_YEAR)
    assert before["alerts"].sum() == 1
    assert logic.year_change(now, before) == (6, 1, 5.0)
    assert logic.year_change(now, None) == (6, None, None)
    with_alerts = queries.fetch_units_with_alerts(engine, tree.root, "community", W)
    total = logic.count_units_at(tree.units, "330681", "community")
    assert (with_alerts, total, logic.zero_incident(total, with_alerts)) == (2, 3, 1)  # the village had none
    assert queries.fetch_units_with_alerts(engine, tree.unit(STREET), "community", W) == 2
    assert queries.fetch_units_with_alerts(engine, tree.unit(VILLAGE), "grid", W) == 0
    assert queries.fetch_units_with_alerts(engine, tree.unit(CITY), "community", W, alert_type="gas") == 1
