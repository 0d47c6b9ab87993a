"""The forecasts on screen (#24), through AppTest on the small demo (whose rollups, forecasts included, the demo
builder makes): the overview's trend panel continues into a band with its backtest under it, the exports carry the
forecast, the alerts page lists the units above the forecast (or says none), the big screen shows 未来7天; and
without the forecast tables every page draws as before."""

from __future__ import annotations

import base64
import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from cockpit.ui import data


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart_svgs(at: AppTest) -> list[str]:
    prefix = "data:image/svg+xml;base64,"
    urls = [img.url for element in at.get("image") for img in element.proto.imgs]
    return [base64.b64decode(u[len(prefix):]).decode("utf-8") for u in urls if u.startswith(prefix)]


def html_text(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


@pytest.mark.usefixtures("app_env")
def test_small_demo_has_fresh_forecasts(small_demo):
    with sqlite3.connect(small_demo.db_path) as conn:
        (marker,) = conn.execute("SELECT value FROM meta WHERE key = 'rollup_through'").fetchone()
        (n,) = conn.execute("SELECT count(*) FROM rollup_forecast").fetchone()
    conn.close()
    assert marker and n > 0


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_trend_continues_into_the_forecast(start, lang):
    at = ok(start(lang=lang))
    (svg,) = chart_svgs(at)
    assert "stroke-dasharray" in svg  # the forecast's dashed mean
    # the data-as-text: the forecast's columns and days after the data's
    text = html_text(at)
    assert ("95%上限" if lang == "zh" else "95% high") in text
    assert ("未来14天预测合计" if lang == "zh" else "next 14 days forecast") in text
    note = [c for c in captions(at) if ("近12周回测" if lang == "zh" else "backtest") in c]
    assert len(note) == 1, captions(at)
    # the method by name (ETS is 指数平滑 on the Chinese screen, which shows no English)
    methods = ("指数平滑", "季节朴素") if lang == "zh" else ("ETS", "seasonal naive")
    assert any(m in note[0] for m in methods)
    if lang == "zh":
        assert "误差比季节基准" in note[0] and "95%区间覆盖" in note[0]


@pytest.mark.usefixtures("app_env")
def test_overview_export_carries_the_forecast_columns(start, downloads):
    at = ok(start())
    names = [n for n in downloads if n and "forecast" in n and n.endswith(".csv")]
    assert names, list(downloads)
    body = downloads[names[0]]().decode("utf-8-sig")
    head = body.splitlines()[0]
    for column in ("预测", "80%下限", "80%上限", "95%下限", "95%上限", "方法"):
        assert column in head
    assert len(body.splitlines()) == 1 + 28  # 14 days of cases received and of alerts raised
    del at


@pytest.mark.usefixtures("app_env")
def test_community_has_a_band_and_a_grid_draws_as_before(start, units):
    community = units.first("community")
    at = ok(start(unit=community))
    assert "stroke-dasharray" in chart_svgs(at)[0]
    grid = units.children(community)[0]
    at = ok(start(unit=grid))
    assert not [c for c in captions(at) if "近12周回测" in c]


@pytest.fixture
def no_forecast(own_city):
    """The small demo without its forecast tables (rollups built by an older release)."""
    with sqlite3.connect(own_city) as conn:
        conn.execute("DROP TABLE rollup_forecast")
        conn.execute("DROP TABLE rollup_forecast_backtest")
    conn.close()
    data.clear_caches()
    return own_city


@pytest.mark.usefixtures("no_forecast")
def test_without_forecast_tables_the_overview_draws_as_before(start):
    at = ok(start())
    (svg,) = chart_svgs(at)
    assert "stroke-dasharray" not in svg
    assert not [c for c in captions(at) if "近12周回测" in c]
    assert "95%上限" not in html_text(at)
