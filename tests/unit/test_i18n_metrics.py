from datetime import date, datetime

import pandas as pd
import pytest

from cockpit.core import i18n, model
from cockpit.core.i18n import TEXT
from cockpit.domain import metrics


def test_every_text_has_both_languages():
    for key, (zh, en) in TEXT.items():
        assert zh and en, key


def test_english_texts_have_no_chinese():
    for key, (_zh, en) in TEXT.items():
        if key == "language":
            continue
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in en), key


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (12345, "zh", "1.2万"),
        (928887, "zh", "92.9万"),
        (320000000, "zh", "3.2亿"),
        (9999, "zh", "9,999"),
        (12345, "en", "12,345"),
        (12_500_000, "en", "12.5M"),
        (None, "zh", "—"),
        (float("nan"), "en", "—"),
    ],
)
def test_fmt_number(value, lang, expected):
    assert i18n.fmt_number(value, lang) == expected


@pytest.mark.parametrize(
    ("change", "expected"), [(0.032, "▲3.2%"), (-0.01, "▼1.0%"), (0.0, "持平"), (None, "—"), (float("inf"), "—")]
)
def test_fmt_change(change, expected):
    assert i18n.fmt_change(change, "zh") == expected


@pytest.mark.parametrize(
    ("change", "zh", "en"),
    [(-0.0004, "持平", "unchanged"), (0.0004, "持平", "unchanged"), (-0.0, "持平", "unchanged"),
     (0.0005, "▲0.1%", "▲0.1%"), (-0.0005, "▼0.1%", "▼0.1%"), (None, "—", "—")],
)
def test_change_that_rounds_to_zero_is_unchanged(change, zh, en):
    """Issue #25: a change that rounds to zero at the shown precision (one decimal) is 持平, never ▼0.0%."""
    assert i18n.fmt_change(change, "zh") == zh
    assert i18n.fmt_change(change, "en") == en
    assert i18n.change_direction(change) == (None if change is None else 0 if zh == "持平" else 1 if change > 0 else -1)
    assert i18n.shown_change(change) == (None if change is None else 0.0 if zh == "持平" else change)


def test_fmt_date():
    assert i18n.fmt_date(date(2026, 10, 1), "zh") == "2026年10月1日"
    assert i18n.fmt_date(date(2026, 10, 1), "en") == "1 Oct 2026"


def test_compute_windows_are_adjacent_and_a_year_apart():
    cur, prev, ly = model.compute_windows(datetime(2026, 10, 31, 23, 46), 30)
    assert cur.end == datetime(2026, 11, 1) and cur.start == datetime(2026, 10, 2)
    assert prev.end == cur.start and (prev.end - prev.start).days == 30
    assert (cur.start - ly.start).days == 365 and (cur.end - ly.end).days == 365


@pytest.mark.parametrize(("now", "before", "expected"), [(110, 100, 0.1), (90, 100, -0.1), (5, 0, None), (None, 3, None)])
def test_change(now, before, expected):
    got = metrics.change(now, before)
    assert got == pytest.approx(expected) if expected is not None else got is None


def _stats(**over):
    pop = {"registered": 800, "floating": 200, "population": 1000, "households": 400, "elderly_60p": 200, "elderly_alone": 20}
    cases = {"open": 3, "overdue": 2, "received": 100, "closed": 97, "resolved": 100,
             "resolved_on_time": 92, "resolved_low_tier": 90, "rated": 80, "satisfied": 76}
    alerts = {"active": 3, "raised": 50, "ack_on_time": 48}
    points = {"earned": 1000, "redeemed": 400, "participants": 30}
    cases.update(over)
    return pop, cases, alerts, points


def test_theme_values_rates():
    v = metrics.compute_theme_values(*_stats())
    assert v["closure_rate"] == pytest.approx(0.97)
    assert v["on_time_rate"] == pytest.approx(0.92)
    assert v["satisfaction"] == pytest.approx(0.95)
    assert v["low_tier_rate"] == pytest.approx(0.90)
    assert v["ack_rate"] == pytest.approx(0.96)
    assert v["participants_per_1000"] == pytest.approx(30.0)


def test_theme_values_with_no_work_has_no_rate():
    v = metrics.compute_theme_values(*_stats(closed=0, open=0))
    assert v["closure_rate"] is None


def test_compute_kpis_changes():
    cur = metrics.compute_theme_values(*_stats(open=6))
    prev = metrics.compute_theme_values(*_stats(open=4))
    kpis = metrics.compute_kpis(cur, prev, {})
    assert kpis["open"].mom == pytest.approx(0.5)
    assert kpis["open"].yoy is None
    assert kpis["closure_rate"].kind == "rate"


def test_map_values_density_and_points():
    children = pd.DataFrame({"population": [1000.0, 0.0], "points_earned": [500.0, 10.0]}, index=["a", "b"])
    out = metrics.compute_map_values(children, pd.Series({"a": 2.0, "b": 0.0}))
    assert out.loc["a", "density"] == 500 and out.loc["b", "density"] == 0
    assert out.loc["a", "points_per_1000"] == 500 and out.loc["b", "points_per_1000"] == 0


def test_classes_spread_skewed_values():
    breaks = metrics.compute_classes(pd.Series([0, 0, 0, 1, 2, 3, 50, 400]))
    assert breaks == sorted(breaks) and len(breaks) >= 3
    assert metrics.compute_classes(pd.Series([7, 7, 7])) == [7.0]


def test_comparison_window_must_be_covered_by_the_data():
    cur, prev, ly = model.compute_windows(datetime(2026, 10, 31, 23, 0), 90)
    start = datetime(2025, 9, 27, 0, 3)  # 400 days of data
    assert model.covered(prev, start)
    assert not model.covered(ly, start)  # Aug 2025 is before the data begins
    assert not model.covered(prev, None)
    assert model.covered(model.compute_windows(datetime(2026, 10, 31, 23, 0), 30)[2], start)
