"""The compare page's arithmetic (#23) on hand-computed values: per-capita figures, best and worst, spread."""

from __future__ import annotations

import math

import pytest

from cockpit.domain import compare


def test_spread_leaves_out_zeros_and_missing_and_says_how_many():
    # kept 2, 4, 6: mean 4, deviations -2, 0, 2 -> variance 8/3, sd 1.63299, cv 0.40825; 6/2 = 3
    found = compare.spread([2.0, 4.0, 0.0, None, 6.0, float("nan")])
    assert found.counted == 3 and found.left_out == 3
    assert found.mean == pytest.approx(4.0)
    assert found.cv == pytest.approx(math.sqrt(8 / 3) / 4)
    assert found.cv == pytest.approx(0.408248, abs=1e-6)
    assert found.ratio == pytest.approx(3.0)
    assert (found.highest, found.lowest) == (6.0, 2.0)


def test_spread_of_equal_values_is_zero_and_ratio_one():
    found = compare.spread([5.0, 5.0, 5.0])
    assert found.cv == 0.0 and found.ratio == 1.0 and found.left_out == 0


def test_spread_needs_two_values():
    one = compare.spread([0.0, 7.0])
    assert one.cv is None and one.ratio is None and one.counted == 1 and one.left_out == 1
    none = compare.spread([])
    assert none.cv is None and none.counted == 0 and none.mean is None


def test_spread_change_is_the_cv_difference():
    # 10, 30: mean 20, sd 10, cv 0.5; 15, 25: mean 20, sd 5, cv 0.25 -> more even by 0.25
    now, before = compare.spread([15.0, 25.0]), compare.spread([10.0, 30.0])
    assert before.cv == pytest.approx(0.5) and now.cv == pytest.approx(0.25)
    assert compare.spread_change(now, before) == pytest.approx(-0.25)
    assert compare.spread_change(now, compare.spread([1.0])) is None


def test_best_and_worst_follow_the_direction():
    overdue = [3.0, 1.0, 5.0, None]  # more overdue is worse
    assert compare.best_worst(overdue, -1) == ({1}, {2})
    rate = [0.9, 0.95, 0.8]  # a higher closure rate is better
    assert compare.best_worst(rate, 1) == ({1}, {2})


def test_ties_are_all_marked_and_equal_or_single_rows_are_not():
    assert compare.best_worst([1.0, 2.0, 2.0, 1.0], 1) == ({1, 2}, {0, 3})
    assert compare.best_worst([4.0, 4.0], 1) == (set(), set())
    assert compare.best_worst([4.0, None], 1) == (set(), set())
    assert compare.best_worst([100.0, 200.0], 0) == (set(), set())  # population: neither


def test_figures_per_10k_divide_by_registered_and_floating():
    values = {"registered": 8000, "floating": 2000, "open": 25, "overdue": 4, "closure_rate": 0.8,
              "on_time_rate": None, "satisfaction": 0.9, "active": 3, "earned": 1500, "participants_per_1000": 12.5}
    found = compare.figures(values)
    assert found["open_per_10k"] == pytest.approx(25.0)  # 25 cases in 10,000 residents
    assert found["overdue_per_10k"] == pytest.approx(4.0)
    assert found["active_per_10k"] == pytest.approx(3.0)
    assert found["earned_per_10k"] == pytest.approx(1500.0)
    assert found["on_time_rate"] is None and found["closure_rate"] == 0.8
    assert [r.key for r in compare.ROWS][:4] == ["registered", "floating", "open", "open_per_10k"]


def test_figures_without_residents_are_missing_not_zero():
    found = compare.figures({"registered": 0, "floating": 0, "open": 3})
    assert found["open_per_10k"] is None and found["open"] == 3.0
    assert all(v is None for v in compare.figures({}).values())


def test_parse_units_keeps_order_drops_repeats_and_names_the_malformed():
    found = compare.parse_units(" 330681001000,abc,330681001000 ,330681001001001,,12")
    assert found.codes == ["330681001000", "330681001001001"]
    assert found.malformed == ["abc", "12"]
    assert compare.parse_units(None).codes == []


def test_cap_keeps_the_first_six():
    codes = [str(330681001000 + i) for i in range(8)]
    kept, left = compare.cap(codes)
    assert kept == codes[:6] and left == codes[6:]


def test_balance_values_per_10k_and_missing_without_residents():
    import pandas as pd

    children = pd.DataFrame({"population": [20000.0, 5000.0, 0.0], "open_cases": [10.0, 10.0, 3.0],
                             "points_per_1000": [4.0, 0.0, 0.0], "density": [100.0, 50.0, 0.0]},
                            index=["a", "b", "c"])
    open_ = compare.balance_values(children, "open")
    assert open_["a"] == pytest.approx(5.0) and open_["b"] == pytest.approx(20.0)  # 10 per 20,000; 10 per 5,000
    assert pd.isna(open_["c"])
    found = compare.spread(list(open_))
    assert found.ratio == pytest.approx(4.0) and found.left_out == 1  # 20 / 5; c has no residents
    assert found.cv == pytest.approx(0.6)  # mean 12.5, sd 7.5
    assert list(compare.balance_values(children, "points")) == [4.0, 0.0, 0.0]


def test_balance_of_cases_received_uses_the_added_column():
    import pandas as pd

    children = pd.DataFrame({"population": [10000.0, 40000.0], "received": [30.0, 60.0]}, index=["a", "b"])
    found = compare.balance_values(children, "received")
    assert list(found) == [pytest.approx(30.0), pytest.approx(15.0)]  # 30 per 10,000; 60 per 40,000
    assert compare.spread(list(found)).ratio == pytest.approx(2.0)
