"""The brief's sentence writer and periods (cockpit.domain.brief): rising, falling and 持平 by the cards' rule,
万 for large counts, never "▼0.0%" or "下降0.0%"; ISO weeks and calendar months; the severity table."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd
import pytest

from cockpit.core.i18n import fmt_change
from cockpit.domain import brief


@pytest.mark.parametrize(("change", "zh", "en"), [
    (0.052, "环比上升5.2%", "up 5.2% on the week before"),
    (-0.01, "环比下降1.0%", "down 1.0% on the week before"),
    (-0.0004, "环比持平", "unchanged on the week before"),  # rounds to 0.0%: 持平, as the card says
    (0.00049, "环比持平", "unchanged on the week before"),
    (0.0, "环比持平", "unchanged on the week before"),
    (0.0005, "环比上升0.1%", "up 0.1% on the week before"),  # shown as 0.1%: a rise, as on the card (▲0.1%)
])
def test_change_phrase_rises_falls_or_is_flat_as_the_card_says(change, zh, en):
    assert brief.change_phrase(change, "week", "zh") == zh
    assert brief.change_phrase(change, "week", "en") == en
    card = fmt_change(change, "zh")
    assert ("持平" in zh) == (card == "持平")  # the one 持平 rule: the card and the sentence agree


@pytest.mark.parametrize("change", [None, float("nan"), float("inf")])
def test_no_comparison_gives_no_phrase(change):
    assert brief.change_phrase(change, "month", "zh") is None


def _figures(**over) -> dict:
    f = {"received": 12_345, "received_change": -0.0004, "sources": [("12345热线", 5_061.0), ("网格员巡查", 3_700.0)],
         "top_category": ("市容环境", 2_469.0), "closed": 11_000, "closure_rate": 0.891, "on_time_rate": 0.956,
         "satisfaction": 0.97, "open": 1_345, "overdue": 12, "low_tier_rate": 0.9, "raised": 456, "raised_change": 0.25,
         "active": 30, "s1": 2, "s2": 5, "ack_rate": 0.93, "hot": 3, "earned": 123_456_789, "earned_change": -0.2,
         "redeemed": 5_000, "per_1000": 12.34, "population": 1_200_000, "registered": 900_000, "floating": 300_000,
         "elderly_60p": 250_000, "elderly_alone": 20_000}
    return {**f, **over}


def test_overall_paragraphs_say_what_happened_in_chinese():
    paragraphs = brief.overall_paragraphs(_figures(), "诸暨市", "week", "zh")
    text = "".join(paragraphs)
    assert paragraphs[0].startswith("本周诸暨市共受理事件1.2万件，环比持平，其中12345热线占41.0%、网格员巡查占30.0%")
    assert "数量最多的类别是市容环境（2,469件，占20.0%）" in paragraphs[0]
    assert "期内办结1.1万件，办结率89.1%，按时办结率95.6%，满意率97.0%" in text
    assert "期末在办1,345件，其中超期12件" in text and "90.0%的事件在网格和社区一级解决" in text
    assert "期内产生风险预警456条，环比上升25.0%" in text and "3个网格的预警数明显高于自身基线" in text
    assert "居民获得积分1.2亿分，环比下降20.0%" in text and "每千名居民中有12.3人参与" in text
    assert "常住人口120.0万人" in text
    assert "▼" not in text and "▲" not in text and not re.search(r"(?<![\d.])0\.0%", text)  # never "下降0.0%"
    assert all(p.endswith("。") for p in paragraphs)


def test_overall_paragraphs_in_english_and_for_a_month():
    text = " ".join(brief.overall_paragraphs(_figures(received_change=0.031), "Zhuji", "month", "en"))
    assert text.startswith("This month Zhuji received 12,345 cases, up 3.1% on the month before, of which 12345热线 41.0%")
    assert "下降" not in text and "持平" not in text


def test_a_theme_without_facts_says_so_and_no_comparison_leaves_the_change_out():
    paragraphs = brief.overall_paragraphs(_figures(received_change=None), "枫桥镇", "period", "zh",
                                          missing=frozenset({"alerts", "points"}))
    assert paragraphs[0].startswith("本期枫桥镇共受理事件1.2万件，其中")
    assert "风险预警暂无数据。" in paragraphs and "积分暂无数据。" in paragraphs
    assert not any("环比" in p for p in paragraphs[:1])


def test_no_cases_received_has_no_shares():
    first = brief.overall_paragraphs(_figures(received=0, sources=[], top_category=None), "X", "week", "zh")[0]
    assert first == "本周X共受理事件0件，环比持平。"


@pytest.mark.parametrize(("text", "first", "last", "issue"), [
    ("2026-W44", date(2026, 10, 26), date(2026, 11, 1), 44),
    ("2026W01", date(2025, 12, 29), date(2026, 1, 4), 1),
    ("2026-W53", date(2026, 12, 28), date(2027, 1, 3), 53),
])
def test_iso_weeks(text, first, last, issue):
    p = brief.parse_week(text)
    assert (p.first, p.last, p.issue, p.days, p.kind) == (first, last, issue, 7, "week")
    assert (p.previous().first, p.previous().last) == (first - timedelta(days=7), first - timedelta(days=1))


@pytest.mark.parametrize("text", ["2026-44", "2025-W53", "W44", "2026-W0"])
def test_wrong_weeks_are_one_clear_error(text):
    with pytest.raises(ValueError, match="week|2026-W44"):
        brief.parse_week(text)


def test_months_and_their_comparisons():
    p = brief.parse_month("2026-02")
    assert (p.first, p.last, p.issue, p.days) == (date(2026, 2, 1), date(2026, 2, 28), 2, 28)
    assert (p.previous().first, p.previous().last) == (date(2026, 1, 1), date(2026, 1, 31))
    assert (p.last_year().first, p.last_year().last) == (date(2025, 2, 1), date(2025, 2, 28))
    assert brief.parse_month("2026-01").previous().first == date(2025, 12, 1)
    for wrong in ("2026-13", "202610", "2026/10"):
        with pytest.raises(ValueError):
            brief.parse_month(wrong)


@pytest.mark.parametrize(("day", "monday"), [
    (date(2026, 11, 2), date(2026, 10, 26)),  # a Monday: the week just past
    (date(2026, 11, 1), date(2026, 10, 26)),  # a Sunday: its own week has ended
    (date(2026, 10, 31), date(2026, 10, 19)),  # a Saturday: the week before
])
def test_last_full_week(day, monday):
    assert brief.last_full_week(day).first == monday


def test_days_period_numbers_a_week_by_its_iso_week_and_30_days_by_the_month():
    assert brief.days_period(7, date(2026, 11, 1)).issue == 44
    assert brief.days_period(30, date(2026, 10, 31)).issue == 10
    assert brief.days_period(90, date(2026, 10, 31)).issue is None
    assert brief.days_period(7, date(2026, 11, 1)).first == date(2026, 10, 26)


def test_period_text():
    assert brief.period_text(date(2026, 10, 27), date(2026, 11, 2), "zh") == "2026年10月27日—11月2日"
    assert brief.period_text(date(2026, 12, 28), date(2027, 1, 3), "zh") == "2026年12月28日—2027年1月3日"
    assert brief.period_text(date(2026, 10, 27), date(2026, 11, 2), "en") == "27 Oct 2026 to 2 Nov 2026"


def test_severity_matrix_is_the_active_chart_as_a_table():
    counts = pd.DataFrame({"type": ["gas", "gas", "noise", "fire"], "severity": [1, 3, 4, 2], "alerts": [2, 1, 5, 1]})
    m = brief.severity_matrix(counts)
    assert list(m["type"]) == ["noise", "gas", "fire"]
    assert m.loc[m["type"] == "gas", [1, 2, 3, 4, "total"]].values.tolist() == [[2, 0, 1, 0, 3]]
    assert brief.severity_matrix(counts.iloc[0:0]).empty
