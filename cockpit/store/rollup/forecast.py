"""rollup_forecast and rollup_forecast_backtest (#24): every unit's forecasts, made by the rollup refresh.

The daily counts come from rollup_day (cases received, alerts raised per community and day), summed up
the tree by code prefix; cases by 大类 (the top-level category) take one grouped scan of the cases per
district. The model (cockpit.core.forecast) is pure; here the series are laid out as matrices, one
row a unit, one column a day from the data's first day to its last whole day.

The last whole day: the data's end day when the data runs to 23:00 or later, else the day before
(a city's export taken at noon would otherwise end on half a day, read as a slump).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, literal_column, select

from cockpit.core import codes
from cockpit.core import forecast as model
from cockpit.store.rollup.daily import _daily
from cockpit.store.rollup.tables import (
    BACKTEST_HORIZON,
    BACKTEST_SUMS,
    BACKTEST_WEEKS,
    FORECAST_BEFORE_DAYS,
    FORECAST_HORIZON,
)
from cockpit.store.schema import admin_unit, alert, case_category, case_record
from cockpit.store.sql import Bind, tuples

LEVELS = ("city", "district", "street", "community")
CATEGORY_LEVELS = ("city", "district")
FORECAST_COLUMNS = ["unit_code", "series", "made_on", "day", "level", "horizon", "mean", "lo80", "hi80", "lo95",
                    "hi95", "actual", "method"]
BACKTEST_COLUMNS = ["unit_code", "series", "level", "first_origin", "last_origin", *BACKTEST_SUMS]


def last_whole_day(end: datetime) -> date:
    """The last day the data covers whole (see the module's docstring)."""
    return end.date() if end.time() >= time(23, 0) else end.date() - timedelta(days=1)


def _units(bind: Bind) -> pd.DataFrame:
    stmt = select(admin_unit.c.code, admin_unit.c.level).where(admin_unit.c.level.in_(LEVELS))
    frame = pd.DataFrame(tuples(bind, stmt), columns=["code", "level"])
    return frame.sort_values("code").reset_index(drop=True)


def _matrix(rows: pd.DataFrame, key: str, value: str, units: pd.DataFrame, first: date, days: int) -> np.ndarray:
    """(units, days) counts: each unit sums the rows whose `key` code lies under it (by code prefix)."""
    out = np.zeros((len(units), days))
    if rows.empty or units.empty:
        return out
    col = (pd.to_datetime(rows["day"]) - pd.Timestamp(first)).dt.days.to_numpy()
    keep = (col >= 0) & (col < days)
    keys, inverse = np.unique(rows[key].to_numpy()[keep].astype(str), return_inverse=True)
    base = np.zeros((len(keys), days))
    np.add.at(base, (inverse, col[keep]), rows[value].to_numpy()[keep].astype(float))
    plen = np.array([codes.prefix_len(c, lv) for c, lv in zip(units["code"], units["level"])])
    for n in np.unique(plen):
        summed = pd.DataFrame(base).groupby(pd.Index(keys).str[:n]).sum()
        at = np.flatnonzero(plen == n)
        prefixes = pd.Index(units["code"].to_numpy()[at].astype(str)).str[:n]
        found = summed.reindex(prefixes).fillna(0.0).to_numpy()
        out[at] = found
    return out


def _category_rows(bind: Bind) -> pd.DataFrame:
    """Cases received per district prefix, top-level category and day (one grouped scan)."""
    c = case_record.c
    district = func.substr(c.grid_code, 1, literal_column("6")).label("d")
    day = func.date(c.received_at).label("day")
    stmt = select(district, c.category_code, day, func.count()).group_by(district, c.category_code, day)
    frame = pd.DataFrame(tuples(bind, stmt), columns=["code", "category", "day", "n"])
    parents = dict(tuples(bind, select(case_category.c.code, case_category.c.parent_code)))

    def root(code: str) -> str:
        seen = set()
        while parents.get(code) and code not in seen:
            seen.add(code)
            code = parents[code]
        return code

    frame["category"] = frame["category"].map({k: root(k) for k in frame["category"].unique()})
    frame["code"] = frame["code"].str.ljust(12, "0")
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame.groupby(["code", "category", "day"], as_index=False)["n"].sum()


def day_counts(bind: Bind) -> pd.DataFrame:
    """rollup_day's two forecast columns read from the facts (community_code, day, cases_received,
    alerts_raised): the backtest's input where the rollups are not built, with their definitions."""
    one = func.count()
    parts = {**_daily(bind, case_record, case_record.c.received_at, {"cases_received": one}),
             **_daily(bind, alert, alert.c.raised_at, {"alerts_raised": one})}
    frames = [f.rename(columns={"v": name}).set_index(["c", "d"]) for name, f in parts.items()]
    both = pd.concat(frames, axis=1).fillna(0).astype("int64").reset_index()
    return both.rename(columns={"c": "community_code", "d": "day"})


def series_matrices(bind: Bind, day_frame: pd.DataFrame, end: datetime) -> tuple[list[tuple[str, pd.DataFrame, np.ndarray]], date]:
    """(series name, its units, counts (units, days)) for every series, and the first day (column 0)."""
    units = _units(bind)
    last = last_whole_day(end)
    first = min(pd.to_datetime(day_frame["day"]).min().date(), last) if len(day_frame) else last
    days = (last - first).days + 1
    out = []
    for series, value in (("cases", "cases_received"), ("alerts", "alerts_raised")):
        out.append((series, units, _matrix(day_frame, "community_code", value, units, first, days)))
    upper = units[units["level"].isin(CATEGORY_LEVELS)].reset_index(drop=True)
    cats = _category_rows(bind)
    for category, rows in cats.groupby("category"):
        out.append((f"cases:{category}", upper, _matrix(rows, "code", "n", upper, first, days)))
    return out, first


def _forecast_rows(series: str, units: pd.DataFrame, y: np.ndarray, first: date, made: int) -> pd.DataFrame:
    """rollup_forecast rows of the forecast made with the first `made` columns of `y` (made_on: column made-1)."""
    fc = model.forecast(y[:, :made], first, FORECAST_HORIZON)
    s_n, h_n = fc.mean.shape
    made_on = first + timedelta(days=made - 1)
    cols = made + np.arange(h_n)
    actual = np.full((s_n, h_n), np.nan)
    known = cols < y.shape[1]
    actual[:, known] = y[:, cols[known]]
    frame = pd.DataFrame({
        "unit_code": np.repeat(units["code"].to_numpy(), h_n),
        "series": series,
        "made_on": made_on,
        "day": np.tile([made_on + timedelta(days=int(h)) for h in range(1, h_n + 1)], s_n),
        "level": np.repeat(units["level"].to_numpy(), h_n),
        "horizon": np.tile(np.arange(1, h_n + 1), s_n),
        **{k: np.round(getattr(fc, k).ravel(), 3) for k in ("mean", "lo80", "hi80", "lo95", "hi95")},
        "actual": pd.array(actual.ravel(), dtype="Float64").round().astype("Int64"),
        "method": np.repeat(fc.method, h_n),
    })
    return frame[FORECAST_COLUMNS]


def compute_forecast_frames(bind: Bind, day_frame: pd.DataFrame, end: datetime) -> dict[str, pd.DataFrame]:
    """rollup_forecast (made on the last whole day and FORECAST_BEFORE_DAYS before it) and
    rollup_forecast_backtest (the last BACKTEST_WEEKS Mondays, BACKTEST_HORIZON days ahead)."""
    matrices, first = series_matrices(bind, day_frame, end)
    forecasts, backtests = [], []
    for series, units, y in matrices:
        if len(units) == 0:
            continue
        days = y.shape[1]
        for made in (days, days - FORECAST_BEFORE_DAYS):
            if made >= 1:
                forecasts.append(_forecast_rows(series, units, y, first, made))
        bt = model.backtest(y, first, BACKTEST_HORIZON, BACKTEST_WEEKS)
        if bt.origins:
            frame = pd.DataFrame({"unit_code": units["code"].to_numpy(), "series": series,
                                  "level": units["level"].to_numpy(), "first_origin": bt.origins[0],
                                  "last_origin": bt.origins[-1]})
            for k in BACKTEST_SUMS:
                values = getattr(bt, k)
                frame[k] = np.round(values, 3) if k.startswith("abs") else values.astype("int64")
            backtests.append(frame[BACKTEST_COLUMNS])
    empty_f = pd.DataFrame(columns=FORECAST_COLUMNS)
    empty_b = pd.DataFrame(columns=BACKTEST_COLUMNS)
    return {"rollup_forecast": pd.concat(forecasts, ignore_index=True) if forecasts else empty_f,
            "rollup_forecast_backtest": pd.concat(backtests, ignore_index=True) if backtests else empty_b}
