"""The big screen's pure parts: URL options, period end and midnight, rotation, HTML, map and chart specs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pandas as pd
import pytest

from cockpit.core.model import Unit, compute_windows
from cockpit.domain.metrics import compute_kpis
from cockpit.views import bigscreen as bs


@pytest.mark.parametrize(("params", "expected"), [
    ({}, bs.ScreenOptions()),
    ({"scale": "fill"}, bs.ScreenOptions(scale="fill")),
    ({"scale": "FILL "}, bs.ScreenOptions(scale="fill")),
    ({"scale": "stretch"}, bs.ScreenOptions(scale="fit")),
    ({"refresh": "30"}, bs.ScreenOptions(refresh=30)),
    ({"refresh": "1"}, bs.ScreenOptions(refresh=5)),  # the floor
    ({"refresh": "abc"}, bs.ScreenOptions(refresh=60)),
    ({"refresh": "inf"}, bs.ScreenOptions(refresh=60)),
    ({"refresh": "999999"}, bs.ScreenOptions(refresh=86400)),
    ({"rotate": "children"}, bs.ScreenOptions(rotate=("children",))),
    ({"rotate": "themes"}, bs.ScreenOptions(rotate=("themes",))),
    ({"rotate": "themes,children"}, bs.ScreenOptions(rotate=("children", "themes"))),
    ({"rotate": "children|themes"}, bs.ScreenOptions(rotate=("children", "themes"))),
    ({"rotate": "streets"}, bs.ScreenOptions(rotate=())),
    ({"every": "2"}, bs.ScreenOptions(every=5)),
    ({"every": "45"}, bs.ScreenOptions(every=45)),
    ({"reload_hours": "0"}, bs.ScreenOptions(reload_hours=None)),
    ({"reload_hours": "12"}, bs.ScreenOptions(reload_hours=12.0)),
    ({"reload_hours": "0.001"}, bs.ScreenOptions(reload_hours=0.05)),  # never a reload loop
    ({"reload_hours": "nan"}, bs.ScreenOptions(reload_hours=None)),
    ({"reload_hours": "soon"}, bs.ScreenOptions(reload_hours=None)),
])
def test_parse_options(params, expected):
    assert bs.parse_options(params) == expected


def test_a_benchmark_may_refresh_faster_and_the_tick_is_the_shorter_interval():
    assert bs.parse_options({"refresh": "1"}, min_refresh=1).refresh == 1
    assert bs.ScreenOptions(refresh=60, rotate=("children",), every=20).tick == 20
    assert bs.ScreenOptions(refresh=10, rotate=("themes",), every=30).tick == 10
    assert bs.ScreenOptions(refresh=60, every=20).tick == 60  # no rotation: the refresh alone


NOW = datetime(2026, 12, 2, 0, 1)


@pytest.mark.parametrize(("data_end", "now", "expected"), [
    (None, NOW, NOW),
    (datetime(2026, 12, 1, 23, 58), NOW, NOW),  # a live feed follows the clock
    (datetime(2026, 10, 31, 23, 31), NOW, datetime(2026, 10, 31, 23, 31)),  # a demo keeps its own end
    (datetime(2026, 12, 2, 0, 5), NOW, datetime(2026, 12, 2, 0, 5)),  # a store a little ahead of this clock
])
def test_screen_end(data_end, now, expected):
    assert bs.compute_screen_end(data_end, now) == expected


def test_relative_periods_roll_over_at_midnight_before_new_data_arrives():
    last_receipt = datetime(2026, 12, 1, 23, 50)
    before = compute_windows(bs.compute_screen_end(last_receipt, datetime(2026, 12, 1, 23, 59)), 7)[0]
    after = compute_windows(bs.compute_screen_end(last_receipt, datetime(2026, 12, 2, 0, 0, 30)), 7)[0]
    assert (before.start, before.end) == (datetime(2026, 11, 25), datetime(2026, 12, 2))
    assert (after.start, after.end) == (datetime(2026, 11, 26), datetime(2026, 12, 3))


def test_rotation_through_children_then_back_to_the_unit():
    steps = [bs.compute_step(i, ("children",), 3, "cases") for i in range(5)]
    assert [s.child for s in steps] == [0, 1, 2, 3, 0]
    assert {s.theme for s in steps} == {"cases"}
    assert [(s.position, s.length) for s in steps[:2]] == [(1, 4), (2, 4)]


def test_rotation_through_themes_and_both():
    assert [bs.compute_step(i, ("themes",), 3, "cases").theme for i in range(5)] == [*bs.THEMES, "population"]
    assert bs.compute_step(2, ("themes",), 3, "cases").child is None
    both = [bs.compute_step(i, ("children", "themes"), 2, "cases") for i in range(12)]
    assert [(s.child, s.theme) for s in both[:5]] == [(0, "population"), (0, "cases"), (0, "alerts"), (0, "points"),
                                                     (1, "population")]
    assert both[-1].length == 12 and both[-1].position == 12


def test_rotation_through_themes_ends_with_the_ranking_where_there_is_one():
    steps = [bs.compute_step(i, ("themes",), 3, "cases", ranking=True) for i in range(6)]
    assert [s.theme for s in steps] == [*bs.THEMES, bs.RANKING, "population"]
    assert steps[4].length == 5
    both = [bs.compute_step(i, ("children", "themes"), 2, "cases", ranking=True) for i in range(15)]
    assert [(s.child, s.theme) for s in both[4:6]] == [(0, bs.RANKING), (1, "population")] and both[-1].length == 15
    assert bs.compute_step(4, ("children",), 3, "cases", ranking=True).theme == "cases"  # only a theme rotation has it


def test_ranking_board_escapes_names_and_says_when_empty():
    html = bs.build_ranking_html("2026年10月考核排名 · 诸暨市", "三率 示例", [
        ("街道", [("1", "<b>暨阳街道</b>", "92.4"), ("2（并列）", "浣东街道", "90.1")], [("9", "陶朱街道", "70.2")])], "zh")
    assert "&lt;b&gt;暨阳街道&lt;/b&gt;" in html and "<b>暨阳" not in html
    assert html.count("<li>") == 3 and "红榜" in html and "黑榜" in html and "2（并列）" in html
    assert "本月暂无可排名的单位" in bs.build_ranking_html("t", "s", [], "zh")
    assert "No unit to rank" in bs.build_ranking_html("t", "s", [("Streets", [], [])], "en")


def test_no_rotation_and_a_unit_without_children():
    assert bs.compute_step(7, (), 5, "alerts") == bs.Step(None, "alerts", 1, 1)
    assert bs.compute_step(3, ("children",), 0, "cases") == bs.Step(None, "cases", 1, 1)  # a grid


VALUES = {"registered": 929_000, "floating": 271_000, "households": 462_000, "elderly_60p": 230_000,
          "elderly_alone": 30_000, "open": 468, "overdue": 56, "closed": 11_000, "closure_rate": 0.958,
          "on_time_rate": 0.9, "satisfaction": 0.972, "low_tier_rate": 0.901, "active": 37, "raised": 7478,
          "ack_rate": 0.983, "earned": 538_000, "redeemed": 220_000, "participants_per_1000": 30.9}
KPIS = compute_kpis(VALUES, {k: v * 0.9 for k, v in VALUES.items()}, {})


def test_panels_show_the_overview_kpis_large():
    html = bs.build_panel_html("cases", KPIS, "zh", on=True, trend_svg="<svg/>")
    assert 'data-theme="cases"' in html and "bs-panel theme-cases on" in html
    assert ">468<" in html and ">在办事件<" in html and "环比 ▲11.1%" in html and "同比 —" in html
    assert ">95.8%<" in html and "data:image/svg+xml;base64,PHN2Zy8+" in html
    alerts = bs.build_panel_html("alerts", KPIS, "en", severities=(2, 0, 12, 23))
    assert "Red 2" in alerts and "Blue 23" in alerts and " on" not in alerts.split(">")[0]
    population = bs.build_panel_html("population", KPIS, "zh")
    assert "92.9万" in population and "120.0万" in population and "width:77.4%" in population


def test_header_escapes_the_name_and_carries_demo_stamp_and_stale_notice():
    unit = Unit("330681000000", "<b>诸暨</b>", "city", None, "city", None, None, None)
    html = bs.build_header_html(unit, True, datetime(2026, 10, 31, 23, 31), 30, "zh", NOW,
                                bs.stale_text(datetime(2026, 12, 2, 0, 0), "zh"), bs.Step(1, "cases", 2, 4))
    assert "&lt;b&gt;诸暨&lt;/b&gt;" in html and "<b>诸暨" not in html
    assert "演示数据" in html and "数据截至 2026年10月31日 23:31" in html and "近30天" in html
    assert "数据暂停更新 · 截至 00:00" in html and "轮播 2/4" in html
    plain = bs.build_header_html(unit, False, None, 7, "en", NOW)
    assert "Demo" not in plain and "bs-stale" not in plain and "Rotating" not in plain
    assert bs.stale_text(None, "en") == "Data paused"


def test_clock_in_both_languages():
    assert ">00:01:00<" in bs.build_clock_html(NOW, "zh") and "2026年12月2日 星期三" in bs.build_clock_html(NOW, "zh")
    assert "Wed 2 Dec 2026" in bs.build_clock_html(NOW, "en")


def test_the_script_scales_from_the_viewport_and_schedules_reloads():
    script = bs.build_script(bs.ScreenOptions(scale="fill", refresh=60, reload_hours=6), "zh")
    cfg = json.loads(script.split("cfg = ", 1)[1].split(", W = ", 1)[0])
    assert cfg["scale"] == "fill" and cfg["reloadMs"] == 6 * 3600 * 1000 and cfg["stallMs"] == 135_000
    assert "P.innerWidth" in script and "screen.width" not in script and "screen.height" not in script
    assert "P.location.reload()" in script and "_stcore/health" in script
    assert json.loads(bs.build_script(bs.ScreenOptions(), "en").split("cfg = ", 1)[1].split(", W = ", 1)[0])[
        "reloadMs"] == 0


def test_the_script_and_the_stylesheet_turn_upright_on_the_same_query():
    """fit picks the upright canvas where the CSS lays the parts out upright: one query for both (#25)."""
    from importlib import resources

    css = resources.files("cockpit.resources").joinpath("bigscreen.css").read_text(encoding="utf-8")
    cfg = json.loads(bs.build_script(bs.ScreenOptions(), "zh").split("cfg = ", 1)[1].split(", W = ", 1)[0])
    assert cfg["portrait"] == bs.PORTRAIT_QUERY
    assert f"@media {bs.PORTRAIT_QUERY}" in css and "bs-tall" not in css  # no second switch (the old class)
    assert "matchMedia(cfg.portrait)" in bs.build_script(bs.ScreenOptions(), "zh")


def _square(code: str, x: float) -> dict:
    ring = [[x, 30.0], [x + 0.1, 30.0], [x + 0.1, 30.1], [x, 30.1], [x, 30.0]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"code": code, "name": code, "fill": [1, 2, 3, 200], "value": 3.0}}


