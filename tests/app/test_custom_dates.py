"""A custom date range (#23, Dates) through AppTest: deep links on every page, the header, the figures, bad links,
drilling, the sidebar's 自定义…, the exports and the big screen."""

from __future__ import annotations

import io
import os
import re
import threading
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import create_engine

from cockpit import queries
from cockpit.core import dayrange
from cockpit.store import audit

PAGES = ("pages/overview.py", "pages/cases.py", "pages/alerts.py", "pages/participation.py", "pages/grids.py")
HREF = re.compile(r'href="[^"]*"')


@pytest.fixture(scope="module")
def data_days(small_demo) -> tuple[date, date]:
    engine = create_engine(small_demo.db_url)
    try:
        return queries.fetch_data_start(engine).date(), queries.fetch_data_end(engine).date()
    finally:
        engine.dispose()


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def bodies(at) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def one(at, marker: str) -> str:
    found = [b for b in bodies(at) if marker in b]
    assert len(found) == 1, f"{marker}: {len(found)} found"
    return found[0]


def header(at) -> str:
    return one(at, 'class="ck-title"')


def cards(at) -> str:
    """The overview's KPI cards without links (the 督办 link names the period as the URL does)."""
    return HREF.sub("", one(at, 'class="cards"'))


def week(last: date) -> tuple[date, date]:
    """A week that ends ten days before the data does: no standard period."""
    return last - timedelta(days=16), last - timedelta(days=10)


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize("page", PAGES)
def test_a_deep_link_with_start_and_end_opens_every_page_on_that_range(start, units, data_days, page):
    first, last = week(data_days[1])
    street = units.first("street")
    at = ok(start(page=page, unit=street, start=first.isoformat(), end=last.isoformat()))
    assert not at.warning, [w.value for w in at.warning]
    assert f"统计周期 {dayrange.range_text(first, last, 'zh')} · 7天" in header(at)
    assert at.query_params["start"] == first.isoformat() and at.query_params["end"] == last.isoformat()
    assert "period" not in at.query_params and at.query_params["unit"] == street
    assert at.sidebar.selectbox(key="period").value == "custom"
    assert at.sidebar.date_input(key="range_start").value == first
    assert at.sidebar.date_input(key="range_end").value == last


@pytest.mark.usefixtures("app_env")
def test_the_last_30_days_as_a_range_show_the_figures_of_the_30_day_period(start, units, data_days):
    r = dayrange.last_days(data_days[1], 30)
    custom = ok(start(unit=units.city, start=r.first.isoformat(), end=r.last.isoformat()))
    standard = ok(start(unit=units.city, period="30"))
    assert cards(custom) == cards(standard)  # every figure, 环比 and 同比 included
    # A range that is not the period shows other figures: the comparison above can fail.
    first, last = week(data_days[1])
    other = ok(start(unit=units.city, start=first.isoformat(), end=last.isoformat()))
    assert cards(other) != cards(standard)


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(("asked", "why"), [
    ({"start": "2026-10-07", "end": "2026-10-01"}, "结束日期早于开始日期"),
    ({"start": "1999-01-01", "end": "1999-01-07"}, "超出了数据范围"),
    ({"start": "2026-13-01", "end": "2026-10-07"}, "日期格式不正确"),
    ({"start": "2026-10-01"}, "开始日期和结束日期须同时给出"),
])
def test_a_bad_range_gives_a_notice_and_the_default_period(start, units, asked, why):
    at = ok(start(unit=units.city, **asked))
    [notice] = [w.value for w in at.warning]
    assert why in notice and "已改为显示近30天" in notice
    assert at.sidebar.selectbox(key="period").value == 30
    assert at.query_params["period"] == "30" and "start" not in at.query_params and "end" not in at.query_params
    assert "统计周期" in header(at) and "· 30天" not in header(at)


@pytest.mark.usefixtures("app_env")
def test_a_bad_range_falls_back_to_the_links_own_period(start, units):
    at = ok(start(unit=units.city, period="90", start="2026-10-07", end="2026-10-01"))
    assert "已改为显示近90天" in at.warning[0].value and at.query_params["period"] == "90"


@pytest.mark.usefixtures("app_env")
def test_the_english_notice_has_no_chinese(start, units):
    at = ok(start(unit=units.city, lang="en", start="2026-10-07", end="2026-10-01"))
    [notice] = [w.value for w in at.warning]
    assert "the end date is before the start date" in notice and not re.search(r"[\u3400-\u9fff]", notice)


