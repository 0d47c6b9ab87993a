"""A custom period of whole days (#23): `start=2026-10-01&end=2026-10-07` in the URL, checked against the data.

Pure: parsing, validation against the data's first and last day (with the reason for the notice),
its three windows (cockpit.core.model.range_windows) and how it reads on screen and in file names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cockpit.core.i18n import fmt_date, t
from cockpit.core.model import Window, range_windows

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
REASONS = ("malformed", "half", "reversed", "outside", "no_data")


@dataclass(frozen=True)
class DayRange:
    """`first` to `last`, both days included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def windows(self) -> tuple[Window, Window, Window]:
        return range_windows(self.first, self.last)

    def params(self) -> dict[str, str]:
        """What the URL carries: start and end as YYYY-MM-DD."""
        return {"start": self.first.isoformat(), "end": self.last.isoformat()}

    @property
    def key(self) -> str:
        """`2026-10-01_2026-10-07`: for cache keys and file names."""
        return f"{self.first.isoformat()}_{self.last.isoformat()}"

    def text(self, lang: str) -> str:
        return range_text(self.first, self.last, lang)


def parse_day(text: str | None) -> date | None:
    """A day written YYYY-MM-DD, or None (any other form, or no such day: 2026-02-30)."""
    if text is None or not _ISO_DAY.fullmatch(text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def as_day(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def check_days(first: date, last: date, data_first: date | datetime | None,
               data_last: date | datetime | None) -> str | None:
    """Why the range cannot be shown (a key of REASONS), or None when it lies within the data."""
    lo, hi = as_day(data_first), as_day(data_last)
    if last < first:
        return "reversed"
    if lo is None or hi is None:
        return "no_data"
    if first < lo or last > hi:
        return "outside"
    return None


def check_range(start: str | None, end: str | None, data_first: date | datetime | None,
                data_last: date | datetime | None) -> tuple[DayRange | None, str | None]:
    """The range a link asks for and why not: (range, None), (None, reason), or (None, None) when none is asked."""
    if start is None and end is None:
        return None, None
    if start is None or end is None or not start.strip() or not end.strip():
        return None, "half"
    first, last = parse_day(start), parse_day(end)
    if first is None or last is None:
        return None, "malformed"
    reason = check_days(first, last, data_first, data_last)
    return (None, reason) if reason else (DayRange(first, last), None)


def range_text(first: date, last: date, lang: str) -> str:
    """`2026年10月1日 – 10月7日` (the year once when both days share it), `1 Oct – 7 Oct 2026`."""
    if lang == "zh":
        tail = f"{last.month}月{last.day}日" if last.year == first.year else fmt_date(last, lang)
        return f"{fmt_date(first, lang)} – {tail}"
    head = f"{first.day} {first:%b}" if last.year == first.year else fmt_date(first, lang)
    return f"{head} – {fmt_date(last, lang)}"


def period_text(first: date, last: date, lang: str) -> str:
    """The header's period: `2026年10月1日 – 10月7日 · 7天`."""
    return f"{range_text(first, last, lang)} · {t('range_days', lang, days=(last - first).days + 1)}"


def notice(start: str | None, end: str | None, reason: str, data_first: date | datetime | None,
           data_last: date | datetime | None, default: str, lang: str) -> str:
    """The notice for a range that cannot be shown, naming the problem and what is shown instead."""
    lo, hi = as_day(data_first), as_day(data_last)
    why = t(f"range_why_{reason}", lang, first=lo.isoformat() if lo else "", last=hi.isoformat() if hi else "")
    return t("range_bad", lang, start=_shown(start), end=_shown(end), reason=why, default=default)


def _shown(text: str | None) -> str:
    """A value from the URL, shown verbatim and short, as a code span (no markdown from a crafted link)."""
    value = (text or "—")[:20].replace("`", "'")
    return f"`{value}`"


def last_days(data_last: date | datetime, days: int) -> DayRange:
    """The standard period ending at the data's last day, as a range: what 自定义 starts from."""
    hi = as_day(data_last)
    assert hi is not None
    return DayRange(hi - timedelta(days=days - 1), hi)
