"""考核排名 arithmetic (#21) against hand-computed values on a small fixture built for it.

The fixture: five ranked 社区 (two of them tied, one under the 70% floor), one 社区 with 3 cases (below the
scheme's minimum of 25: shown, not ranked) and two 村 (a group of their own). Expected values are written
out as the arithmetic a reader would do on paper, not computed by the code under test.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cockpit.domain.ranking import scoring
from cockpit.domain.ranking.catalogue import FIGURE_COLUMNS
from cockpit.domain.ranking.schemes import parse_scheme
from cockpit.domain.ranking.table import ALL, funnel, history, lists, rank_month, with_change

SCHEME = parse_scheme("""
name = "测试方案"
min_cases = 25
method = "shrink"
pseudo_cases = 20
list_size = 2
basic_satisfied_weight = 0.5

[[indicator]]
id = "closure_rate"
weight = 60
floor = 0.70

[[indicator]]
id = "satisfaction_rate"
weight = 40
rule = "threshold"
full_at = 0.90
minus_per_point = 2
""", "test.toml", "test")

UNITS = pd.DataFrame([
    ("c1", "一社区", "居委会"), ("c2", "二社区", "居委会"), ("c3", "三社区", "居委会"), ("c4", "四社区", "居委会"),
    ("c5", "五社区", "居委会"), ("c6", "六社区", "居委会"), ("v1", "一村", "村委会"), ("v2", "二村", "村委会"),
], columns=["code", "name", "kind"])


def _figures(rows: dict[str, dict[str, int]]) -> pd.DataFrame:
    frame = pd.DataFrame([{"code": code, **{c: 0 for c in FIGURE_COLUMNS}, "population": 10_000, **v}
                          for code, v in rows.items()])
    return frame


# received = due; resolved_due; rated, satisfied, basic_satisfied
FIGURES = _figures({
    "c1": dict(received=100, due=100, resolved_due=90, rated=50, satisfied=45),
    "c2": dict(received=50, due=50, resolved_due=45, rated=20, satisfied=16, basic_satisfied=4),
    "c3": dict(received=40, due=40, resolved_due=24, rated=10, satisfied=9),
    "c4": dict(received=40, due=40, resolved_due=24, rated=10, satisfied=9),  # the same as c3: tied
    "c5": dict(received=3, due=3, resolved_due=3, rated=3, satisfied=3),  # 3 cases at 100%: below the minimum
    "c6": dict(received=30, due=30, resolved_due=18, rated=0),  # 60% resolved: under the floor; nobody rated
    "v1": dict(received=30, due=30, resolved_due=30, rated=30, satisfied=30),
    "v2": dict(received=26, due=26, resolved_due=13, rated=26, satisfied=13),
})

# The 社区 group's pooled rates over its ranked units (c5 is not ranked, so not in r0):
R0_CLOSE = (90 + 45 + 24 + 24 + 18) / (100 + 50 + 40 + 40 + 30)  # 201 / 260
R0_SAT = (45 + 16 + 0.5 * 4 + 9 + 9) / (50 + 20 + 10 + 10)  # 81 / 90 = 0.9


def _shrunk(x: float, n: float, r0: float) -> float:
    return (x + 20 * r0) / (n + 20)


def _score(close_x: float, close_n: float, sat_x: float, sat_n: float) -> float:
    closure_points = 60 * _shrunk(close_x, close_n, R0_CLOSE)
    sat = _shrunk(sat_x, sat_n, R0_SAT)
    sat_points = max(0.0, min(40.0, 40 - 2 * max(0.0, 0.90 - sat) * 100))
    return (closure_points + sat_points) / 100 * 100


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return rank_month(FIGURES, UNITS, SCHEME)


def _row(table: pd.DataFrame, code: str) -> pd.Series:
    return table.set_index("code").loc[code]


def test_rates_are_shrunk_toward_the_group(table):
    c1 = _row(table, "c1")
    assert c1["closure_rate.raw"] == pytest.approx(0.90)
    assert c1["closure_rate.value"] == pytest.approx((90 + 20 * 201 / 260) / 120)
    # nobody rated at c6: its satisfaction is the group's own rate, 0.9 exactly
    assert _row(table, "c6")["satisfaction_rate.value"] == pytest.approx(0.9)
    assert math.isnan(_row(table, "c6")["satisfaction_rate.raw"])


def test_scores_follow_the_rules(table):
    assert _row(table, "c1")["score"] == pytest.approx(_score(90, 100, 45, 50))
    assert _row(table, "c2")["score"] == pytest.approx(_score(45, 50, 18, 20))
    # c2's satisfaction: (16 + 0.5 × 4) / 20 = 0.90 raw, so 基本满意 counts half
    assert _row(table, "c2")["satisfaction_rate.raw"] == pytest.approx(0.90)
    # c3 by hand: closure (24 + 20 × 0.773077) / 60 = 0.657692 → 39.4615 points; satisfaction
    # (9 + 20 × 0.9) / 30 = 0.9 → full 40 points; 79.4615 of 100
    assert _row(table, "c3")["score"] == pytest.approx(79.4615, abs=1e-4)


def test_ties_share_a_place_and_the_next_is_skipped(table):
    ranked = table[table["group"] == "urban"].set_index("code")
    # c6 resolved 60% of 30 but nobody rated it, so its satisfaction is the group's 0.9 (full marks):
    # (18 + 20 × 201/260) / 50 × 60 + 40 = 80.15 beats c3's and c4's 79.46
    assert _row(table, "c6")["score"] == pytest.approx(_score(18, 30, 0.9 * 0, 0))
    assert list(ranked.loc[["c1", "c2", "c6", "c3", "c4"], "rank"]) == [1, 2, 3, 4, 4]
    assert ranked.loc["c3", "tied"] and ranked.loc["c4", "tied"] and not ranked.loc["c1", "tied"]


def test_a_small_sample_is_shown_not_ranked(table):
    c5 = _row(table, "c5")
    assert not c5["ranked"] and pd.isna(c5["rank"])
    assert c5["closure_rate.raw"] == pytest.approx(1.0)  # its raw 100% beats everyone, yet it is not first
    assert table[table["group"] == "urban"]["code"].iloc[-1] == "c5"  # listed after the ranked ones


def test_groups_rank_apart_or_together(table):
    assert _row(table, "v1")["group"] == "rural" and _row(table, "v1")["rank"] == 1
    assert _row(table, "v2")["rank"] == 2
    together = rank_month(FIGURES, UNITS, SCHEME, ALL)
    assert set(together["group"]) == {ALL}
    assert together["rank"].max() == 7  # 7 ranked units in one table


def test_floor_names_the_unit_and_the_indicator(table):
    assert _row(table, "c6")["below_floor"] == ["closure_rate"]
    assert _row(table, "c3")["below_floor"] == ["closure_rate"]  # 24/40 = 60% raw
    assert _row(table, "c5")["below_floor"] == []  # not ranked, not named


def test_grades():
    bands = {"A": 90, "B": 75, "C": 60, "D": 40}
    got = scoring.grade(pd.Series([95, 90, 89.99, 75, 60, 40, 39.9, float("nan")]), bands)
    assert list(got[:7]) == ["A", "A", "B", "B", "C", "D", "E"] and pd.isna(got[7])


def test_red_and_black_lists_keep_ties_together(table):
    got = lists(table, "urban", 2)
    assert list(got.red["code"]) == ["c1", "c2"]
    assert sorted(got.black["code"]) == ["c3", "c4"]
    assert set(got.floors["code"]) == {"c3", "c4", "c6"}
    one = lists(table, "urban", 1)  # the bottom one is two units tied: both are named, 排名不分先后
    assert list(one.red["code"]) == ["c1"] and sorted(one.black["code"]) == ["c3", "c4"]
    small = lists(table, "rural", 2)  # a group of two: one list, not the same units twice
    assert list(small.red["code"]) == ["v1", "v2"] and small.black.empty
    three = lists(table, "urban", 3)  # five ranked: top c1, c2, c6; the bottom three less those = c3, c4
    assert list(three.red["code"]) == ["c1", "c2", "c6"] and sorted(three.black["code"]) == ["c3", "c4"]


def test_change_against_last_month(table):
    previous = table.copy()
    previous.loc[previous["code"] == "c1", "rank"] = 3
    previous.loc[previous["code"] == "c1", "score"] = 70.0
    out = with_change(table, previous).set_index("code")
    assert out.loc["c1", "rank_change"] == 2  # 3rd -> 1st: up two
    assert out.loc["c1", "score_change"] == pytest.approx(_score(90, 100, 45, 50) - 70.0)
    assert out.loc["c2", "rank_change"] == 0
    assert pd.isna(out.loc["c5", "rank_change"])


def test_wilson_bound_against_published_values():
    # Evan Miller's example: 2 of 2 should not beat 100 of 101
    lo = scoring.wilson(pd.Series([2, 100]), pd.Series([2, 101]))
    assert lo[0] == pytest.approx(0.3424, abs=1e-4)
    assert lo[1] == pytest.approx(0.9460, abs=1e-4)
    # upper bound of 0 of 10 (lower is better): 1.96² / (10 + 1.96²) = 0.2775
    assert scoring.wilson(pd.Series([0]), pd.Series([10]), upper=True)[0] == pytest.approx(3.8415 / 13.8415, abs=1e-4)


def test_wilson_scheme_ranks_by_the_pessimistic_bound():
    wilson = parse_scheme('name = "w"\nmethod = "wilson"\nmin_cases = 1\n[[indicator]]\nid = "closure_rate"\nweight = 1\n',
                          "w.toml", "w")
    figures = _figures({"c1": dict(received=2, due=2, resolved_due=2), "c2": dict(received=101, due=101, resolved_due=100)})
    out = rank_month(figures, UNITS[UNITS["code"].isin(["c1", "c2"])], wilson).set_index("code")
    assert out.loc["c2", "rank"] == 1 and out.loc["c1", "rank"] == 2


def test_funnel_limits_by_hand():
    lo, hi = scoring.funnel_limits(0.8, pd.Series([100.0]), scoring.Z95)
    assert lo[0] == pytest.approx(0.8 - 1.96 * 0.04, abs=1e-4) and hi[0] == pytest.approx(0.8 + 1.96 * 0.04, abs=1e-4)
    lo, hi = scoring.funnel_limits(0.8, pd.Series([100.0]), scoring.Z998)
    assert lo[0] == pytest.approx(0.8 - 3.0902 * 0.04, abs=1e-4)


def test_funnel_marks_the_units_outside(table):
    dots, limits, r0 = funnel(table, "rural", "closure_rate")
    assert r0 == pytest.approx(43 / 56)
    where = dots.set_index("code")["where"]
    # v1: 30/30 = 1.0 against r0 = 0.768: the 99.8% upper limit at n=30 is 0.768 + 3.09 × 0.0771 = 1.006 → cut to 1.0
    assert where["v1"] == "above_95"
    # v2: 13/26 = 0.5; lower 99.8% limit at n=26 is 0.768 − 3.09 × 0.0828 = 0.512
    assert where["v2"] == "below_998"
    assert limits["n"].is_monotonic_increasing and (limits["lo998"] <= limits["lo95"]).all()


def test_history_ranks_each_month():
    monthly = pd.concat([FIGURES.assign(month="2026-09"), FIGURES.assign(month="2026-10")])
    swapped = monthly.copy()
    swapped.loc[(swapped["month"] == "2026-09") & (swapped["code"] == "c1"), "resolved_due"] = 10
    got = history(swapped, UNITS, SCHEME, "kind", "c1")
    assert list(got["month"]) == ["2026-09", "2026-10"]
    assert list(got["rank"]) == [5, 1] and list(got["of"]) == [5, 5]