@pytest.mark.usefixtures("app_env")
def test_drilling_changing_page_and_language_keep_the_range(start, units, data_days):
    first, last = week(data_days[1])
    at = ok(start(unit=units.city, start=first.isoformat(), end=last.isoformat()))
    district = units.children(units.city)[0]
    at = ok(at.selectbox(key=f"drill-{units.city}-zh").select(units.name(district)).run())
    assert at.query_params["unit"] == district
    assert at.query_params["start"] == first.isoformat() and at.query_params["end"] == last.isoformat()
    assert dayrange.range_text(first, last, "zh") in header(at)
    at = ok(at.sidebar.radio(key="lang").set_value("en").run())
    assert at.query_params["start"] == first.isoformat() and at.query_params["lang"] == "en"
    assert dayrange.period_text(first, last, "en") in header(at)
    at.switch_page("pages/cases.py")
    at = ok(at.run())
    assert dayrange.period_text(first, last, "en") in header(at) and at.query_params["start"] == first.isoformat()


@pytest.mark.usefixtures("app_env")
def test_picking_custom_in_the_sidebar_shows_two_dates_and_the_url_follows(start, units, data_days):
    at = ok(start(unit=units.city, period="7"))
    assert not at.sidebar.date_input  # only while custom
    at = ok(at.sidebar.selectbox(key="period").select("custom").run())
    # It starts from the period shown before: the last 7 days of the data.
    assert at.sidebar.date_input(key="range_start").value == data_days[1] - timedelta(days=6)
    assert at.sidebar.date_input(key="range_end").value == data_days[1]
    assert [d.label for d in at.sidebar.date_input] == ["开始日期", "结束日期"]
    first, last = week(data_days[1])
    at.sidebar.date_input(key="range_start").set_value(first)
    at = ok(at.sidebar.date_input(key="range_end").set_value(last).run())
    assert at.query_params["start"] == first.isoformat() and at.query_params["end"] == last.isoformat()
    assert "period" not in at.query_params and "· 7天" in header(at)
    # End before start in the inputs: the notice, the default figures, the inputs kept to be corrected.
    at = ok(at.sidebar.date_input(key="range_end").set_value(first - timedelta(days=1)).run())
    assert "结束日期早于开始日期" in at.warning[0].value
    assert at.query_params["period"] == "7" and at.sidebar.selectbox(key="period").value == "custom"
    # Back to a standard period: period= again, no start/end.
    at = ok(at.sidebar.selectbox(key="period").select(30).run())
    assert at.query_params["period"] == "30" and "start" not in at.query_params


@pytest.mark.usefixtures("app_env")
def test_the_workbook_and_file_names_say_the_range(start, units, data_days, downloads):
    first, last = week(data_days[1])
    at = ok(start(unit=units.city, start=first.isoformat(), end=last.isoformat()))
    assert at.sidebar.button  # the export section ran
    names = [n for n in downloads if n]
    assert names and all(f"_{first.isoformat()}_{last.isoformat()}_" in n for n in names), names
    [book] = [n for n in names if n.endswith("_workbook.xlsx")]
    out: list[bytes] = []
    worker = threading.Thread(target=lambda: out.append(downloads[book]()))
    worker.start()
    worker.join(120)
    about = openpyxl.load_workbook(io.BytesIO(out[0])).worksheets[0]
    rows = {r[0]: r[1] for r in about.iter_rows(values_only=True)}
    assert rows["统计周期"] == f"{first.year}年{first.month}月{first.day}日 至 {last.year}年{last.month}月{last.day}日（7 天）"
    # The audit log records the export with the range's 7 days and the range itself.
    events = [dict(zip(audit.COLUMNS, e)) for e in audit.read_events(os.environ["COCKPIT_AUDIT_URL"])]
    [export] = [e for e in events if e["event"] == "export" and e["page"] == "overview"][-1:]
    assert export["period_days"] == 7 and f"{first.isoformat()}_{last.isoformat()}" in export["detail"], export


@pytest.mark.usefixtures("app_env")
def test_the_big_screen_shows_the_range(start, units, data_days):
    first, last = week(data_days[1])
    at = ok(start(page="pages/bigscreen.py", unit=units.city, start=first.isoformat(), end=last.isoformat()))
    assert not at.warning, [w.value for w in at.warning]
    head = one(at, 'class="bs-head"')
    assert dayrange.period_text(first, last, "zh") in head and "近30天" not in head