def test_the_map_is_the_overviews_in_25d():
    fc = {"type": "FeatureCollection", "features": [_square("a", 120.0), _square("b", 120.1)]}
    deck = json.loads(bs.build_screen_deck(fc, (120.0, 30.0, 120.2, 30.1), "zh").to_json())
    assert deck["initialViewState"]["pitch"] == 50 and deck["initialViewState"]["bearing"] == -12
    [units] = deck["layers"]
    assert units["extruded"] is True and units["id"] == "units" and units["elevationScale"] == bs.ELEVATION_SCALE


def test_trends_reuse_the_overview_chart_with_chinese_axis_units():
    daily = pd.DataFrame({"day": pd.date_range("2026-10-01", periods=30), "cases_received": 300.0,
                          "cases_closed": 280.0, "alerts_raised": 200.0, "points_earned": 20_000.0})
    assert bs.build_trend(daily, "population", "zh") is None
    zh = bs.build_trend(daily, "points", "zh").to_dict()["vconcat"][0]
    assert "万" in zh["encoding"]["y"]["axis"]["labelExpr"] and zh["title"]["text"] == "积分获得"
    en = bs.build_trend(daily, "cases", "en").to_dict()["vconcat"][0]
    assert "labelExpr" not in en["encoding"]["y"]["axis"] and en["width"] == bs.CHART_W - 70


