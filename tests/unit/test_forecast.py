"""The forecast model (cockpit.core.forecast, #24) on series with a known answer, its intervals on simulated
data, the backtest's arithmetic by hand, the short-history fallback, and the holiday calendar."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from cockpit.core import forecast as F
from cockpit.core.holidays import holiday_names, makeup_days, working_days

QUIET = date(2023, 1, 2)  # a Monday in a year the calendar does not list: no holiday adjusts anything
WEEK = np.array([30.0, 32, 31, 33, 35, 18, 15])  # Monday .. Sunday


def test_a_pure_weekly_cycle_is_repeated():
    y = np.tile(WEEK, 20)[None, :]
    fc = F.forecast(y, QUIET, 14)
    assert fc.method.tolist() == ["ets"]
    np.testing.assert_allclose(fc.mean[0], np.tile(WEEK, 2), atol=1e-9)
    # no error in the history: the bands close on the mean
    np.testing.assert_allclose(fc.hi95[0], fc.mean[0], atol=1e-9)


def test_a_linear_trend_goes_on():
    t = np.arange(26 * 7)
    y = (100 + 0.5 * t + np.tile(WEEK - WEEK.mean(), 26))[None, :]
    fc = F.forecast(y, QUIET, 7)
    want = 100 + 0.5 * (len(t) + np.arange(7)) + (WEEK - WEEK.mean())
    np.testing.assert_allclose(fc.mean[0], want, rtol=0.02)
    # a week on, the week's mean has risen by close to 7 x 0.5 (the trend is damped: a little less)
    assert 0.8 * 3.5 <= fc.mean[0].mean() - y[0, -7:].mean() <= 1.05 * 3.5


def test_a_holiday_dip_is_learned_from_last_year_and_forecast():
    """A weekly cycle whose public holidays run at half: the forecast over 国庆 2026 halves too, and the
    days after it return to the cycle (the dip of 国庆 2025 and the other holidays did not drag the level)."""
    first = date(2025, 6, 2)  # a Monday
    days = (date(2026, 9, 30) - first).days + 1  # history to the eve of 国庆 2026
    y = np.tile(WEEK, days // 7 + 1)[:days].copy()
    names = holiday_names(first, days)
    y[names != ""] *= 0.5
    fc = F.forecast(y[None, :], first, 14)
    ahead = [first + timedelta(days=days + h) for h in range(14)]
    cycle = np.array([WEEK[d.weekday()] for d in ahead])
    in_holiday = np.array([date(2026, 10, 1) <= d <= date(2026, 10, 7) for d in ahead])
    ratio = fc.mean[0] / cycle
    assert np.all(np.abs(ratio[in_holiday] - 0.5) < 0.08), ratio
    assert np.all(np.abs(ratio[~in_holiday] - 1.0) < 0.08), ratio


def test_the_95_percent_band_covers_about_95_percent_of_simulated_days():
    """500 simulated series (a weekly cycle, a drifting level, Gaussian noise), each forecast one day ahead."""
    rng = np.random.default_rng(7)
    n, days = 500, 140
    level = 60 + np.cumsum(rng.normal(0, 0.3, (n, days + 1)), axis=1)
    y = level + np.tile(WEEK - WEEK.mean(), days // 7 + 1)[: days + 1] + rng.normal(0, 4, (n, days + 1))
    fc = F.forecast(y[:, :days], QUIET, 1)
    truth = y[:, days]
    cover95 = F.coverage(truth, fc.lo95[:, 0], fc.hi95[:, 0])
    cover80 = F.coverage(truth, fc.lo80[:, 0], fc.hi80[:, 0])
    # binomial sd over 500 days: 1% at 95%, 1.8% at 80%
    assert 0.92 <= cover95 <= 0.98, cover95
    assert 0.74 <= cover80 <= 0.86, cover80


def test_mase_and_coverage_by_hand():
    actual = np.array([10, 12, 8, 20])
    predicted = np.array([11, 12, 10, 14])  # |e| = 1, 0, 2, 6 -> 9
    naive = np.array([7, 15, 8, 10])  # |e| = 3, 3, 0, 10 -> 16
    assert F.mase(actual, predicted, naive) == pytest.approx(9 / 16)
    assert F.coverage(actual, np.array([9, 13, 5, 15]), np.array([11, 14, 9, 19])) == 0.5  # 10 and 8 inside


def test_the_backtest_adds_up_by_hand():
    """Two Mondays replayed 3 days ahead on a 10-week series: the sums are the forecasts' made by hand."""
    rng = np.random.default_rng(3)
    y = (np.tile(WEEK, 10) + rng.poisson(3, 70))[None, :].astype(float)
    bt = F.backtest(y, QUIET, horizon=3, weeks=2)
    origins = F.backtest_origins(QUIET, 70, 3, 2)
    assert origins == [56, 63] and bt.origins == [QUIET + timedelta(days=56), QUIET + timedelta(days=63)]
    err = naive = in80 = in95 = 0.0
    for o in origins:
        fc = F.forecast(y[:, :o], QUIET, 3)
        actual = y[0, o:o + 3]
        err += np.abs(actual - fc.mean[0]).sum()
        naive += np.abs(actual - y[0, o - 7:o - 4]).sum()  # the same weekdays a week before
        in80 += ((actual >= fc.lo80[0]) & (actual <= fc.hi80[0])).sum()
        in95 += ((actual >= fc.lo95[0]) & (actual <= fc.hi95[0])).sum()
    assert bt.abs_error[0] == pytest.approx(err) and bt.abs_error_naive[0] == pytest.approx(naive)
    assert (bt.inside80[0], bt.inside95[0], bt.days[0]) == (in80, in95, 6)
    s = F.summarise(bt)
    assert s["mase"] == pytest.approx(err / naive) and s["cover95"] == pytest.approx(in95 / 6)


