"""Daily forecasts with 80% and 95% intervals, and the backtest that says how far to trust them (#24).

Pure and vectorised: one call forecasts a matrix of series (one row a unit, one column a day), so the
rollup refresh forecasts thousands of units in seconds. docs/forecast.md explains it in Chinese.

The model is ETS(A,Ad,A), the additive-error, damped-additive-trend, additive-seasonal exponential
smoothing of Hyndman et al. (*Forecasting with Exponential Smoothing*, 2008), with a weekly season
(m = 7) — the model statsmodels fits as ``ETSModel(error="add", trend="add", damped_trend=True,
seasonal="add", seasonal_periods=7)``; tests/unit/test_forecast.py checks these recursions and
intervals against statsmodels'. statsmodels fits one series by numerical likelihood (a second or so
each, thousands of series at every refresh); here each series instead takes, of a fixed grid of
smoothing parameters (`GRID`), the one with the least squared one-step error over its last
`WINDOW_DAYS` days — the same criterion (Gaussian likelihood with the variance profiled out) on a grid
— all series and all candidates at once.

Holidays (cockpit.core.holidays) by adjusting the history: a rest day's count, and a 调休 workday's,
is divided by its calendar factor before the fit, and a forecast day's mean and spread are multiplied
by it. The factor of a kind of day (each festival by name, 调休 workdays) is its counts over those
expected from the same weekday one and two weeks around it, per series, shrunk towards the factor of
all series together (`SHRINK`); a festival the history has not seen takes the series' factor of all
holidays.

Series with less than `MIN_HISTORY_DAYS` (8 weeks) since their first count take the seasonal-naive
forecast (the same weekday last week, spread growing with each week ahead), and under one week the
mean of the days there are; `Forecast.method` says which each series took.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import product

import numpy as np

from cockpit.core.holidays import holiday_names, makeup_days

SEASON = 7
HORIZON = 14
MIN_HISTORY_DAYS = 56
WINDOW_DAYS = 182  # the fit's last 26 weeks: long enough for a sparse community's week, short enough to follow
BURN_IN = 14  # the first two weeks of a fit set its initial states and are left out of its error
SHRINK = 10.0  # a series' holiday factor weighs the pooled one as much as this many expected counts
Z80, Z95 = 1.2815515655446004, 1.959963984540054

METHOD_ETS, METHOD_SNAIVE, METHOD_MEAN = "ets", "snaive", "mean"


def _grid() -> np.ndarray:
    """(alpha, beta, gamma, phi) candidates: smoothing from slow to quick, trend off or slight, damped or not
    (undamped only with a trend that keeps learning: a fixed one from the first two weeks would run on)."""
    rows = [(a, b, g, p) for a, b, g, p in product((0.02, 0.05, 0.1, 0.2, 0.35), (0.0, 0.002, 0.01),
                                                   (0.01, 0.05, 0.15), (0.9, 0.98, 1.0))
            if b <= a and g <= 1 - a and (p < 1 or b > 0)]
    return np.array(rows)


GRID = _grid()


@dataclass(frozen=True)
class Forecast:
    """Forecasts of S series for H days: each (S, H) array, and the method of each series (S,)."""

    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    method: np.ndarray


# ---------------------------------------------------------------- the calendar's factors

def _day_kinds(first: date, days: int) -> np.ndarray:
    """Per day: "" on an ordinary day, the festival's name on a rest day, "调休" on a weekend workday."""
    kinds = holiday_names(first, days)
    kinds[makeup_days(first, days)] = "调休"
    return kinds


