"""The arithmetic of a ranking, as pure functions: small samples, scoring rules, grades and funnel limits.

Formulas (docs/ranking.md states them for readers; the workbook's 方法 sheet too):
* shrunk rate   r~ = (x + m * r0) / (n + m)   — m pseudo-cases at the group's rate r0 (empirical Bayes);
* Wilson bound  (p + z²/2n ∓ z * sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), z = 1.96: the lower bound
  when higher is better, the upper bound when lower is better (the pessimistic side either way);
* funnel limits r0 ± z * sqrt(r0(1-r0)/n), z = 1.96 (95%) and 3.09 (99.8%), the normal approximation
  of Spiegelhalter (2005), cut to [0, 1].
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

Z95 = 1.959963984540054
Z998 = 3.090232306167813  # two-sided 99.8%


def shrink(x: pd.Series, n: pd.Series, r0: float, m: float) -> pd.Series:
    """Each unit's rate pulled toward the group's rate r0 by m pseudo-cases; r0 itself where n = 0."""
    return (x.astype(float) + m * r0) / (n.astype(float) + m)


def wilson(x: pd.Series, n: pd.Series, z: float = Z95, upper: bool = False) -> pd.Series:
    """The Wilson score bound of x/n (NaN where n = 0)."""
    n = n.astype(float)
    p = x.astype(float) / n.where(n > 0)
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return ((centre + spread) if upper else (centre - spread)) / (1 + z * z / n)


def pooled(x: pd.Series, n: pd.Series) -> float:
    """The group's rate: all numerators over all denominators (NaN when the group has no sample)."""
    total = float(n.sum())
    return float(x.sum()) / total if total > 0 else math.nan


def proportional(value: pd.Series, weight: float, higher: bool) -> pd.Series:
    """Weight × rate, or weight × (1 − rate) where lower is better."""
    return weight * (value if higher else 1 - value)


def threshold(value: pd.Series, weight: float, higher: bool, full_at: float, minus: float, scale: float) -> pd.Series:
    """Full marks at or beyond `full_at`, `minus` points per unit short of it (a percentage point for a
    rate: scale 100), never below zero — the 数字城管 rules' "≥70% 得满分，每低1个百分点扣1分"."""
    short = (full_at - value) if higher else (value - full_at)
    return (weight - minus * short.clip(lower=0) * scale).clip(lower=0, upper=weight)


def relative(value: pd.Series, weight: float, higher: bool, reference: float) -> pd.Series:
    """Full marks at or beyond the group's own figure, in proportion below it (per-capita measures)."""
    if not reference > 0:
        return pd.Series(float(weight), index=value.index)
    ratio = value / reference if higher else reference / value.where(value > 0)
    return weight * ratio.fillna(1.0).clip(upper=1.0)


def grade(score: pd.Series, bands: dict[str, float], last: str = "E") -> pd.Series:
    """The letter of each score: the first band (highest threshold first) it reaches, else `last`."""
    ordered = sorted(bands.items(), key=lambda kv: -kv[1])

    def one(s: float) -> str | None:
        if pd.isna(s):
            return None
        return next((letter for letter, lo in ordered if s >= lo), last)

    return score.map(one)


def competition_rank(score: pd.Series, descending: bool = True, digits: int = 2) -> pd.Series:
    """1, 2, 2, 4 …: equal scores (as shown, to `digits` decimals) share a place (并列); NaN stays unranked."""
    shown = score.round(digits)
    return shown.rank(method="min", ascending=not descending).astype("Int64")


def funnel_limits(r0: float, n: pd.Series, z: float) -> tuple[pd.Series, pd.Series]:
    """The lower and upper control limits at each denominator n (normal approximation, cut to [0, 1])."""
    half = z * np.sqrt(r0 * (1 - r0) / n.astype(float))
    return (r0 - half).clip(lower=0.0), (r0 + half).clip(upper=1.0)
