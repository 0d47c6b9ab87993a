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


# ---------------------------------------------------------------- the alerts page's 高于预测 list

ALERTS_PAGE = "pages/alerts.py"


def tab(at: AppTest, label: str):
    (found,) = [x for x in at.tabs if x.label == label]
    return found


@pytest.mark.usefixtures("app_env")
def test_alerts_page_tests_the_children_against_the_forecast(start):
    at = ok(start(page=ALERTS_PAGE))
    labels = [x.label for x in at.tabs]
    assert labels.index("高于预测") == labels.index("异常网格") + 1  # beside the baseline test
    above = tab(at, "高于预测")
    texts = [c.value for c in above.caption]
    assert any("近7天预警数高于此前预测的95%上限" in c for c in texts), texts
    # the small demo's streets ran inside their bands: the tab says so (or lists them)
    assert len(above.dataframe) == 1 or "近7天没有单位高于预测的95%上限" in texts


@pytest.mark.usefixtures("app_env")
def test_alerts_trend_continues_into_the_forecast_without_a_filter(start):
    at = ok(start(page=ALERTS_PAGE))
    (svg,) = chart_svgs(at)
    assert svg.count("stroke-dasharray") > 1  # last year's line is dashed too; the forecast's mean adds one
    assert [c for c in captions(at) if "近12周回测：预警误差比季节基准" in c]
    assert "95%上限" in html_text(at)
    at = ok(start(page=ALERTS_PAGE, severity="1"))  # a filter: the forecast is of all alerts, so no band
    assert not [c for c in captions(at) if "近12周回测" in c]
    assert "95%上限" not in html_text(at)


@pytest.fixture
def street_above(own_city, units):
    """The first street's last 7 days of alerts, in the forecast made before them, far above its band."""
    street = units.first("street")
    with sqlite3.connect(own_city) as conn:
        (latest,) = conn.execute("SELECT max(made_on) FROM rollup_forecast WHERE series = 'alerts'").fetchone()
        conn.execute("UPDATE rollup_forecast SET actual = actual + 100 WHERE series = 'alerts' AND unit_code = ? "
                     "AND made_on = date(?, '-7 days') AND horizon <= 7", (street, latest))
    conn.close()
    data.clear_caches()
    return street


def test_alerts_page_lists_a_street_above_its_forecast(street_above, units, start, downloads):
    at = ok(start(page=ALERTS_PAGE))
    (frame,) = [d.value for d in tab(at, "高于预测").dataframe]
    assert list(frame.columns) == ["名称", "代码", "7天实际", "7天预测", "预测上限", "倍数", "自…起"]
    row = frame.iloc[0]
    assert row["代码"] == street_above and row["名称"] == units.name(street_above)
    assert row["7天实际"] > row["预测上限"] and row["倍数"] > 1
    assert str(row["自…起"])[:4] == "2026"
    # in the page's exports, as the baseline test's list is
    (name,) = [n for n in downloads if n and "above_forecast" in n and n.endswith(".csv")]
    body = downloads[name]().decode("utf-8-sig")
    assert street_above in body and "预测上限" in body.splitlines()[0]


@pytest.mark.usefixtures("no_forecast")
def test_without_forecast_tables_the_alerts_page_says_so(start):
    at = ok(start(page=ALERTS_PAGE))
    assert [c.value for c in tab(at, "高于预测").caption] == ["暂无预测（需先刷新汇总表）"]


# ---------------------------------------------------------------- the big screen's 未来7天

SCREEN = "pages/bigscreen.py"


def panel(at: AppTest, theme: str) -> str:
    (found,) = [h.proto.body for h in at.get("html") if f'data-theme="{theme}"' in h.proto.body]
    return found


@pytest.mark.usefixtures("app_env")
def test_big_screen_shows_the_next_seven_days(start, units):
    at = ok(start(page=SCREEN, unit=units.city))
    for theme in ("cases", "alerts"):
        body = panel(at, theme)
        assert '<div class="bs-next">' in body and "未来7天" in body and "80%区间" in body
    assert "未来7天" not in panel(at, "points") + panel(at, "population")
    at = ok(start(page=SCREEN, unit=units.city, lang="en"))
    assert "Next 7 days" in panel(at, "cases")


@pytest.mark.usefixtures("no_forecast")
def test_without_forecast_tables_the_big_screen_draws_as_before(start, units):
    at = ok(start(page=SCREEN, unit=units.city))
    assert all("未来7天" not in panel(at, theme) for theme in ("cases", "alerts"))
