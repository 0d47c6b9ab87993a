"""The forecasts on screen (#24), pure: the band a trend chart continues into, the backtest's sentence, the
list of units above the forecast and the big screen's 未来7天. No Streamlit, no query: the frames come from
cockpit.queries.forecast through cockpit.ui.data (empty where no forecast exists; then nothing is drawn)."""

from __future__ import annotations

import math

import pandas as pd

from cockpit.core.i18n import t
from cockpit.views.tables import Table

BAND_DAYS = 14  # the trend charts continue this many days into the forecast
NEXT_DAYS = 7  # the big screen's 未来7天
BAND_COLUMNS = ["series", "day", "mean", "lo80", "hi80", "lo95", "hi95", "method"]
BAND_VALUES = ["mean", "lo80", "hi80", "lo95", "hi95"]
WEEKLY_AFTER = 120  # as cockpit.views.charts.trend_frame: a longer period is drawn by week, without a band


def empty_band() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in BAND_VALUES else object) for c in BAND_COLUMNS})


def band_frame(daily: pd.DataFrame, forecasts: dict[str, pd.DataFrame], days: int = BAND_DAYS) -> pd.DataFrame:
    """The forecast rows a trend chart of `daily` draws, one per (column, day): `forecasts` maps a daily column
    ("cases_received") to its unit's forecast (cockpit.queries.forecast.fetch_forecast).

    Empty (the chart as before) where there is no forecast, where the period is drawn by week, or where the
    period does not reach the forecast's origin (a custom range in the past): a band continues the line only.
    """
    if daily.empty or len(daily) > WEEKLY_AFTER:
        return empty_band()
    last = pd.Timestamp(daily["day"].max()).normalize()
    parts = []
    for column, fc in forecasts.items():
        if fc is None or fc.empty:
            continue
        fc = fc[fc["horizon"] <= days]
        first = pd.Timestamp(fc["day"].min())
        if last < first - pd.Timedelta(days=1):  # the chart stops before the forecast starts
            continue
        part = fc[["day", *BAND_VALUES, "method"]].copy()
        part["day"] = pd.to_datetime(part["day"])
        part.insert(0, "series", column)
        parts.append(part)
    if not parts:
        return empty_band()
    return pd.concat(parts, ignore_index=True)[BAND_COLUMNS]


def method_label(method: str, lang: str) -> str:
    key = f"fc_method_{method}"
    return t(key, lang) if method in ("ets", "snaive", "mean") else str(method)


def methods_text(band: pd.DataFrame, lang: str) -> str:
    """The methods used, ETS first: 'ETS' or 'ETS、季节朴素'."""
    order = {"ets": 0, "snaive": 1, "mean": 2}
    used = sorted(set(band["method"].dropna()), key=lambda m: order.get(m, 9))
    return ("、" if lang == "zh" else ", ").join(method_label(m, lang) for m in used)


def _unit_row(backtest: pd.DataFrame) -> pd.Series | None:
    if backtest is None or backtest.empty:
        return None
    mine = backtest[backtest["scope"] == "unit"]
    row = (mine if not mine.empty else backtest).iloc[0]
    return None if pd.isna(row["mase"]) or pd.isna(row["cover95"]) else row


def backtest_text(what: str, backtest: pd.DataFrame, lang: str) -> str | None:
    """'近12周回测：受理误差比季节基准低23%，95%区间覆盖94%' from the unit's backtest (MASE, coverage)."""
    row = _unit_row(backtest)
    if row is None:
        return None
    mase = float(row["mase"])
    return t("fc_backtest", lang, what=t(f"fc_what_{what}", lang), dir=t("fc_lower" if mase <= 1 else "fc_higher", lang),
             pct=f"{abs(1 - mase) * 100:.0f}%", cover=f"{float(row['cover95']) * 100:.0f}%")


