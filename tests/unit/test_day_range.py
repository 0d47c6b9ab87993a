"""A custom range of days (#23): its three windows, and the checks that decide the notice, on hand-made dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cockpit.core import dayrange
from cockpit.core.dayrange import DayRange, check_range
from cockpit.core.model import Window, compute_windows, range_windows, same_day_a_year_earlier

FIRST, LAST = datetime(2025, 1, 1, 0, 5), datetime(2026, 10, 31, 17, 42)  # the data's first and last fact


def d(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_week_across_a_year_end():
    current, previous, last_year = range_windows(date(2025, 12, 28), date(2026, 1, 3))
    assert current == Window(d("2025-12-28"), d("2026-01-04"))  # the end day is included: up to its midnight
    assert previous == Window(d("2025-12-21"), d("2025-12-28"))  # the 7 days just before
    assert last_year == Window(d("2024-12-28"), d("2025-01-04"))  # the same calendar days a year earlier


def test_a_range_across_a_month_end():
    current, previous, last_year = range_windows(date(2026, 9, 25), date(2026, 10, 4))
    assert current == Window(d("2026-09-25"), d("2026-10-05"))
    assert previous == Window(d("2026-09-15"), d("2026-09-25"))
    assert last_year == Window(d("2025-09-25"), d("2025-10-05"))


def test_one_day():
    current, previous, last_year = range_windows(date(2026, 10, 1), date(2026, 10, 1))
    assert current == Window(d("2026-10-01"), d("2026-10-02"))
    assert previous == Window(d("2026-09-30"), d("2026-10-01"))
    assert last_year == Window(d("2025-10-01"), d("2025-10-02"))


def test_29_february():
    assert same_day_a_year_earlier(date(2024, 2, 29)) == date(2023, 2, 28)
    assert same_day_a_year_earlier(date(2024, 3, 1)) == date(2023, 3, 1)
    current, previous, last_year = range_windows(date(2024, 2, 29), date(2024, 3, 6))
    assert current == Window(d("2024-02-29"), d("2024-03-07"))
    assert previous == Window(d("2024-02-22"), d("2024-02-29"))
    assert last_year == Window(d("2023-02-28"), d("2023-03-07"))  # 29 Feb maps to 28 Feb
    # A year after a leap day: the same days a year earlier include 29 February.
    assert range_windows(date(2025, 2, 20), date(2025, 3, 5))[2] == Window(d("2024-02-20"), d("2024-03-06"))


def test_the_last_30_days_as_a_range_are_the_standard_30_day_period():
    """A custom range equal to the standard period gives the same windows (so the same figures)."""
    r = dayrange.last_days(LAST, 30)
    assert (r.first, r.last, r.days) == (date(2026, 10, 2), date(2026, 10, 31), 30)
    assert r.windows() == compute_windows(LAST, 30)


def test_reversed_range_refused():
    with pytest.raises(ValueError):
        range_windows(date(2026, 10, 7), date(2026, 10, 1))
    assert check_range("2026-10-07", "2026-10-01", FIRST, LAST) == (None, "reversed")


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2026-10-01", "2026-10-07", (DayRange(date(2026, 10, 1), date(2026, 10, 7)), None)),
    ("2025-12-28", "2026-01-03", (DayRange(date(2025, 12, 28), date(2026, 1, 3)), None)),
    ("2025-01-01", "2026-10-31", (DayRange(date(2025, 1, 1), date(2026, 10, 31)), None)),  # all the data
    ("2024-12-31", "2025-01-07", (None, "outside")),  # starts before the first day
    ("2026-10-25", "2026-11-01", (None, "outside")),  # ends after the last day
    ("2024-01-01", "2027-01-01", (None, "outside")),  # longer than the data
    ("2026-10-07", "2026-10-01", (None, "reversed")),
    ("2026-13-01", "2026-10-07", (None, "malformed")),
    ("2026-02-30", "2026-03-07", (None, "malformed")),  # no such day
    ("20261001", "20261007", (None, "malformed")),
    ("2026-10-01", "yesterday", (None, "malformed")),
    ("2026-10-01", None, (None, "half")),
    ("", "2026-10-07", (None, "half")),
    (None, None, (None, None)),  # nothing asked
])
def test_check_range(start, end, expected):
    assert check_range(start, end, FIRST, LAST) == expected


def test_no_data_refuses_any_range():
    assert check_range("2026-10-01", "2026-10-07", None, None) == (None, "no_data")


def test_range_text_and_notice():
    assert dayrange.period_text(date(2026, 10, 1), date(2026, 10, 7), "zh") == "2026年10月1日 – 10月7日 · 7天"
    assert dayrange.range_text(date(2025, 12, 28), date(2026, 1, 3), "zh") == "2025年12月28日 – 2026年1月3日"
    assert dayrange.period_text(date(2026, 10, 1), date(2026, 10, 7), "en") == "1 Oct – 7 Oct 2026 · 7 days"
    text = dayrange.notice("2026-10-07", "2026-10-01", "reversed", FIRST, LAST, "近30天", "zh")
    assert "结束日期早于开始日期" in text and "近30天" in text and "`2026-10-07`" in text
    text = dayrange.notice("2024-01-01", "2024-01-07", "outside", FIRST, LAST, "近30天", "zh")
    assert "超出了数据范围（2025-01-01 至 2026-10-31）" in text
    # A crafted value is shown verbatim and short inside a code span, never as markdown.
    text = dayrange.notice("`[x](http://e.vil)` and more text", "1", "malformed", FIRST, LAST, "近30天", "zh")
    assert text.count("`") == 4 and "and more text" not in text


def test_key_and_params():
    r = DayRange(date(2026, 10, 1), date(2026, 10, 7))
    assert r.key == "2026-10-01_2026-10-07" and r.params() == {"start": "2026-10-01", "end": "2026-10-07"} and r.days == 7


def test_a_custom_range_stays_fixed_when_the_end_moves():
    """The big screen asks for windows with `now` as the end on every refresh: a custom range does not roll."""
    from cockpit.ui.state import ViewState

    r = DayRange(date(2026, 10, 1), date(2026, 10, 7))
    custom = ViewState("zh", r.days, "open_cases", None, False, True, False, r)
    standard = ViewState("zh", 7, "open_cases", None, False, True, False)
    before, after = datetime(2026, 11, 5, 23, 59), datetime(2026, 11, 6, 0, 1)  # either side of midnight
    assert custom.windows(before) == custom.windows(after) == r.windows()
    assert standard.windows(before) != standard.windows(after)  # a standard period rolls
    assert custom.period_key == "2026-10-01_2026-10-07" and standard.period_key == "7"
    assert custom.period_label() == "2026年10月1日 – 10月7日 · 7天" and standard.period_label() == "近7天"
    assert custom.period_params() == {"start": "2026-10-01", "end": "2026-10-07"} and standard.period_params() == {"period": "7"}
