"""KPI arithmetic: pure functions from query results to the numbers on screen."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cockpit.core.model import AlertStats, CaseStats, PointsStats, PopulationStats

# One window's KPI values by key (None where a rate has nothing to divide by).
ThemeValues = dict[str, float | None]

MAP_METRICS = ("population", "density", "open_cases", "overdue_cases", "active_alerts", "points_per_1000")

@dataclass(frozen=True)
class Kpi:
    key: str
    value: float | None
    kind: str  # count | rate | ratio
    mom: float | None  # relative change vs previous period
    yoy: float | None  # relative change vs same period last year




def ratio(num: float, den: float) -> float | None:
    return None if not den else num / den


def change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


def compute_theme_values(pop: PopulationStats, cases: CaseStats, alerts: AlertStats, points: PointsStats) -> ThemeValues:
    """Every KPI value of one window, by key."""
    return {
        "registered": pop["registered"],
        "floating": pop["floating"],
        "households": pop["households"],
        "elderly_60p": pop["elderly_60p"],
        "elderly_alone": pop["elderly_alone"],
        "open": cases["open"],
        "overdue": cases["overdue"],
        "closed": cases["closed"],
        # 办结率: of the cases worked in the period (closed in it, or still open at its end), the share closed.
        "closure_rate": ratio(cases["closed"], cases["closed"] + cases["open"]),
        "on_time_rate": ratio(cases["resolved_on_time"], cases["resolved"]),
        "satisfaction": ratio(cases["satisfied"], cases["rated"]),
        "low_tier_rate": ratio(cases["resolved_low_tier"], cases["resolved"]),
        "active": alerts["active"],
        "raised": alerts["raised"],
        "ack_rate": ratio(alerts["ack_on_time"], alerts["raised"]),
        "earned": points["earned"],
        "redeemed": points["redeemed"],
        "participants_per_1000": ratio(points["participants"] * 1000, pop["population"]),
    }


RATE_KEYS = {"closure_rate", "on_time_rate", "satisfaction", "low_tier_rate", "ack_rate"}
THEMES = {
    "population": ("registered", "floating", "households", "elderly_60p", "elderly_alone"),
    "cases": ("open", "overdue", "closed", "closure_rate", "on_time_rate", "satisfaction", "low_tier_rate"),
    "alerts": ("active", "raised", "ack_rate"),
    "points": ("earned", "redeemed", "participants_per_1000"),
}


def compute_kpis(current: ThemeValues, previous: ThemeValues, last_year: ThemeValues) -> dict[str, Kpi]:
    """KPIs with their changes. For rates the change is in percentage points' relative terms too."""
    out = {}
    for key, value in current.items():
        kind = "rate" if key in RATE_KEYS else "ratio" if key == "participants_per_1000" else "count"
        out[key] = Kpi(key, value, kind, change(value, previous.get(key)), change(value, last_year.get(key)))
    return out


def compute_map_values(children: pd.DataFrame, areas: pd.Series) -> pd.DataFrame:
    """Add density and points per 1,000 residents to the per-child frame."""
    out = children.copy()
    area = areas.reindex(out.index).astype(float)
    out["density"] = (out["population"] / area.where(area > 0)).fillna(0)
    out["points_per_1000"] = (out["points_earned"] * 1000 / out["population"].where(out["population"] > 0)).fillna(0)
    return out


def compute_classes(values: pd.Series, n: int = 5, whole: bool = False) -> list[float]:
    """Class breaks for a choropleth: quantiles, de-duplicated, so skewed data still spreads over the colours.

    `whole` rounds breaks for counts (no "≤ 0.4 cases"); never more classes than distinct values.
    """
    v = values.dropna().astype(float)
    if v.empty or v.max() == v.min():
        return [float(v.max()) if not v.empty else 0.0]
    n = min(n, v.nunique())
    qs = v.quantile([i / n for i in range(1, n)])
    qs = qs.round(0) if whole else qs.round(6)
    return sorted(b for b in set(qs.tolist()) if v.min() <= b < v.max())
