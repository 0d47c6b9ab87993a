"""Every chart's figures as text (#25): the description read before the image and the tables behind 数据.

Built from the chart builders' own inputs, so each test hands a describer what the page hands the
builder and checks that the figures the chart draws are there as words, in the viewer's language.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd

from cockpit.core.i18n import t
from cockpit.views import chart_text
from cockpit.views.chart_text import ChartText, DataTable

ROOT = Path(__file__).resolve().parents[2]


def _days(n: int, start: str = "2026-10-02") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="D")


def _daily(n: int) -> pd.DataFrame:
    days = _days(n)
    return pd.DataFrame({"day": days, "cases_received": [10] * n, "cases_closed": [8] * n,
                         "alerts_raised": list(range(n)), "points_earned": [100] * n})


TIERS = pd.DataFrame({"tier": ["grid", "community", "street", None], "cases": [60, 30, 10, 5]})


def _text_of(text: ChartText) -> str:
    return text.description + " ".join(" ".join(cell for row in table.rows for cell in row) for table in text.tables)


def _has_english(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{3,}", text)


# ---------------------------------------------------------------- overview


def test_trend_panel_totals_peaks_and_one_row_per_day():
    text = chart_text.describe_trend_panel(_daily(30), TIERS, "zh")
    assert text.description.startswith("事件受理与办结：受理合计 300，最高 10（2026-10-02），办结合计 240")
    assert "预警数：预警合计 435，最高 29（2026-10-31）" in text.description
    assert "事件解决层级：网格 60.0%，社区 30.0%，街道 10.0%。" in text.description  # the unknown tier is left out
    cases, alerts, points, tiers = text.tables
    assert cases.caption == "事件受理与办结" and cases.header == ("日期", "受理", "办结")
    assert len(cases.rows) == 30 and cases.rows[0] == ("2026-10-02", "10", "8")
    assert alerts.rows[-1] == ("2026-10-31", "29") and points.rows[0] == ("2026-10-02", "100")
    assert tiers.rows == (("网格", "60", "60.0%"), ("社区", "30", "30.0%"), ("街道", "10", "10.0%"))
    assert _has_english(_text_of(text)) == []


def test_trend_panel_a_year_is_weeks_like_the_chart():
    text = chart_text.describe_trend_panel(_daily(365), TIERS, "en")
    cases = text.tables[0]
    assert cases.header[0] == "Week starting" and 52 <= len(cases.rows) <= 54
    assert sum(int(row[1].replace(",", "")) for row in cases.rows) == 3650  # every day counted once
    assert text.description.startswith("Cases received and closed: Received total 3,650")


def test_trend_panel_a_theme_without_data_says_so():
    text = chart_text.describe_trend_panel(_daily(7), TIERS, "zh", 560, ("alerts", "cases"))
    assert "预警数：暂无数据。" in text.description and "事件解决层级：暂无数据。" in text.description
    assert [table.rows for table in text.tables if table.caption == "预警数"] == [(("暂无数据",),)]


# ---------------------------------------------------------------- cases


FUNNEL = pd.DataFrame({"stage": ["received", "registered", "dispatched", "resolved", "verified", "closed", "visited"],
                       "cases": [11207, 11100, 11000, 10500, None, 10300, 8480],
                       "share": [1.0] * 7, "median_hours": [None, 0.8, 1.2, 50.0, None, 1.0, 15.4]})


def test_funnel_names_every_stage_and_figure():
    series = pd.DataFrame({"day": _days(3), "overdue": [5, 9, 7]})
    text = chart_text.describe_left_panel(FUNNEL, series, "zh")
    assert text.description.startswith("办理流程漏斗（括注为上一环节至此的中位用时）：受理 11,207，立案 11,100，")
    assert "核查 未记录" in text.description and "回访 8,480。" in text.description
    assert "超期事件趋势（每日末）：期末 7，最高 9（2026-10-03）。" in text.description
    funnel, trend = text.tables
    assert funnel.rows[0] == ("受理", "11,207", "—") and funnel.rows[3] == ("处置", "10,500", "2.1 天")
    assert funnel.rows[1][2] == "0.8 小时" and trend.rows == (("2026-10-02", "5"), ("2026-10-03", "9"), ("2026-10-04", "7"))
    english = chart_text.describe_left_panel(FUNNEL, series, "en")
    assert english.tables[0].header == ("Stage", "Cases", "Median time from the stage before")
    assert english.tables[0].rows[1] == ("Registered", "11,100", "0.8 h")


def test_tier_panel_the_unit_first_then_its_children():
    shares = pd.DataFrame({"code": ["c"] * 2 + ["k1"] * 2, "order": [0, 0, 1, 1], "tier": ["grid", "street"] * 2,
                           "cases": [6, 4, 1, 3], "share": [0.6, 0.4, 0.25, 0.75]})
    text = chart_text.describe_tier_panel(shares, {"c": "诸暨市", "k1": "暨阳街道"}, "zh")
    assert text.description == "解决层级：本级与下级（解决量前15）：诸暨市 网格 60.0%，街道 40.0%。"
    [table] = text.tables
    assert table.header == ("单元", "网格", "社区", "街道", "区县", "市级", "已解决件数")
    assert table.rows == (("诸暨市", "60.0%", "—", "40.0%", "—", "—", "10"), ("暨阳街道", "25.0%", "—", "75.0%", "—", "—", "4"))
    empty = chart_text.describe_tier_panel(shares.iloc[0:0], {}, "zh")
    assert empty.description == f"解决层级：本级与下级（解决量前15）：{t('cs_tiers_none', 'zh')}。"


# ---------------------------------------------------------------- alerts and participation


def test_alert_panel_types_by_severity_and_the_year_before():
    counts = pd.DataFrame({"type": ["gas", "gas", "noise"], "severity": [1, 3, 4], "alerts": [2, 5, 9]})
    days = _days(2)
    trend = pd.concat([pd.DataFrame({"day": days, "alerts": [3, 4], "series": "now"}),
                       pd.DataFrame({"day": days, "alerts": [1, 1], "series": "last_year"})], ignore_index=True)
    text = chart_text.describe_alert_panel(counts, trend, "zh")
    assert text.description.startswith("活跃预警（按类型、等级）：噪声扰民 9，燃气泄漏 7。")
    assert "本期合计 7，去年同期合计 2" in text.description
    active, year = text.tables
    assert active.header == ("预警类型", "红色", "橙色", "黄色", "蓝色", "合计")
    assert active.rows[1] == ("燃气泄漏", "2", "0", "5", "0", "7")
    assert year.header == ("日期", "本期", "去年同期") and year.rows[0] == ("2026-10-02", "3", "1")


def test_participation_panel_kinds_activities_and_every_child():
    series = pd.DataFrame({"day": list(_days(2)) * 2, "kind": ["volunteer"] * 2 + ["redeemed"] * 2,
                           "points": [10, 20, 5, 0]})
    stats = pd.DataFrame({"kind": ["patrol", "volunteer"], "activities": [2, 5], "participants": [30, 80]})
    rates = pd.DataFrame({"code": list("abcde"), "per_1000": [1.0, 5.0, 3.0, 4.0, 2.0],
                          "name": ["甲社区", "乙社区", "丙社区", "丁社区", "戊社区"], "label": list("甲乙丙丁戊")})
    text = chart_text.describe_participation_panel(series, stats, rates, "zh")
    points, activities, per_1000 = text.tables
    assert points.header == ("日期", t("part_kind_volunteer", "zh"), t("part_kind_redeemed", "zh"))
    assert points.rows[1][1:] == ("20", "0")
    assert points.rows[0][0] == "2026-10-02"
    assert activities.rows[0][1:] == ("5", "80")
    assert [row[0] for row in per_1000.rows] == ["乙社区", "丁社区", "丙社区", "戊社区", "甲社区"]  # all, highest first
    assert "乙社区 5.0，丁社区 4.0，丙社区 3.0，等 5 个" in text.description


def test_rank_chart_every_child_as_the_page_writes_it():
    frame = pd.DataFrame({"code": ["a", "b"], "value": [12.0, 3.0], "text": ["12", "3"], "name": ["甲街道", "乙镇"],
                          "label": ["甲", "乙"]})
    text = chart_text.describe_rank_chart(frame, "street", "在办事件", "zh", 500)
    assert text.description == "下级街道排名 · 在办事件：甲街道 12，乙镇 3。"
    assert text.tables[0].rows == (("甲街道", "12"), ("乙镇", "3"))


# ---------------------------------------------------------------- HTML and coverage


def test_data_html_is_a_closed_details_with_real_tables_escaped():
    text = ChartText("说明", (DataTable("<标题>", ("名称", "值"), (("a&b", "1"),)),), "zh")
    out = chart_text.build_data_html("图", text)
    assert out.startswith('<details class="ck-data"><summary aria-label="数据：图">数据</summary>')
    assert " open" not in out  # closed by default: the page stays uncluttered
    assert "<caption>&lt;标题&gt;</caption>" in out and '<th scope="col">名称</th>' in out
    assert '<th scope="row">a&amp;b</th><td>1</td>' in out
    assert chart_text.build_data_html("图", ChartText("", ())) == ""
    head = chart_text.build_heading_html("趋势", text)
    assert head == '<div class="ck-chart-head"><h2>趋势</h2><p>说明</p></div>'


def _chart_builders() -> set[str]:
    """The builders every Chart(...) in cockpit/ui names (its third argument)."""
    found = set()
    for path in (ROOT / "cockpit" / "ui").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Chart" and len(node.args) >= 3:
                found.add(ast.unparse(node.args[2]).split(".")[-1])
    return found


def test_every_chart_a_page_draws_has_a_describer():
    builders = _chart_builders()
    assert {"build_trend_panel", "build_left_panel", "build_tier_panel", "build_alert_panel"} <= builders
    described = {build.__name__ for build in chart_text.DESCRIBERS}
    assert builders <= described, f"charts without text: {sorted(builders - described)}"


def test_unknown_builder_has_no_text_rather_than_failing():
    assert chart_text.describe(lambda: None, ()) == ChartText("", ())
