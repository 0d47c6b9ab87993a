"""Units side by side (#23, 对比分析): the figures compared, the best and worst of each, the spread of a measure.

Pure functions: the compare page (cockpit.ui.compare) reads the overview's figures for each unit and hands
them here. Counts are not comparable across tiers (a city has a thousand times a grid's cases), so each count
is also given per 10,000 residents, and only the per-capita figures and rates are marked best and worst.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from cockpit.domain.hierarchy import parse_unit_param
from cockpit.domain.metrics import ThemeValues, ratio

MAX_UNITS = 6
MIN_UNITS = 2
PER = 10_000  # counts per this many residents


@dataclass(frozen=True)
class Row:
    key: str  # the figure's key (a text key of its name, or "<count>_per_10k")
    kind: str  # count | rate | per_capita
    direction: int  # +1 more is better, -1 more is worse, 0 neither (population)


# The overview's KPI card figures, each count followed by its figure per 10,000 residents.
ROWS: tuple[Row, ...] = (
    Row("registered", "count", 0),
    Row("floating", "count", 0),
    Row("open", "count", 0),
    Row("open_per_10k", "per_capita", -1),
    Row("overdue", "count", 0),
    Row("overdue_per_10k", "per_capita", -1),
    Row("closure_rate", "rate", 1),
    Row("on_time_rate", "rate", 1),
    Row("satisfaction", "rate", 1),
    Row("active", "count", 0),
    Row("active_per_10k", "per_capita", -1),
    Row("earned", "count", 0),
    Row("earned_per_10k", "per_capita", 1),
    Row("participants_per_1000", "per_capita", 1),
)
PER_10K = ("open", "overdue", "active", "earned")


def figures(values: ThemeValues) -> dict[str, float | None]:
    """One unit's (or period's) figures of every row, from the overview's window values.

    The residents are registered plus floating (the population a per-capita figure of the overview divides by);
    with none, a per-capita figure is None (missing), not 0.
    """
    if not values:
        return {row.key: None for row in ROWS}
    residents = (values.get("registered") or 0) + (values.get("floating") or 0)
    out: dict[str, float | None] = {}
    for row in ROWS:
        if row.key.endswith("_per_10k"):
            count = values.get(row.key.removesuffix("_per_10k"))
            out[row.key] = None if count is None else ratio(float(count) * PER, residents)
        else:
            value = values.get(row.key)
            out[row.key] = None if value is None else float(value)
    return out


def _valid(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def best_worst(values: Sequence[float | None], direction: int) -> tuple[set[int], set[int]]:
    """The positions of the best and the worst value (ties: all of them), by the row's direction.

    Nothing is marked for a row without a direction, with fewer than two values, or where all values are equal.
    """
    found = [(i, float(v)) for i, v in enumerate(values) if _valid(v)]  # type: ignore[arg-type]
    if direction == 0 or len(found) < 2:
        return set(), set()
    lo = min(v for _, v in found)
    hi = max(v for _, v in found)
    if lo == hi:
        return set(), set()
    high = {i for i, v in found if v == hi}
    low = {i for i, v in found if v == lo}
    return (high, low) if direction > 0 else (low, high)


@dataclass(frozen=True)
class Spread:
    """How evenly a measure is spread across units: the regional-balance question in one number."""

    counted: int  # units with a value above zero
    left_out: int  # units without a value, or with zero (no residents, no area, nothing recorded)
    mean: float | None
    cv: float | None  # coefficient of variation: population standard deviation / mean
    ratio: float | None  # highest / lowest
    highest: float | None
    lowest: float | None


def spread(values: Sequence[float | None]) -> Spread:
    """The coefficient of variation and the highest-to-lowest ratio of the values above zero.

    Zeros and missing values are left out (a unit with no residents has no rate; a zero would make the
    ratio infinite) and counted, so the page can say how many. Fewer than two values: no spread.
    """
    kept = [float(v) for v in values if _valid(v) and float(v) > 0]  # type: ignore[arg-type]
    left_out = len(values) - len(kept)
    if len(kept) < 2:
        return Spread(len(kept), left_out, kept[0] if kept else None, None, None,
                      kept[0] if kept else None, kept[0] if kept else None)
    mean = sum(kept) / len(kept)
    sd = math.sqrt(sum((v - mean) ** 2 for v in kept) / len(kept))
    hi, lo = max(kept), min(kept)
    return Spread(len(kept), left_out, mean, sd / mean, hi / lo, hi, lo)


def spread_change(now: Spread, before: Spread) -> float | None:
    """The change of the coefficient of variation, in its own units (0.32 -> 0.28 is -0.04): negative is more even."""
    if now.cv is None or before.cv is None:
        return None
    return now.cv - before.cv


@dataclass(frozen=True)
class Picked:
    codes: list[str]  # well-formed codes, in the order given, each once
    malformed: list[str]  # what was not a unit code at all


def parse_units(raw: str | None) -> Picked:
    """The `units=` parameter: comma-separated 12-digit unit or 15-digit grid codes."""
    codes: list[str] = []
    malformed: list[str] = []
    for part in (raw or "").split(","):
        part = part.strip()
        if not part:
            continue
        code = parse_unit_param(part)
        if code is None:
            malformed.append(part)
        elif code not in codes:
            codes.append(code)
    return Picked(codes, malformed)


def cap(codes: Sequence[str], limit: int = MAX_UNITS) -> tuple[list[str], list[str]]:
    """The first `limit` codes, and the ones left over."""
    return list(codes[:limit]), list(codes[limit:])


# ---------------------------------------------------------------- 区域均衡: a per-capita measure across the children

# measure -> (the map figures' column, residents it is per; 0: the column as it is)
BALANCE_MEASURES: dict[str, tuple[str, int]] = {
    "received": ("received", PER),  # 每万人诉求量: the cases received in the period
    "open": ("open_cases", PER),
    "overdue": ("overdue_cases", PER),
    "alerts": ("active_alerts", PER),
    "points": ("points_per_1000", 0),
    "density": ("density", 0),
}


def balance_values(children: pd.DataFrame, measure: str) -> pd.Series:
    """Each child's figure of `measure`, from the overview's map figures (population, counts, density, points per
    1,000; and `received`, the cases received, where the caller adds it), indexed by code. A child with no residents has no per-capita figure (NaN), not 0."""
    column, per = BALANCE_MEASURES[measure]
    if children.empty or column not in children:
        return pd.Series(dtype="float64")
    values = children[column].astype(float)
    if per:
        population = children["population"].astype(float)
        values = values * per / population.where(population > 0)
    return values
