"""The random draws every fact is built from: timestamps shaped by season, weekday and hour, durations, places."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from cockpit.tools.demo.presets import (
    Clock,
)
from cockpit.tools.demo.units import ANCHORS_PER_GRID, DemoUnits

HOUR = np.timedelta64(3600, "s")
NAT = np.datetime64("NaT", "s")

# Relative activity by hour of day.
OFFICE_HOURS = np.array([1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 4, 7, 9, 9, 8, 6, 6, 8, 9, 9, 8, 6, 5, 4, 3, 2, 1.5])
NIGHT_HOURS = np.array([0.5, 0.4, 0.4, 0.5, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 6, 8, 9, 8, 6])
RUSH_HOURS = np.array([0.3, 0.2, 0.2, 0.2, 0.3, 1, 4, 9, 9, 5, 4, 4, 4, 4, 4, 5, 6, 9, 9, 6, 4, 3, 2, 1])
MEAL_HOURS = np.array([1, 1, 1, 1, 1, 2, 3, 3, 2, 2, 4, 8, 8, 3, 2, 2, 4, 8, 8, 4, 2, 2, 1, 1])
MORNING_HOURS = np.array([1, 1, 1, 1, 2, 4, 8, 10, 10, 8, 6, 5, 4, 4, 4, 4, 4, 4, 4, 4, 3, 2, 1, 1])
FLAT_HOURS = np.ones(24)


def _month_of(days: np.ndarray, start: datetime) -> np.ndarray:
    return (np.datetime64(start.date(), "D") + days).astype("datetime64[M]").astype(int) % 12 + 1


def sample_times(
    rng: np.random.Generator,
    n: int,
    start: datetime,
    days: int,
    hours: np.ndarray = OFFICE_HOURS,
    month_factor: dict[int, float] | None = None,
    weekday_factor: float = 1.0,
) -> np.ndarray:
    """n timestamps (datetime64[s]) over `days` days from `start`, shaped by season, weekday and hour."""
    day_idx = np.arange(days)
    w = np.ones(days)
    if month_factor:
        months = _month_of(day_idx, start)
        w *= np.array([month_factor.get(int(m), 1.0) for m in months])
    weekday = (np.datetime64(start.date(), "D") + day_idx).astype("datetime64[D]").view("int64")
    w *= np.where(((weekday + 3) % 7) < 5, weekday_factor, 1.0)  # 1970-01-01 was a Thursday
    day = rng.choice(days, size=n, p=w / w.sum())
    hour = rng.choice(24, size=n, p=hours / hours.sum())
    sec = rng.integers(0, 3600, size=n)
    base = np.datetime64(start.replace(hour=0, minute=0, second=0, microsecond=0), "s")
    return base + day * 86400 + hour * 3600 + sec


def place(rng: np.random.Generator, units: DemoUnits, grid_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of one of each grid's anchor points, picked at random per row."""
    k = rng.integers(0, ANCHORS_PER_GRID, size=len(grid_idx))
    pts = units.anchors[grid_idx, k]
    return pts[:, 0], pts[:, 1]


def draw(rng: np.random.Generator, median: float | np.ndarray, sigma: float | np.ndarray, n: int) -> np.ndarray:
    """n log-normal durations around `median` (one value, or one per row), in the median's unit."""
    return rng.lognormal(np.log(median), sigma, n)


def draw_clock(rng: np.random.Generator, clock: Clock, n: int) -> np.ndarray:
    """n durations drawn on a preset's clock (its median and spread)."""
    return draw(rng, clock.median, clock.sigma, n)


def duration(hours: np.ndarray) -> np.ndarray:
    """Hours as timedelta64[s], rounded to the second."""
    return np.round(hours * 3600).astype("int64").astype("timedelta64[s]")


def until(stamps: np.ndarray, end: np.datetime64) -> np.ndarray:
    """The stamps that happened by the data's end; NaT for the others (they are still to come)."""
    return np.where(stamps <= end, stamps, NAT)


def period_start(end: datetime, days: int) -> datetime:
    """Midnight of the first of `days` days that end at `end`."""
    return (end - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
