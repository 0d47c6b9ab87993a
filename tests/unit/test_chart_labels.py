"""What a small unit exposes on screen: whole-number axes, empty panels that say so, labels that differ, rates alike."""

import re

import pandas as pd

from cockpit.domain.hierarchy import short_names
from cockpit.views import alerts, participation
from cockpit.views.charts import count_axis, json_to_svg


def _numbers(svg: str) -> list[str]:
    return re.findall(r">(-?[0-9.]+)</text>", svg)


def _trend(values: list[int]) -> pd.DataFrame:
    days = pd.date_range("2026-10-01", periods=len(values), freq="D")
    return pd.DataFrame({"series": ["now"] * len(values) + ["last_year"] * len(values),
                         "day": list(days) * 2, "alerts": values + [0] * len(values)})


def test_a_grid_with_one_alert_has_whole_number_ticks():
    counts = pd.DataFrame({"type": ["gas"], "severity": [1], "alerts": [1]})
    svg = json_to_svg(alerts.build_alert_panel(counts, _trend([0, 1, 0]), "zh", 330).to_json())
    ticks = _numbers(svg)
    assert ticks and all("." not in tick for tick in ticks), ticks
    assert "1" in ticks


def test_count_axis_lists_small_counts_and_leaves_large_ones_to_vega():
    assert count_axis(1, 3).to_dict()["values"] == [0, 1]
    assert count_axis(0, 3).to_dict()["values"] == [0, 1]  # an all-zero chart is drawn 0..1
    assert count_axis(float("nan"), 3).to_dict()["values"] == [0, 1]
    assert count_axis(3, 3).to_dict()["values"] == [0, 1, 2, 3]
    large = count_axis(250, 3).to_dict()
    assert "values" not in large and large["tickCount"] == 3


def test_no_active_alert_is_said_not_drawn_as_bare_axes():
    empty = pd.DataFrame({"type": [], "severity": [], "alerts": []})
    svg = json_to_svg(alerts.build_alert_panel(empty, _trend([0, 0, 0]), "zh", 330).to_json())
    assert "当前没有活跃预警" in svg and "活跃预警（按类型、等级）" in svg
    busy = pd.DataFrame({"type": ["gas"], "severity": [2], "alerts": [3]})
    assert "当前没有活跃预警" not in json_to_svg(alerts.build_alert_panel(busy, _trend([1, 2, 0]), "zh", 330).to_json())


def test_no_activity_held_is_said():
    stats = pd.DataFrame({"kind": ["volunteer"], "activities": [0], "participants": [0]})
    svg = json_to_svg(participation.build_activity_chart(stats, "en", 420).to_json())
    assert "No activity was held in the period" in svg


def test_short_names_drop_the_parents_name():
    names = {"330402007024001": "百福弄社区居委会第1网格", "330402007024002": "百福弄社区居委会 · 第2网格",
             "330402007024003": "东门网格", "330402007024": "百福弄社区居委会"}
    assert short_names(names, "百福弄社区居委会") == {
        "330402007024001": "第1网格", "330402007024002": "第2网格",
        "330402007024003": "东门网格",  # not named after the parent: kept
        "330402007024": "百福弄社区居委会",  # nothing but the prefix: kept
    }
    assert short_names(names, "") == names


def test_rates_on_screen_have_one_decimal_each():
    """Streamlit shows a percent column with the step's decimals less two; without a step 0.7268 and
    0.741 read 72.68% and 74.1% side by side."""
    from cockpit.ui.downloads import column_config
    from cockpit.views.tables import Table

    table = Table("votes", "votes", pd.DataFrame({"turnout": [0.741, 0.7268], "n": [1, 2]}), percent=("turnout",))
    config = column_config(table)
    assert set(config) == {"turnout"}
    assert config["turnout"]["type_config"]["format"] == "percent"
    assert config["turnout"]["type_config"]["step"] == 0.001


def test_no_resolved_case_with_a_tier_is_said_with_the_panels_title():
    from cockpit.views import cases

    empty = pd.DataFrame({"code": [], "tier": [], "share": [], "order": []})
    svg = json_to_svg(cases.build_tier_panel(empty, {}, "zh", 330).to_json())
    assert "期内无记录处置层级的已处置事件" in svg and "解决层级" in svg