def test_three_weeks_of_history_fall_back_to_seasonal_naive():
    """A unit whose counts start three weeks before the end (a new community) beside one with 20 weeks."""
    old = np.tile(WEEK, 20)
    new = np.zeros(140)
    new[-21:] = np.tile(WEEK + 1, 3)
    new[-3] += 4  # last week differs from the one before: a spread to widen the bands
    tiny = np.zeros(140)
    tiny[-3:] = [2, 4, 3]
    fc = F.forecast(np.vstack([old, new, tiny]), QUIET, 14)
    assert fc.method.tolist() == ["ets", "snaive", "mean"]
    np.testing.assert_allclose(fc.mean[1], np.tile(new[-7:], 2))
    width = fc.hi95[1] - fc.mean[1]
    np.testing.assert_allclose(width[7:], width[:7] * np.sqrt(2))  # the second week ahead: sqrt(2) wider
    np.testing.assert_allclose(fc.mean[2], 3.0)


def test_the_recursions_are_statsmodels_ets():
    """ETS(A,Ad,A) with the same parameters and initial states: fitted errors, means and 95% bounds equal."""
    ets = pytest.importorskip("statsmodels.tsa.exponential_smoothing.ets")
    rng = np.random.default_rng(1)
    t = np.arange(140)
    y = 20 + 5 * ((t % 7) < 5) + 0.05 * t + rng.normal(0, 2, 140)
    params = np.array([[0.2, 0.01, 0.05, 0.9]])
    sse, level, trend, season = F.ets_filter(y[None, :], params)
    l0, b0, s0 = F.initial_states(y[None, :])
    series = pd.Series(y, index=pd.date_range("2026-01-05", periods=140, freq="D"))
    model = ets.ETSModel(series, error="add", trend="add", damped_trend=True, seasonal="add", seasonal_periods=7,
                         initialization_method="known", initial_level=l0[0], initial_trend=b0[0],
                         initial_seasonal=s0[0])
    fit = model.smooth(params[0])
    resid = y - fit.fittedvalues.to_numpy()
    assert sse[0, 0] == pytest.approx((resid[F.BURN_IN:] ** 2).sum(), rel=1e-9)
    mean, var = F.ets_paths(level[0], trend[0], season[0], params, np.array([fit.mse]), 140, 14)
    frame = fit.get_prediction(start=140, end=153).summary_frame(alpha=0.05)
    np.testing.assert_allclose(mean[0], frame["mean"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(mean[0] + F.Z95 * np.sqrt(var[0]), frame["pi_upper"].to_numpy(), rtol=1e-9)


def test_the_calendar():
    first = date(2026, 1, 1)
    names = holiday_names(first, 365)
    assert names[(date(2026, 2, 17) - first).days] == "春节"
    assert (names[(date(2026, 2, 15) - first).days:(date(2026, 2, 23) - first).days + 1] == "春节").all()
    assert names[(date(2026, 2, 24) - first).days] == ""
    assert (names[273:280] == "国庆节").all() and names[272] == "" and names[280] == ""  # 1-7 October
    work = working_days(first, 365)
    assert work[(date(2026, 2, 14) - first).days] and makeup_days(first, 365)[(date(2026, 2, 14) - first).days]
    assert not work[(date(2026, 10, 1) - first).days] and not work[(date(2026, 10, 11) - first).days]  # a Sunday