def calendar_factors(y: np.ndarray, first: date, days: int, start: np.ndarray | None = None) -> np.ndarray:
    """(S, days) multipliers of each day's count for series `y` (S, T), T <= days: 1.0 on ordinary days.

    Measured on the history (the first T days) only, so a forecast never sees what comes after it.
    """
    s_n, t_n = y.shape
    start = np.zeros(s_n, dtype=int) if start is None else start
    kinds = _day_kinds(first, days)
    special = np.flatnonzero(kinds[:t_n] != "")
    factors = np.ones((s_n, days))
    if not (kinds != "").any():
        return factors
    ordinary = kinds[:t_n] == ""
    # The same weekday one and two weeks either side, where ordinary and inside each series' history.
    got = np.zeros((s_n, len(special)))
    expected = np.full((s_n, len(special)), np.nan)
    cols = np.arange(t_n)
    for i, d in enumerate(special):
        near = [d + k for k in (-14, -7, 7, 14) if 0 <= d + k < t_n and ordinary[d + k]]
        if not near:
            continue
        inside = (cols[near][None, :] >= start[:, None])
        n = inside.sum(axis=1)
        total = np.where(inside, y[:, near], 0.0).sum(axis=1)
        ok = (n > 0) & (d >= start)
        expected[ok, i] = total[ok] / n[ok]
        got[ok, i] = y[ok, d]
    seen = ~np.isnan(expected)
    exp0 = np.where(seen, expected, 0.0)
    got0 = np.where(seen, got, 0.0)

    def pooled_ratio(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        num, den = (got0 * mask).sum(axis=1), (exp0 * mask).sum(axis=1)
        pool = float(num.sum() / den.sum()) if den.sum() > 0 else 1.0
        return num, den, pool

    holiday_cols = (kinds[special] != "调休")[None, :]
    num_all, den_all, pool_all = pooled_ratio(np.broadcast_to(holiday_cols, got0.shape))
    any_holiday = (num_all + SHRINK * pool_all) / (den_all + SHRINK)
    for kind in set(kinds) - {""}:
        cols_k = (kinds[special] == kind)[None, :]
        num, den, _ = pooled_ratio(np.broadcast_to(cols_k, got0.shape))
        if den.sum() > 0:
            pool = float(num.sum() / den.sum())
            value = (num + SHRINK * pool) / (den + SHRINK)
        elif kind == "调休":
            value = np.ones(s_n)
        else:
            value = any_holiday
        factors[:, kinds == kind] = np.clip(value, 0.05, 5.0)[:, None]
    return factors


# ---------------------------------------------------------------- ETS(A,Ad,A) on many series at once

def initial_states(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Level, trend (S,) and seasonal states (S, 7) from the first two weeks: the level at the start of the
    first week, the weekly means' change a day, and each weekday's offset from its week's mean."""
    weeks = y[:, :BURN_IN].reshape(len(y), 2, SEASON)
    means = weeks.mean(axis=2)
    trend = (means[:, 1] - means[:, 0]) / SEASON
    season = (weeks - means[:, :, None]).mean(axis=1)
    level = means[:, 0] - trend * (SEASON + 1) / 2  # the first week's mean sits at its middle day
    return level, trend, season


def ets_filter(y: np.ndarray, params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run ETS(A,Ad,A) over `y` (S, T) for each parameter row (C, 4): squared one-step errors summed after
    the burn-in (C, S), and the final level, trend (C, S) and seasonal states (C, S, 7).

    Seasonal state k belongs to the days t with t % 7 == k (day 0 is the first column of `y`).
    """
    s_n, t_n = y.shape
    alpha, beta, gamma, phi = (params[:, i][:, None] for i in range(4))
    l0, b0, s0 = initial_states(y)
    level = np.broadcast_to(l0, (len(params), s_n)).copy()
    trend = np.broadcast_to(b0, (len(params), s_n)).copy()
    season = np.broadcast_to(s0, (len(params), s_n, SEASON)).copy()
    sse = np.zeros_like(level)
    for t in range(t_n):
        k = t % SEASON
        damped = phi * trend
        err = y[:, t] - (level + damped + season[:, :, k])
        if t >= BURN_IN:
            sse += err * err
        level = level + damped + alpha * err
        trend = damped + beta * err
        season[:, :, k] += gamma * err
    return sse, level, trend, season


def ets_paths(level: np.ndarray, trend: np.ndarray, season: np.ndarray, params: np.ndarray, sigma2: np.ndarray,
              next_day: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance (S, H) of the next `horizon` days after the states (one parameter row per series).

    Mean: l + (phi + ... + phi^h) b + s of the day's weekday. Variance (Hyndman et al. 2008, class 1):
    sigma^2 (1 + sum over j < h of c_j^2), c_j = alpha + beta (phi + ... + phi^j) + gamma [j a multiple of 7].
    """
    alpha, beta, gamma, phi = (params[:, i][:, None] for i in range(4))
    h = np.arange(1, horizon + 1)[None, :]
    phi_h = np.cumsum(phi ** h, axis=1)  # phi + ... + phi^h
    weekday = (next_day + h[0] - 1) % SEASON
    mean = level[:, None] + phi_h * trend[:, None] + season[:, weekday]
    c = alpha + beta * phi_h + gamma * (h % SEASON == 0)  # c_j for j = 1..H
    c2 = np.concatenate([np.zeros((len(c), 1)), np.cumsum(c * c, axis=1)[:, :-1]], axis=1)
    return mean, sigma2[:, None] * (1.0 + c2)


def _fit_ets(y: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """The best grid ETS of each series (S, T), T >= MIN_HISTORY_DAYS: mean and variance (S, H)."""
    sse, level, trend, season = ets_filter(y, GRID)
    best = np.argmin(sse, axis=0)
    pick = np.arange(y.shape[0])
    sigma2 = sse[best, pick] / max(y.shape[1] - BURN_IN, 1)
    return ets_paths(level[best, pick], trend[best, pick], season[best, pick], GRID[best], sigma2, y.shape[1], horizon)


def seasonal_naive(y: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """The same weekday of the last week, (S, H) mean and variance: sigma^2 (k + 1) in the (k+1)-th week ahead,
    sigma^2 the mean squared difference of each day from a week before (Hyndman & Athanasopoulos, 5.5)."""
    s_n, t_n = y.shape
    h = np.arange(horizon)
    mean = y[:, t_n - SEASON + h % SEASON]
    diff = y[:, SEASON:] - y[:, :-SEASON]
    sigma2 = (diff ** 2).mean(axis=1) if diff.shape[1] else y.var(axis=1)
    return mean, sigma2[:, None] * (h // SEASON + 1)[None, :]


def _fit_mean(y: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Under a week of history: the mean, with the larger of the spread seen and a count's (the mean)."""
    n = max(y.shape[1], 1)
    mean = y.mean(axis=1) if y.shape[1] else np.zeros(len(y))
    var = np.maximum(y.var(axis=1) if y.shape[1] else 0.0, mean) * (1 + 1 / n)
    return np.repeat(mean[:, None], horizon, axis=1), np.repeat(var[:, None], horizon, axis=1)


def history_start(y: np.ndarray) -> np.ndarray:
    """Each series' first day with a count (its column), or its length when it has none."""
    nonzero = y > 0
    return np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), y.shape[1])


def forecast(y: np.ndarray, first: date, horizon: int = HORIZON, start: np.ndarray | None = None) -> Forecast:
    """Forecast the `horizon` days after series `y` (S, T): one row a series, one column a day from `first`.

    `start`: each series' first day of history (column); by default its first day with a count.
    Counts are never negative, so means and bounds are cut at 0.
    """
    y = np.asarray(y, dtype=float)
    s_n, t_n = y.shape
    start = history_start(y) if start is None else np.asarray(start, dtype=int)
    factors = calendar_factors(y, first, t_n + horizon, start)
    adjusted = y / factors[:, :t_n]
    mean = np.zeros((s_n, horizon))
    var = np.zeros((s_n, horizon))
    method = np.full(s_n, METHOD_ETS, dtype=object)
    history = t_n - start
    for begin in np.unique(np.maximum(start, t_n - WINDOW_DAYS)):
        rows = np.flatnonzero(np.maximum(start, t_n - WINDOW_DAYS) == begin)
        part = adjusted[rows, begin:]
        n = t_n - begin
        if n >= MIN_HISTORY_DAYS:
            m, v = _fit_ets(part[:, n % SEASON:], horizon)  # whole weeks: day 0 of the fit keeps its weekday
            method[rows] = METHOD_ETS
        elif n >= SEASON:
            m, v = seasonal_naive(part, horizon)
            method[rows] = METHOD_SNAIVE
        else:
            m, v = _fit_mean(part, horizon)
            method[rows] = METHOD_MEAN
        mean[rows], var[rows] = m, v
    del history
    f = factors[:, t_n:]
    mean = np.maximum(mean * f, 0.0)
    sd = np.sqrt(np.maximum(var, 0.0)) * f
    return Forecast(mean=mean, lo80=np.maximum(mean - Z80 * sd, 0.0), hi80=mean + Z80 * sd,
                    lo95=np.maximum(mean - Z95 * sd, 0.0), hi95=mean + Z95 * sd, method=method)


# ---------------------------------------------------------------- the backtest

@dataclass(frozen=True)
class Backtest:
    """Per series, summed over the replayed origins and days: absolute errors of the forecast and of the
    seasonal-naive forecast, days inside the 80% and 95% bands, and the days compared."""

    abs_error: np.ndarray
    abs_error_naive: np.ndarray
    inside80: np.ndarray
    inside95: np.ndarray
    days: np.ndarray
    origins: list[date]


def mase(actual: np.ndarray, predicted: np.ndarray, naive: np.ndarray) -> float:
    """Mean absolute error over the seasonal-naive forecast's on the same days (< 1: better than naive)."""
    base = np.abs(np.asarray(actual) - np.asarray(naive)).sum()
    return float(np.abs(np.asarray(actual) - np.asarray(predicted)).sum() / base) if base > 0 else float("nan")


def coverage(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """The share of days whose count fell inside [lo, hi]."""
    a = np.asarray(actual)
    return float(((a >= lo) & (a <= hi)).mean()) if a.size else float("nan")


def backtest_origins(first: date, days: int, horizon: int, weeks: int = 12) -> list[int]:
    """The columns of the last `weeks` Mondays from which `horizon` whole days are known and a week before
    them (the seasonal-naive forecast's), oldest first."""
    monday = (7 - first.weekday()) % 7 + SEASON  # the first Monday with a week of data before it
    last = days - horizon
    cols = [c for c in range(monday, last + 1, 7)]
    return cols[-weeks:]


def backtest(y: np.ndarray, first: date, horizon: int = 7, weeks: int = 12) -> Backtest:
    """Replay: from each of the last `weeks` Mondays, forecast `horizon` days from the data before it alone
    and compare with what came. The seasonal-naive forecast is the plain last-week one, no calendar."""
    y = np.asarray(y, dtype=float)
    s_n, t_n = y.shape
    origins = backtest_origins(first, t_n, horizon, weeks)
    sums = {k: np.zeros(s_n) for k in ("abs_error", "abs_error_naive", "inside80", "inside95", "days")}
    for o in origins:
        fc = forecast(y[:, :o], first, horizon)
        actual = y[:, o:o + horizon]
        naive, _ = seasonal_naive(y[:, :o], horizon)
        sums["abs_error"] += np.abs(actual - fc.mean).sum(axis=1)
        sums["abs_error_naive"] += np.abs(actual - naive).sum(axis=1)
        sums["inside80"] += ((actual >= fc.lo80) & (actual <= fc.hi80)).sum(axis=1)
        sums["inside95"] += ((actual >= fc.lo95) & (actual <= fc.hi95)).sum(axis=1)
        sums["days"] += actual.shape[1]
    return Backtest(**sums, origins=[first + timedelta(days=o) for o in origins])


def summarise(bt: Backtest, rows: np.ndarray | None = None) -> dict[str, float]:
    """MASE (the series' errors summed over the naive's), and the 80% and 95% coverage, over some series."""
    rows = np.arange(len(bt.days)) if rows is None else rows
    naive = bt.abs_error_naive[rows].sum()
    days = bt.days[rows].sum()
    return {"series": int(len(rows)), "days": int(days),
            "mase": float(bt.abs_error[rows].sum() / naive) if naive > 0 else float("nan"),
            "cover80": float(bt.inside80[rows].sum() / days) if days else float("nan"),
            "cover95": float(bt.inside95[rows].sum() / days) if days else float("nan")}
