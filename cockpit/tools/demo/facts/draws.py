"""The random draws every fact is built from: timestamps shaped by season, weekday and hour, durations, places."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from cockpit.core.holidays import SPRING_FESTIVAL, holiday_names, working_days
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
    day_factor: np.ndarray | None = None,
    group: np.ndarray | None = None,
) -> np.ndarray:
    """n timestamps (datetime64[s]) over `days` days from `start`, shaped by season, weekday and hour.

    `weekday_factor` weighs working days (Monday to Friday, holidays off, 调休 weekend workdays on:
    cockpit.core.holidays); `day_factor` (one weight a day, e.g. `calendar_factor`) multiplies in. With
    `group` (a row index into `day_factor` for each of the n), `day_factor` holds one calendar a row: each
    timestamp takes its group's. The draws are those of one `rng.choice` whatever the groups.
    """
    day_idx = np.arange(days)
    w = np.ones(days)
    if month_factor:
        months = _month_of(day_idx, start)
        w *= np.array([month_factor.get(int(m), 1.0) for m in months])
    w *= np.where(working_days(start.date(), days), weekday_factor, 1.0)
    weights = np.atleast_2d(w * (1.0 if day_factor is None else day_factor))
    group = np.zeros(n, dtype=int) if group is None else group
    cdf = np.cumsum(weights, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(n)  # as rng.choice(days, size=n, p=...) draws them
    day = np.empty(n, dtype=np.int64)
    for g in range(len(cdf)):
        rows = group == g
        day[rows] = np.minimum(np.searchsorted(cdf[g], u[rows], side="right"), days - 1)
    hour = rng.choice(24, size=n, p=hours / hours.sum())
    sec = rng.integers(0, 3600, size=n)
    base = np.datetime64(start.replace(hour=0, minute=0, second=0, microsecond=0), "s")
    return base + day * 86400 + hour * 3600 + sec


def calendar_factor(start: datetime, days: int, holiday: float = 1.0, spring_festival: float | None = None,
                    trend_per_year: float = 0.0) -> np.ndarray:
    """A weight per day: `holiday` on public-holiday rest days (`spring_festival` in the 春节 break, default
    the same) times a slow linear trend, `trend_per_year` more (or less) a year, 1.0 on the first day."""
    names = holiday_names(start.date(), days)
    sf = holiday if spring_festival is None else spring_festival
    w = np.where(names == SPRING_FESTIVAL, sf, np.where(names != "", holiday, 1.0))
    return w * (1.0 + trend_per_year * np.arange(days) / 365.0)


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