def test_every_metric_has_a_theme_and_back():
    assert {bs.METRIC_THEME[m] for m in bs.THEME_METRIC.values()} == set(bs.THEMES)
    assert all(bs.THEME_METRIC[theme] in bs.METRIC_THEME for theme in bs.THEMES)
    assert timedelta(days=1) == bs.LIVE_LAG


def test_a_change_that_rounds_to_zero_is_unchanged_on_the_screen_and_the_cards():
    """Issue #25: 持平 (flat colour) on the big screen, the overview's cards and the phone, never ■0.0% / ▼0.0%."""
    from cockpit.views import cards, home

    values = {**VALUES, "open": 10_000}
    kpis = compute_kpis(values, {**values, "open": 10_004}, {**values, "open": 9_996})  # -0.04% and +0.04%
    html = bs.build_panel_html("cases", kpis, "zh", on=True, trend_svg="<svg/>")
    assert '<span class="bs-chg flat">环比 持平</span>' in html and '<span class="bs-chg flat">同比 持平</span>' in html
    assert "0.0%" not in html.replace("95.8%", "")
    overview = cards.build_kpi_html(kpis, "en")
    assert '<span class="chg flat">vs prev. unchanged</span>' in overview and "▼0.0" not in overview
    assert '<span class="chg flat">环比 持平</span>' in home.build_home_figures_html(kpis, "zh")
    from cockpit.views.overview import kpi_table

    frame = kpi_table(kpis, "zh", "指标").frame
    row = frame[frame["指标"] == "在办事件"].iloc[0]
    assert (row["环比"], row["同比"]) == (0.0, 0.0)  # the files hold 0, shown as 0.0%, never -0.0%
