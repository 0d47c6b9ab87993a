"""The forecasts (#24): read from rollup_forecast and rollup_forecast_backtest, which only the rollup refresh
fills (cockpit.store.rollup.forecast; docs/forecast.md). There is no fact fallback — a forecast is never
computed while a page is drawn — so without the tables (no `python -m cockpit rollup` yet) every read
answers an empty frame. Whether they answer the data's current end is `cockpit.queries.rollup.rollup_is_fresh`.

Series: "cases" (cases received a day), "alerts" (alerts raised a day), "cases:<code>" (cases of one
大类, the top-level category, at the city and its districts).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from cockpit.core.model import Unit
from cockpit.queries.base import Bind, rows, tuples
from cockpit.store.rollup.tables import (
    BACKTEST_SUMS,
    FORECAST_BEFORE_DAYS,
    FORECAST_VALUES,
    rollup_forecast,
    rollup_forecast_backtest,
)

FORECAST_FRAME = ["day", "horizon", *FORECAST_VALUES, "method", "actual"]
ABOVE_BAND_FRAME = ["code", "observed_7d", "expected_7d", "upper95_7d", "factor", "since"]
BACKTEST_FRAME = ["scope", "level", "units", "days", "mase", "cover80", "cover95", "first_origin", "last_origin"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _latest_made_on(bind: Bind, series: str) -> date | None:
    f = rollup_forecast.c
    value = rows(bind, select(func.max(f.made_on)).where(f.series == series))[0][0]
    return pd.Timestamp(value).date() if value is not None else None


def fetch_forecast(bind: Bind, unit: Unit, series: str, made_on: date | None = None) -> pd.DataFrame:
    """The unit's forecast of `series`, one row a day ahead: day, horizon (1..14), mean, lo80, hi80, lo95,
    hi95 (counts a day; bounds of the 80% and 95% intervals), method (ets / snaive / mean), actual (the
    day's count where the data has it, else <NA>).

    `made_on`: the forecast's origin, the last day of data it used; by default the newest (the data's last
    whole day). The refresh also keeps the one made 7 days before it (FORECAST_BEFORE_DAYS).
    """
    f = rollup_forecast.c
    try:
        made = made_on or _latest_made_on(bind, series)
        if made is None:
            return _empty(FORECAST_FRAME)
        stmt = (select(f.day, f.horizon, *[f[k] for k in FORECAST_VALUES], f.method, f.actual)
                .where(f.unit_code == unit.code, f.series == series, f.made_on == made).order_by(f.day))
        found = tuples(bind, stmt)
    except DBAPIError:  # no rollup_forecast table (rollups never built, or built by an older release)
        return _empty(FORECAST_FRAME)
    frame = pd.DataFrame(found, columns=FORECAST_FRAME)
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame["horizon"] = frame["horizon"].astype("int64")
    frame[list(FORECAST_VALUES)] = frame[list(FORECAST_VALUES)].astype("float64")
    frame["actual"] = frame["actual"].astype("Int64")
    return frame


def fetch_above_band(bind: Bind, unit: Unit, level: str, series: str) -> pd.DataFrame:
    """The units of `level` in `unit` (the unit itself when `level` is its own) whose last 7 days ran above
    the forecast made before them (made_on = newest - 7 days): highest factor first.

    observed_7d: the 7 days' count; expected_7d: the forecast's means added up; upper95_7d: the days'
    upper 95% bounds added up (a week's band as wide as if each day's error were the same: a unit listed
    here is well out of it); factor = observed / expected; since: the first day of the last run of days
    above the forecast's mean that reaches the last day (the first such day in the 7 when the last is not).
    """
    f = rollup_forecast.c
    try:
        latest = _latest_made_on(bind, series)
        if latest is None:
            return _empty(ABOVE_BAND_FRAME)
        made = latest - timedelta(days=FORECAST_BEFORE_DAYS)
        lo, hi = unit.grid_range
        stmt = (select(f.unit_code, f.day, f.actual, f.mean, f.hi95)
                .where(f.series == series, f.made_on == made, f.level == level, f.unit_code >= lo, f.unit_code < hi,
                       f.horizon <= FORECAST_BEFORE_DAYS, f.actual.is_not(None))
                .order_by(f.unit_code, f.day))
        found = tuples(bind, stmt)
    except DBAPIError:
        return _empty(ABOVE_BAND_FRAME)
    days = pd.DataFrame(found, columns=["code", "day", "actual", "mean", "hi95"])
    if days.empty:
        return _empty(ABOVE_BAND_FRAME)
    days["day"] = pd.to_datetime(days["day"]).dt.date
    days[["mean", "hi95"]] = days[["mean", "hi95"]].astype("float64")
    days["actual"] = days["actual"].astype("int64")
    out = []
    for code, d in days.groupby("code", sort=True):
        observed, expected, upper = int(d["actual"].sum()), float(d["mean"].sum()), float(d["hi95"].sum())
        if observed <= upper:
            continue
        out.append((code, observed, round(expected, 3), round(upper, 3),
                    round(observed / expected, 3) if expected > 0 else float("inf"), _since(d)))
    frame = pd.DataFrame(out, columns=ABOVE_BAND_FRAME)
    if frame.empty:
        return _empty(ABOVE_BAND_FRAME)
    frame["observed_7d"] = frame["observed_7d"].astype("int64")
    return frame.sort_values(["factor", "code"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _since(d: pd.DataFrame) -> date:
    above = (d["actual"] > d["mean"]).to_numpy()
    day = d["day"].to_numpy()
    if above[-1]:
        k = len(above) - 1
        while k > 0 and above[k - 1]:
            k -= 1
        return day[k]
    return day[above.argmax()] if above.any() else day[0]


def fetch_backtest(bind: Bind, unit: Unit, series: str) -> pd.DataFrame:
    """The backtest of `series` (last 12 Mondays, 7 days ahead): two rows, scope "unit" (this unit) and
    "tier" (every unit of its level together). mase: the forecast's absolute errors over the seasonal-naive
    forecast's (0.77: errors 23% smaller); cover80, cover95: the share of days inside each band."""
    b = rollup_forecast_backtest.c
    sums = [func.sum(b[k]) for k in BACKTEST_SUMS]
    try:
        one = tuples(bind, select(b.level, func.count(), *sums, func.min(b.first_origin), func.max(b.last_origin))
                     .where(b.unit_code == unit.code, b.series == series).group_by(b.level))
        tier = tuples(bind, select(b.level, func.count(), *sums, func.min(b.first_origin), func.max(b.last_origin))
                      .where(b.level == unit.level, b.series == series).group_by(b.level))
    except DBAPIError:
        return _empty(BACKTEST_FRAME)
    out = []
    for scope, found in (("unit", one), ("tier", tier)):
        for level, units, err, naive, in80, in95, days, first, last in found:
            err, naive, days = float(err), float(naive), int(days)
            out.append((scope, level, int(units), days, err / naive if naive > 0 else float("nan"),
                        int(in80) / days if days else float("nan"), int(in95) / days if days else float("nan"),
                        pd.Timestamp(first).date(), pd.Timestamp(last).date()))
    return pd.DataFrame(out, columns=BACKTEST_FRAME) if out else _empty(BACKTEST_FRAME)