def band_caption(band: pd.DataFrame, backtests: dict[str, pd.DataFrame], lang: str, days: int = BAND_DAYS) -> str:
    """The line under a banded trend chart: what the band is, by which method, and its backtest. Empty without a band."""
    if band.empty:
        return ""
    parts = [t("fc_band_note", lang, days=days, method=methods_text(band, lang))]
    tests = [x for x in (backtest_text(what, bt, lang) for what, bt in backtests.items()) if x]
    if tests:
        # one 近12周回测 for both series: the second and later drop the lead
        cut = "：" if lang == "zh" else ": "
        rest = [tests[0]] + [x.split(cut, 1)[-1] for x in tests[1:]]
        parts.append(t("fc_sep", lang).join(rest))
    return ("。" if lang == "zh" else ". ").join(parts) + ("。" if lang == "zh" else ".")


def next_days(forecast: pd.DataFrame, days: int = NEXT_DAYS) -> tuple[float, float, float] | None:
    """The next `days` days' forecast total and its 80% range (the days' bounds added up: as wide as if each
    day erred the same way, so at least an 80% range). None without a forecast."""
    if forecast is None or forecast.empty:
        return None
    ahead = forecast[forecast["horizon"] <= days]
    if len(ahead) < days:
        return None
    return float(ahead["mean"].sum()), float(ahead["lo80"].clip(lower=0).sum()), float(ahead["hi80"].sum())


def count_text(value: float) -> str:
    return f"{value:,.0f}" if not math.isnan(value) else "—"


def band_table(band: pd.DataFrame, lang: str, title: str) -> Table | None:
    """A trend panel's forecast rows for the exports: series, day, mean, the 80% and 95% bounds, method."""
    if band is None or band.empty:
        return None
    frame = pd.DataFrame({
        t("series", lang): [t(c, lang) for c in band["series"]],
        t("day", lang): pd.to_datetime(band["day"]),
        **{t(k, lang): band[v].astype("float64").round(2)
           for k, v in (("fc_forecast", "mean"), ("fc_lo80", "lo80"), ("fc_hi80", "hi80"), ("fc_lo95", "lo95"), ("fc_hi95", "hi95"))},
        t("fc_method", lang): [method_label(m, lang) for m in band["method"]],
    })
    return Table("forecast", title, frame)


def above_band_frame(above: pd.DataFrame, names: dict[str, str], lang: str, title: str) -> Table:
    """The units whose last 7 days ran above the upper 95% band of the forecast made before them, as the alerts
    page's baseline test reads: name, code, the 7 days' count, the forecast's upper bound, the factor, since."""
    frame = pd.DataFrame({
        t("name", lang): [names.get(c, c) for c in above["code"]],
        t("code", lang): above["code"].astype(str).to_numpy(),
        t("fc_actual_7d", lang): above["observed_7d"].astype("int64").to_numpy(),
        t("fc_expected_7d", lang): above["expected_7d"].astype("float64").round(1).to_numpy(),
        t("fc_upper_7d", lang): above["upper95_7d"].astype("float64").round(1).to_numpy(),
        t("fc_factor", lang): above["factor"].astype("float64").round(1).to_numpy(),
        t("fc_since", lang): pd.to_datetime(pd.Series(above["since"], dtype=object)).to_numpy(),
    })
    return Table("above_forecast", title, frame)


def above_band_made_on(forecast: pd.DataFrame, days: int = NEXT_DAYS) -> object | None:
    """The day the forecast the list tests against was made: `days` before the newest one's origin."""
    if forecast is None or forecast.empty:
        return None
    return pd.Timestamp(forecast["day"].min()) - pd.Timedelta(days=1 + days)


def reaches(daily: pd.DataFrame, forecast: pd.DataFrame) -> bool:
    """Whether a period's days reach the forecast's origin (a custom range in the past does not)."""
    if daily is None or daily.empty or forecast is None or forecast.empty:
        return False
    return pd.Timestamp(daily["day"].max()).normalize() >= pd.Timestamp(forecast["day"].min()) - pd.Timedelta(days=1)


def next_days_text(forecast: pd.DataFrame, daily: pd.DataFrame, lang: str, days: int = NEXT_DAYS) -> str | None:
    """The big screen's '约123（80%区间 98–150）' for the next `days` days; None where there is no forecast."""
    found = next_days(forecast, days) if reaches(daily, forecast) else None
    if found is None:
        return None
    mean, lo, hi = found
    return t("fc_next7_line", lang, value=count_text(mean), lo=count_text(lo), hi=count_text(hi))
