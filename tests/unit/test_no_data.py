"""A theme without facts reads 暂无数据, never 0 (#28): cards, header, big screen, trend charts, who sees the command."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pandas as pd
import pytest

from cockpit.core.model import Unit, compute_windows
from cockpit.domain import facts
from cockpit.domain.access import KIOSK, OPEN, Access
from cockpit.domain.metrics import compute_kpis
from cockpit.store.schema import TABLES_IN_LOAD_ORDER
from cockpit.views import bigscreen as bs
from cockpit.views import cards, charts, home

CITY = Unit("330400000000", "嘉兴市", "city", None, "city", None, None, None)
ZEROS = {"registered": 0, "floating": 0, "households": 0, "elderly_60p": 0, "elderly_alone": 0, "open": 0, "overdue": 0,
         "closed": 0, "closure_rate": None, "on_time_rate": None, "satisfaction": None, "low_tier_rate": None, "active": 0,
         "raised": 0, "ack_rate": None, "earned": 0, "redeemed": 0, "participants_per_1000": None}
KPIS = compute_kpis(ZEROS, {}, {})


def _theme_card(html: str, theme: str) -> str:
    start = html.index(f'<div class="card theme-{theme}')
    end = html.find('<div class="card theme-', start + 1)
    return html[start:end if end > 0 else len(html)]


def test_missing_themes_and_their_commands():
    assert facts.missing(None) == frozenset()
    assert facts.missing({"population": False, "cases": True, "alerts": False, "points": True}) == {"population", "alerts"}
    tables = {t.name for t in TABLES_IN_LOAD_ORDER}
    for theme in facts.THEMES:  # every command names a real contract table
        command = facts.import_command(theme)
        assert command.startswith("python -m cockpit import csv ") and command.split("--table ")[1] in tables


def test_cards_say_no_data_with_the_command_for_an_operator():
    html = cards.build_kpi_html(KPIS, "zh", (0, 0, 0, 0), frozenset({"population", "alerts", "points"}), hint=True)
    for theme in ("population", "alerts", "points"):
        card = _theme_card(html, theme)
        assert "暂无数据" in card and 'class="kv"' not in card and "sev" not in card
        assert facts.import_command(theme) in card
    cases = _theme_card(html, "cases")  # a theme with facts and a true zero still reads 0
    assert "暂无数据" not in cases and '<div class="kv">0</div>' in cases
    plain = cards.build_kpi_html(KPIS, "en", None, frozenset(facts.THEMES), hint=False)
    assert plain.count("No data yet") == 4 and "python -m cockpit" not in plain and 'class="kv"' not in plain


def test_header_as_of_is_the_newest_fact_or_no_data():
    w = compute_windows(datetime(2026, 12, 1, 17, 45), 30)[0]
    assert "数据截至 2026年12月1日" in cards.build_header_html(CITY, False, datetime(2026, 12, 1, 17, 45), w, "zh")
    assert "数据截至 暂无数据" in cards.build_header_html(CITY, False, None, w, "zh")
    assert "No data yet" in cards.build_header_html(CITY, False, None, w, "en")


def test_big_screen_subtitle_has_no_empty_segment():
    html = bs.build_header_html(CITY, False, None, 30, "zh", datetime(2026, 12, 7, 20, 55, 18))
    text = re.sub(r"<[^>]+>", "", html)
    assert "市 · 近30天 · 数据截至 暂无数据 · 刷新于 20:55:18" in text
    assert not re.search(r"·\s*·", text)


def test_big_screen_panel_without_facts():
    html = bs.build_panel_html("cases", KPIS, "zh", True, None, "<svg/>", no_data=True)
    assert "暂无数据" in html and "bs-trend" not in html and 'data-key="open"' not in html and " on" in html
    alerts = bs.build_panel_html("alerts", KPIS, "zh", False, (0, 0, 0, 0), None, no_data=False)
    assert "暂无数据" not in alerts and "红色 0" in alerts  # facts exist: a true zero is 0


def _axis_labels(spec: dict) -> list:
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            axis = node.get("y", {}).get("axis") if isinstance(node.get("y"), dict) else None
            if isinstance(axis, dict):
                found.append(axis)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("theme", ["cases", "alerts", "points"])
def test_an_all_zero_big_screen_trend_has_whole_number_ticks(theme, lang):
    days = pd.date_range("2026-11-02", periods=30, freq="D")
    daily = pd.DataFrame({"day": days, "cases_received": 0.0, "cases_closed": 0.0, "alerts_raised": 0.0, "points_earned": 0.0})
    axes = _axis_labels(bs.build_trend(daily, theme, lang).to_dict())
    assert axes and all(a.get("values") == [0, 1] and a.get("format") == "d" and "labelExpr" not in a for a in axes), axes
    svg = charts.json_to_svg(charts.spec_json(bs.build_trend(daily, theme, lang)))
    ticks = re.findall(r">(\d+(?:\.\d+)?)</text>", svg)
    assert ticks and set(ticks) <= {"0", "1"} and ticks.count("1") == 1, ticks  # not "0, 1, 1"


def test_big_screen_trend_keeps_wan_labels_for_large_counts():
    days = pd.date_range("2026-11-02", periods=30, freq="D")
    daily = pd.DataFrame({"day": days, "cases_received": 30000.0, "cases_closed": 20000.0, "alerts_raised": 0.0,
                          "points_earned": 0.0})
    axes = _axis_labels(bs.build_trend(daily, "cases", "zh").to_dict())
    assert any("万" in a.get("labelExpr", "") for a in axes)


def test_trend_panel_says_no_data_for_a_theme_without_facts():
    days = pd.date_range("2026-11-02", periods=30, freq="D")
    daily = pd.DataFrame({"day": days, "cases_received": 1.0, "cases_closed": 0.0, "alerts_raised": 0.0, "points_earned": 0.0})
    tiers = pd.DataFrame({"tier": ["grid"], "cases": [1]})
    svg = charts.json_to_svg(charts.spec_json(charts.build_trend_panel(daily, tiers, "zh", 560, ("alerts", "points"))))
    assert svg.count(">暂无数据<") == 2 and ">事件受理与办结<" in svg and ">预警数<" in svg
    none = charts.json_to_svg(charts.spec_json(charts.build_trend_panel(daily, tiers, "zh", 560, tuple(facts.THEMES))))
    assert none.count(">暂无数据<") == 4  # cases: its trend and the tiers chart
    assert json.loads(charts.spec_json(charts.build_trend_panel(daily, tiers, "zh")))  # the default: every series drawn


def test_home_figures_without_facts():
    html = home.build_home_figures_html(KPIS, "zh", frozenset({"alerts"}))
    assert html.count("暂无数据") == 1 and '<div class="kv">0</div>' in html  # open cases: a true 0
    assert "python -m cockpit import" not in html  # a viewer's phone: no command
    operator = home.build_home_figures_html(KPIS, "zh", frozenset({"alerts"}), hint=True)
    assert operator.count("<code>") == 1 and "--table alert" in operator and "--table case_record" not in operator


@pytest.mark.parametrize(("access", "hint"), [
    (Access("demo", OPEN), True), (Access("a", "leader"), True), (Access("s", "street", "330402007000", "street"), True),
    (Access("v", "viewer", "330402007000", "street"), False), (Access("wall", KIOSK, "330400000000"), False),
    (Access("x", "nobody"), False),
])
def test_who_sees_the_import_command(access, hint):
    assert access.sees_import_hints is hint
