"""The cockpit's nouns: a unit of the hierarchy, a time window, and the standard periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cockpit.core import codes

LEVELS = codes.LEVELS
TIERS = ("grid", "community", "street", "district", "city")  # where a case can be resolved, lowest first
PERIOD_DAYS = (7, 30, 90, 365)


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


def covered(window: Window, data_start: datetime | None) -> bool:
    """Whether the data reaches back over the whole window (a partial window would fake a change)."""
    return data_start is not None and window.start >= data_start.replace(hour=0, minute=0, second=0, microsecond=0)
