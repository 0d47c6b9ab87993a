"""The grids page through AppTest: every tier in both languages, sorting, a row that drills, links, bad values."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("app_env")  # the small demo city, read-only

PAGE = "pages/grids.py"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
SORT_KEY = "filter-grids-sort"
HEADERS = {
    "zh": ["网格名称", "网格编码", "户数", "常住人口", "在办事件", "超期事件", "活跃预警", "获得积分",
           "办结时长中位数（小时）", "网格内解决率（%）", "网格员星级"],
    "en": ["Grid", "Grid code", "Households", "Residents", "Open cases", "Overdue cases", "Active alerts",
           "Points earned", "Median closing time (h)", "Solved in the grid (%)", "Grid worker stars"],
}


def clean(at: AppTest) -> AppTest:
    """No exception, no error box, no outage notice."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not [h for h in at.get("html") if 'class="ck-notice"' in h.proto.body]
    return at


def table(at: AppTest):
    frames = [d for d in at.dataframe if (d.key or "").startswith("grids-table-")]
    assert len(frames) == 1, [d.key for d in at.dataframe]
    return frames[0]


def shown_unit(at: AppTest) -> str:
    return at.query_params["unit"][0] if isinstance(at.query_params["unit"], list) else at.query_params["unit"]



def tiers(units) -> dict[str, str]:
    community = units.first("community")
    return {"city": units.city, "street": units.first("street"), "community": community,
            "grid": units.children(community)[1]}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("tier", ["city", "street", "community", "grid"])
def test_grids_render_at_every_tier_in_each_language(units, start, tier, lang):
    code = tiers(units)[tier]
    at = clean(start(page=PAGE, unit=code, lang=lang))
    frame = table(at).value
    headers = HEADERS[lang] if tier != "grid" else [("本网格" if lang == "zh" else "This grid"), *HEADERS[lang]]
    assert list(frame.columns) == headers
    name, code_col = headers[-11], headers[-10]
    assert len(frame) > 0 and frame[code_col].str.len().eq(15).all()
    if tier == "grid":  # its community's grids, this one marked and ranked
        assert sorted(frame[code_col]) == units.children(units.grids[code][1])
        assert frame.loc[frame[code_col] == code, headers[0]].tolist() == ["●"]
        assert any(("排第" in c.value) if lang == "zh" else ("ranks" in c.value) for c in at.caption)
    else:
        inside = [g for g in units.grids if g.startswith(_prefix(units, code))]
        assert set(frame[code_col]) <= set(inside) and len(frame) == min(50, len(inside))
        assert any(f"{len(inside)}" in c.value for c in at.caption)  # the total, not only the rows shown
    texts = [*frame.columns, *(c.value for c in at.caption), at.selectbox(key=SORT_KEY).label,
             *at.selectbox(key=SORT_KEY).options]
    if lang == "en":  # Chinese only from the data (grid names), never from the page's own words
        assert [s for s in texts if CJK.search(s)] == []
        assert frame[name].map(lambda s: bool(CJK.search(s))).all()  # so the check above can fail
    else:
        assert "排序" == at.selectbox(key=SORT_KEY).label


def _prefix(units, code: str) -> str:
    level = units.rows[code][1]
    return code[: {"city": 6, "district": 6, "street": 9, "community": 12}[level]]


def test_city_lists_the_top_fifty_by_overdue_then_code(app_env, units, start):
    """The default order is the database's: overdue cases descending, ties by grid code."""
    at = clean(start(page=PAGE, unit=units.city))
    frame = table(at).value
    overdue, codes = frame["超期事件"].tolist(), frame["网格编码"].tolist()
    assert len(units.grids) > 50 and len(frame) == 50
    assert overdue == sorted(overdue, reverse=True) and overdue[0] > 0
    assert list(zip(overdue, codes)) == sorted(zip(overdue, codes), key=lambda p: (-p[0], p[1]))
    want = _overdue_by_sql(app_env.db_path)
    assert dict(zip(codes, overdue)) == {c: want.get(c, 0) for c in codes}
    everyone = [want.get(g, 0) for g in units.grids]
    assert sorted(everyone, reverse=True)[:50] == overdue  # no grid with more was left out


def _overdue_by_sql(db_path) -> dict[str, int]:
    """Overdue open cases per grid at the data end, by plain SQL (text timestamps compare in time order)."""
    with closing(sqlite3.connect(db_path)) as con:
        (end,) = con.execute("SELECT max(received_at) FROM case_record").fetchone()
        stop = end[:10] + " 00:00:00.000000"  # the window ends at the midnight after the data end's day
        found = con.execute(
            "SELECT grid_code, count(*) FROM case_record WHERE received_at < datetime(?, '+1 day') "
            "AND (closed_at IS NULL OR closed_at >= datetime(?, '+1 day')) AND due_at < datetime(?, '+1 day') "
            "GROUP BY grid_code", (stop[:10], stop[:10], stop[:10])).fetchall()
    return dict(found)


def test_sorting_changes_the_order_and_the_url(units, start):
    at = clean(start(page=PAGE, unit=units.first("street")))
    at = clean(at.selectbox(key=SORT_KEY).set_value("residents_asc").run())
    residents = table(at).value["常住人口"].tolist()
    assert residents == sorted(residents) and residents[0] < residents[-1]
    assert at.query_params["sort"] in ("residents_asc", ["residents_asc"])
    at = clean(at.selectbox(key=SORT_KEY).set_value("worker_stars").run())
    stars = [s.count("★") for s in table(at).value["网格员星级"]]
    assert stars == sorted(stars, reverse=True) and stars[0] > stars[-1]


def test_selecting_a_row_opens_that_grid(units, start):
    street = units.first("street")
    at = clean(start(page=PAGE, unit=street))
    frame = table(at)
    picked = frame.value["网格编码"].iloc[2]
    at.session_state[frame.key] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at = clean(at.run())
    assert shown_unit(at) == picked
    rows = table(at).value
    assert rows.loc[rows["网格编码"] == picked, "本网格"].tolist() == ["●"]  # now at the grid, among its siblings


def test_deep_link_with_sort_period_and_language(units, start):
    street = units.first("street")
    at = clean(start(page=PAGE, unit=street, period="7", sort="points_earned", lang="en"))
    assert at.selectbox(key=SORT_KEY).value == "points_earned"
    assert at.sidebar.selectbox(key="period").value == 7
    points = table(at).value["Points earned"].tolist()
    assert points == sorted(points, reverse=True) and points[0] > 0
    assert shown_unit(at) == street


@pytest.mark.parametrize("value", ["bogus", "households_up", "<b>x</b>"])
def test_malformed_sort_gives_a_notice_and_the_default_order(units, start, value):
    at = clean(start(page=PAGE, unit=units.city, sort=value))
    assert len(at.warning) == 1 and "排序" in at.warning[0].value
    overdue = table(at).value["超期事件"].tolist()
    assert overdue == sorted(overdue, reverse=True)
    assert at.selectbox(key=SORT_KEY).value is None
