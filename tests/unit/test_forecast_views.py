"""cockpit.views.forecast (#24), pure: which forecast rows a trend draws, the backtest's sentence, the big
screen's 未来7天, the above-band list's table; and the trend chart's and its data-as-text's forecast parts."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from cockpit.views import chart_text, charts
from cockpit.views import forecast as fv

ORIGIN = date(2026, 10, 30)  # the forecast's last day of data


def forecast(days: int = 14, method: str = "ets", mean: float = 10.0) -> pd.DataFrame:
    return pd.DataFrame({"day": [ORIGIN + timedelta(days=h) for h in range(1, days + 1)], "horizon": range(1, days + 1),
                         "mean": mean, "lo80": mean - 4, "hi80": mean + 4, "lo95": mean - 6, "hi95": mean + 6,
                         "method": method, "actual": pd.array([pd.NA] * days, dtype="Int64")})


def daily(last: date = ORIGIN, days: int = 30) -> pd.DataFrame:
    day = pd.date_range(end=pd.Timestamp(last), periods=days, freq="D")
    return pd.DataFrame({"day": day, "cases_received": 9.0, "cases_closed": 8.0, "alerts_raised": 5.0, "points_earned": 0.0})


def backtest(mase: float, cover95: float) -> pd.DataFrame:
    return pd.DataFrame([("unit", "city", 1, 84, mase, 0.8, cover95, ORIGIN, ORIGIN),
                         ("tier", "city", 1, 84, 0.5, 0.8, 0.5, ORIGIN, ORIGIN)],
                        columns=["scope", "level", "units", "days", "mase", "cover80", "cover95", "first_origin", "last_origin"])


def test_band_rows_follow_the_data():
    band = fv.band_frame(daily(), {"cases_received": forecast(), "alerts_raised": forecast(mean=3)})
    assert len(band) == 28 and set(band["series"]) == {"cases_received", "alerts_raised"}
    assert band["day"].min() == pd.Timestamp(ORIGIN + timedelta(days=1))


@pytest.mark.parametrize("frame", [
    daily(last=ORIGIN - timedelta(days=10)),  # a custom range in the past
    daily(days=150),  # drawn by week
    daily().iloc[0:0],  # no data
])
def test_no_band_where_it_would_not_continue_the_line(frame):
    assert fv.band_frame(frame, {"cases_received": forecast()}).empty


def test_no_band_without_a_forecast():
    assert fv.band_frame(daily(), {"cases_received": forecast().iloc[0:0]}).empty
    assert fv.band_caption(fv.empty_band(), {}, "zh") == ""


def test_backtest_sentence_states_the_error_against_seasonal_naive_and_the_coverage():
    assert fv.backtest_text("cases", backtest(0.77, 0.94), "zh") == "近12周回测：受理误差比季节基准低23%，95%区间覆盖94%"
    assert "higher" in fv.backtest_text("alerts", backtest(1.1, 0.9), "en")  # worse than seasonal naive: said so
    assert fv.backtest_text("cases", backtest(0.77, 0.94).iloc[0:0], "zh") is None


def test_caption_names_the_method_and_both_backtests_once():
    band = fv.band_frame(daily(), {"cases_received": forecast(method="snaive"), "alerts_raised": forecast()})
    text = fv.band_caption(band, {"cases": backtest(0.77, 0.94), "alerts": backtest(0.9, 0.95)}, "zh")
    assert "指数平滑、季节朴素" in text and text.count("近12周回测") == 1
    assert "受理误差比季节基准低23%" in text and "预警误差比季节基准低10%" in text


def test_next_seven_days_adds_up_the_days():
    assert fv.next_days(forecast()) == (70.0, 42.0, 98.0)
    assert fv.next_days_text(forecast(), daily(), "zh") == "约70（80%区间 42–98）"
    assert fv.next_days_text(forecast(), daily(last=ORIGIN - timedelta(days=10)), "zh") is None
    assert fv.next_days(forecast(days=3)) is None and fv.next_days(forecast().iloc[0:0]) is None


def test_above_band_table_reads_like_the_baseline_list():
    above = pd.DataFrame({"code": ["330681001000"], "observed_7d": [120], "expected_7d": [40.0], "upper95_7d": [70.0],
                          "factor": [3.0], "since": [date(2026, 10, 25)]})
    table = fv.above_band_frame(above, {"330681001000": "暨阳街道"}, "zh", "高于预测")
    assert list(table.frame.columns) == ["名称", "代码", "7天实际", "7天预测", "预测上限", "倍数", "自…起"]
    assert table.frame.iloc[0]["名称"] == "暨阳街道" and table.frame.iloc[0]["倍数"] == 3.0
    assert table.is_date_only("自…起")


def test_trend_panel_draws_the_band_and_tells_its_rows():
    band = fv.band_frame(daily(), {"cases_received": forecast(), "alerts_raised": forecast(mean=3)})
    tiers = pd.DataFrame({"tier": ["grid"], "cases": [5]})
    spec = json.loads(charts.spec_json(charts.build_trend_panel(daily(), tiers, "zh", 560, (), band)))
    marks = json.dumps(spec)
    assert marks.count('"strokeDash"') >= 2 and '"y2"' in marks  # a dashed mean and a band, in two charts
    text = chart_text.describe_trend_panel(daily(), tiers, "zh", 560, (), band)
    cases = text.tables[0]
    assert cases.header[-5:] == ("预测", "80%下限", "80%上限", "95%下限", "95%上限")
    assert len(cases.rows) == 30 + 14 and cases.rows[-1][1:3] == ("—", "—") and cases.rows[-1][3] == "10.0"
    assert "未来14天预测合计 140" in text.description
    plain = chart_text.describe_trend_panel(daily(), tiers, "zh", 560, ())
    assert len(plain.tables[0].rows) == 30 and "预测" not in plain.tables[0].header
