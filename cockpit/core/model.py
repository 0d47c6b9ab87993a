"""The cockpit's nouns: a unit of the hierarchy, a time window, the standard periods and one window's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypedDict

from cockpit.core import codes

LEVELS = codes.LEVELS
TIERS = ("grid", "community", "street", "district", "city")  # where a case can be resolved, lowest first
PERIOD_DAYS = (7, 30, 90, 365)
SEVERITIES = (1, 2, 3, 4)  # alert severity: 1 red (most severe), 2 orange, 3 yellow, 4 blue


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str  # city/district/street/community/grid
    parent_code: str | None
    kind: str
    area_km2: float | None
    lon: float | None
    lat: float | None

    @property
    def grid_range(self) -> tuple[str, str]:
        return codes.code_range(self.code, self.level)


@dataclass(frozen=True)
class Window:
    """A half-open time window [start, end)."""

    start: datetime
    end: datetime


def compute_windows(end: datetime, days: int) -> tuple[Window, Window, Window]:
    """The period ending at `end` (inclusive of its day), the one before it, and the same one a year earlier."""
    stop = (end + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    current = Window(stop - timedelta(days=days), stop)
    previous = Window(current.start - timedelta(days=days), current.start)
    last_year = Window(current.start - timedelta(days=365), stop - timedelta(days=365))
    return current, previous, last_year


def same_day_a_year_earlier(day: date) -> date:
    """The same calendar day a year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 Feb in a leap year
        return day.replace(year=day.year - 1, day=28)


def range_windows(first: date, last: date) -> tuple[Window, Window, Window]:
    """A custom range of whole days, `first` to `last` inclusive: [first 00:00, last+1 00:00).

    The window before it has the same number of days and ends where it starts (环比); the one a year
    earlier covers the same calendar days (同比: 29 February maps to 28 February, so a range that
    starts or ends on it may be a day longer or shorter a year earlier than now).
    """
    if last < first:
        raise ValueError(f"range ends ({last}) before it starts ({first})")
    start = datetime.combine(first, datetime.min.time())
    stop = datetime.combine(last + timedelta(days=1), datetime.min.time())
    current = Window(start, stop)
    previous = Window(start - (stop - start), start)
    last_year = Window(datetime.combine(same_day_a_year_earlier(first), datetime.min.time()),
                       datetime.combine(same_day_a_year_earlier(last) + timedelta(days=1), datetime.min.time()))
    return current, previous, last_year


def covered(window: Window, data_start: datetime | None) -> bool:
    """Whether the data reaches back over the whole window (a partial window would fake a change)."""
    return data_start is not None and window.start >= data_start.replace(hour=0, minute=0, second=0, microsecond=0)


# One window's figures for a unit, as the queries (facts or rollups) return them and the KPIs consume them.
# Counts throughout; the rates on screen are computed from them in cockpit.domain.metrics.


class PopulationStats(TypedDict):
    """Residents at the latest snapshot before the window's end."""

    registered: int
    floating: int
    population: int  # registered + floating
    households: int
    elderly_60p: int
    elderly_alone: int


class CaseStats(TypedDict):
    """Cases open and overdue at the window's end; received, closed, resolved and rated in it."""

    open: int
    overdue: int
    received: int
    closed: int
    resolved: int
    resolved_on_time: int
    resolved_low_tier: int  # resolved at grid or community level
    rated: int
    satisfied: int  # rated 4 or 5


class AlertStats(TypedDict):
    """Alerts active at the window's end, by severity and in all; raised and acknowledged in time in it."""

    active_s1: int
    active_s2: int
    active_s3: int
    active_s4: int
    raised: int
    ack_on_time: int
    active: int  # all four severities


class PointsStats(TypedDict):
    """Participation points earned and redeemed in the window, and the distinct residents who took part."""

    earned: int
    redeemed: int
    participants: int
