"""The alerts page's arithmetic: Poisson hotspots against a grid's own baseline, response-time quantiles,
share within deadline, the trend against last year and the zero-incident count. Pure functions."""

from __future__ import annotations

import math

import pandas as pd

ALPHA = 0.001  # a grid is flagged when its count is this unlikely under its own baseline rate
MIN_ALERTS = 3  # fewer alerts than this is never a hotspot, however quiet the grid was


def poisson_sf(k: int, mu: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mu): the upper tail, exact to double precision.

    Summed from the smaller side: the terms below k when k is under the mean, else the terms from k up
    (computed in logs, so a tail of 1e-300 does not vanish into 1 - 0.999…).
    """
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    if k <= mu:
        below = sum(math.exp(i * math.log(mu) - mu - math.lgamma(i + 1)) for i in range(k))
        return max(0.0, 1.0 - below)
    total, i = 0.0, k
    while True:
        term = math.exp(i * math.log(mu) - mu - math.lgamma(i + 1))
        total += term
        if term < total * 1e-17:
            return min(1.0, total)
        i += 1


def find_hotspots(baselines: pd.DataFrame, period_days: int, baseline_days: int, alpha: float = ALPHA,
                  min_alerts: int = MIN_ALERTS) -> pd.DataFrame:
    """Grids whose period count is significantly above their trailing baseline, most significant first.

    `baselines` has observed (in the period) and baseline (in the `baseline_days` before it). The expected
    count is the baseline rate over the period; a grid with no baseline alerts is expected at half an alert
    over the baseline span (a floor, so a first alert ever is not infinitely surprising). Adds expected,
    factor (observed / expected) and p (the Poisson upper tail).
    """
    if baselines.empty:
        return baselines.assign(expected=pd.Series(dtype=float), factor=pd.Series(dtype=float),
                                p=pd.Series(dtype=float))
    expected = baselines["baseline"].clip(lower=0.5) * period_days / baseline_days
    out = baselines.assign(expected=expected, factor=baselines["observed"] / expected)
    # Only a count above its expectation can be this unlikely (P(X >= k) > 0.4 for k <= mu): the
    # rest of a city's 92,600 grids need no tail sum.
    candidates = out[(out["observed"] >= min_alerts) & (out["observed"] > out["expected"])]
    p = [poisson_sf(int(k), float(mu)) for k, mu in zip(candidates["observed"], candidates["expected"])]
    candidates = candidates.assign(p=pd.Series(p, index=candidates.index, dtype=float))
    flagged = candidates[candidates["p"] < alpha]
    return flagged.sort_values(["p", "factor", "grid_code"], ascending=[True, False, True]).reset_index(drop=True)


def nearest_rank(values: pd.Series, weights: pd.Series, q: float) -> float | None:
    """The q-quantile of values counted `weights` times: the smallest value with at least q of the weight at or below it."""
    if weights.sum() <= 0:
        return None
    order = values.sort_values().index
    cumulative = weights.loc[order].cumsum()
    rank = math.ceil(q * cumulative.iloc[-1])
    return float(values.loc[order][cumulative >= max(rank, 1)].iloc[0])


RESPONSE_COLUMNS = ["severity", "raised", "ack_median", "ack_p90", "ack_in_time", "resolve_median", "resolve_p90",
                    "resolved", "to_case"]


def response_table(minutes: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """Per severity: minutes to acknowledge and to resolve (median, p90), share acknowledged within the deadline.

    `minutes` is fetch_response_minutes (stage, severity, minutes, alerts), `stats` fetch_severity_stats.
    The share is of every alert raised: one never acknowledged was not acknowledged in time.
    """
    out = []
    for _, row in stats.sort_values("severity").iterrows():
        sev = int(row["severity"])
        ack = minutes[(minutes["stage"] == "ack") & (minutes["severity"] == sev)]
        res = minutes[(minutes["stage"] == "resolve") & (minutes["severity"] == sev)]
        out.append({
            "severity": sev, "raised": int(row["raised"]),
            "ack_median": nearest_rank(ack["minutes"], ack["alerts"], 0.5),
            "ack_p90": nearest_rank(ack["minutes"], ack["alerts"], 0.9),
            "ack_in_time": row["ack_on_time"] / row["raised"] if row["raised"] else None,
            "resolve_median": nearest_rank(res["minutes"], res["alerts"], 0.5),
            "resolve_p90": nearest_rank(res["minutes"], res["alerts"], 0.9),
            "resolved": int(row["resolved"]), "to_case": int(row["to_case"]),
        })
    return pd.DataFrame(out, columns=RESPONSE_COLUMNS)


def overall_in_time(stats: pd.DataFrame) -> float | None:
    raised = int(stats["raised"].sum()) if not stats.empty else 0
    return None if raised == 0 else float(stats["ack_on_time"].sum()) / raised


def year_change(current: pd.DataFrame, last_year: pd.DataFrame | None) -> tuple[int, int | None, float | None]:
    """Alerts in the period, in the same period last year (None: not covered by the data), and the change."""
    now = int(current["alerts"].sum())
    if last_year is None:
        return now, None, None
    before = int(last_year["alerts"].sum())
    return now, before, (now - before) / before if before else None


def aligned_trend(current: pd.DataFrame, last_year: pd.DataFrame | None) -> pd.DataFrame:
    """The two daily series on the current period's days (last year's day i drawn at this year's day i)."""
    out = current[["day", "alerts"]].assign(series="now")
    if last_year is not None and len(last_year) == len(current):
        out = pd.concat([out, pd.DataFrame({"day": current["day"].to_numpy(), "alerts": last_year["alerts"].to_numpy(),
                                            "series": "last_year"})], ignore_index=True)
    return out


def zero_incident(total_units: int, with_alerts: int) -> int:
    """Units (communities, or grids under a community) with no alert in the period: 零发案."""
    return max(total_units - with_alerts, 0)


def count_units_at(units: pd.DataFrame, prefix: str, level: str) -> int:
    """How many units of `level` the unit tree holds under a code prefix."""
    return int(((units["level"] == level) & units["code"].str.startswith(prefix)).sum())


def filter_counts(counts: pd.DataFrame, alert_type: str | None, severity: int | None) -> pd.DataFrame:
    """The (type, severity, alerts) rows the page's filters keep."""
    keep = pd.Series(True, index=counts.index)
    if alert_type is not None:
        keep &= counts["type"] == alert_type
    if severity is not None:
        keep &= counts["severity"] == severity
    return counts[keep]


def active_total(counts: pd.DataFrame, alert_type: str | None, severity: int | None) -> int:
    return int(filter_counts(counts, alert_type, severity)["alerts"].sum())
