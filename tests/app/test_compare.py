"""The compare page (对比分析, #23) through AppTest on the small demo city: units of every tier side by side
(a grid among them), unknown codes and more than six in the link, a street user refused a sibling, one unit in
two periods, the balance line, English, and the exports (audited).
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from cockpit.store import audit
from cockpit.store.users import User, Users, hash_password, write_users

pytestmark = pytest.mark.usefixtures("app_env")  # the small demo city, read-only

PAGE = "pages/compare.py"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
PASSWORD = "correct horse 42"
PROBLEM = ("此部分出现问题，已记录在服务器日志中；其余内容正常显示。",
           "This part ran into a problem, recorded in the server log; the rest of the page is shown.")


def clean(at: AppTest, warnings: bool = False) -> AppTest:
    """No exception, no error box, no outage notice, no failed part (and, unless allowed, no warning)."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not [h for h in at.get("html") if 'class="ck-notice"' in h.proto.body]
    assert not [c for c in at.caption if c.value in PROBLEM], "a part of the page failed (see the log)"
    if not warnings:
        assert not at.warning, [w.value for w in at.warning]
    return at


def table(at: AppTest):
    """The figures side by side: the dataframe whose first column is 指标 (Figure)."""
    found = [d for d in at.dataframe if len(d.value.columns) and d.value.columns[0] in ("指标", "Figure")]
    return found[0] if found else None


def picks(units) -> list[str]:
    """A city, a street of it, a community of another street and a grid: four tiers."""
    street = units.first("street")
    other = [c for c, (_, level, _) in units.rows.items() if level == "street" and c != street]
    community = next(c for c in sorted(units.children(other[0])) if units.rows.get(c, ("", ""))[1] == "community")
    grid = units.children(units.first("community"))[0]
    return [units.city, street, community, grid]


def test_units_of_four_tiers_side_by_side(units, start, caplog):
    caplog.set_level(logging.ERROR)
    codes = picks(units)
    at = clean(start(page=PAGE, units=",".join(codes)))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    found = table(at)
    assert found is not None
    frame = found.value
    names = [units.name(c) for c in codes]
    assert [c for c in frame.columns if c in names] == names  # a column per unit, in the order picked
    figures = list(frame["指标"])
    assert figures[:4] == ["户籍人口", "流动人口", "在办事件", "在办事件（每万人）"]
    assert "办结率（%）" in figures and "每千人参与" in figures
    population = frame.iloc[0]
    assert population["最好"] == "" and population["最差"] == ""  # population: neither
    per_10k = frame[frame["指标"] == "超期事件（每万人）"].iloc[0]
    shown = {n: per_10k[n] for n in names if per_10k[n] == per_10k[n]}
    if len(set(shown.values())) > 1:  # more overdue is worse: the lowest is best
        assert per_10k["最好"].split("、")[0] in [n for n, v in shown.items() if v == min(shown.values())]
        assert per_10k["最差"].split("、")[0] in [n for n, v in shown.items() if v == max(shown.values())]
    assert at.query_params["units"] == ",".join(codes)
    assert len(at.get("image")) >= 1, "the trends are drawn"
    [deck] = at.get("deck_gl_json_chart")
    assert deck.proto.json.count('"Feature"') == 4, "each unit's own shape, the grid's too"
    remove = [b for b in at.button if (b.key or "").startswith("cmp-remove-")]
    assert len(remove) == 4
    at = clean(remove[0].click().run())
    assert at.query_params["units"] == ",".join(codes[1:])


def test_unknown_codes_are_named_and_the_rest_kept(units, start):
    codes = picks(units)[:3]
    at = clean(start(page=PAGE, units=",".join([codes[0], "330681999999", "abc", *codes[1:]])), warnings=True)
    warned = " ".join(w.value for w in at.warning)
    assert "330681999999" in warned and "abc" in warned
    assert at.query_params["units"] == ",".join(codes)
    assert table(at) is not None


def test_more_than_six_keeps_the_first_six(units, start):
    codes = [units.city, *sorted(c for c, (_, lvl, _) in units.rows.items() if lvl == "street"), *sorted(units.grids)][:8]
    assert len(codes) == 8
    at = clean(start(page=PAGE, units=",".join(codes)), warnings=True)
    assert any("最多对比 6 个单位" in w.value for w in at.warning)
    assert at.query_params["units"] == ",".join(codes[:6])
    frame = table(at).value
    assert len([c for c in frame.columns if c not in ("指标", "最好", "最差")]) == 6


@pytest.mark.parametrize("given", ["", "one"])
def test_one_or_none_gets_a_hint_to_pick(units, start, given):
    query = {"units": units.city} if given else {}
    at = clean(start(page=PAGE, **query))
    assert table(at) is None
    hint = " ".join(i.value for i in at.info)
    assert ("再加入至少 1 个单位" if given else "请在上方查找并加入") in hint
    assert "区域均衡" in " ".join(h.proto.body for h in at.get("html"))  # the balance stands without a pick


def test_pick_with_the_search_and_add(units, start):
    at = clean(start(page=PAGE))
    at.button(key="cmp-add-children").click().run()
    kids = units.children(units.city)[:6]
    assert at.query_params["units"] == ",".join(kids)
    at = clean(at)
    grid = units.children(units.first("community"))[0]
    at.text_input(key="cmp_search_text").input(grid).run()
    [pick] = [s for s in at.selectbox if s.key == "cmp_search_pick"]
    if len(kids) < 6:
        pick.select(grid).run()
        at.button(key="cmp_search_add").click().run()
        assert at.query_params["units"].split(",")[-1] == grid
    clean(at)


def test_a_street_user_is_refused_a_sibling(units, start):
    street = units.first("street")
    sibling = next(c for c, (_, level, _) in units.rows.items() if level == "street" and c != street)
    grid = units.children(units.first("community"))[0]
    users = Users()
    users.users["zhang"] = User("zhang", "street", street, hash_password(PASSWORD))
    write_users(Path(os.environ["COCKPIT_USERS_FILE"]), users)
    at = start(page=PAGE, units=f"{street},{sibling},{grid}")
    at.text_input(key="signin-name").input("zhang")
    at.text_input(key="signin-password").input(PASSWORD)
    at = at.button[0].click().run()
    assert not at.exception and not at.error
    assert any("无权查看" in w.value and sibling in w.value for w in at.warning)
    assert sibling not in (at.query_params.get("units") or "")
    frame = table(at).value
    assert units.name(sibling) not in frame.columns


@pytest.mark.parametrize("against", ["previous", "last_year"])
def test_one_unit_in_two_periods(units, start, against):
    street = units.first("street")
    at = clean(start(page=PAGE, mode="periods", unit=street, against=against))
    frame = table(at).value
    columns = [c for c in frame.columns if c not in ("指标", "最好", "最差", "变化")]
    assert len(columns) == 2 and columns[0].startswith("本期")
    assert columns[1].startswith("上一周期" if against == "previous" else "去年同期")
    assert "变化" in frame.columns
    assert at.query_params["mode"] == "periods" and at.query_params["against"] == against


def test_english_and_the_balance_line(units, start):
    codes = picks(units)[:3]
    at = clean(start(page=PAGE, units=",".join(codes), lang="en", balance="density"))
    frame = table(at).value
    assert "Figure" in frame.columns and "Best" in frame.columns
    own = [r for r in frame["Figure"] if CJK.search(r)]
    assert own == [], own
    words = [c.value for c in at.caption] + [i.value for i in at.info] + [r.label for r in at.radio if r.key != "lang"]
    leaked = [w for w in words if CJK.search(w)]
    assert leaked == [], leaked
    line = " ".join(h.proto.body for h in at.get("html") if "ck-balance" in h.proto.body)
    assert "coefficient of variation" in line and "Density" in line


def test_the_exports_are_offered_and_audited(units, start, downloads):
    codes = picks(units)[:3]
    clean(start(page=PAGE, units=",".join(codes)))
    names = sorted(downloads)
    assert any(n.endswith("_comparison.csv") for n in names), names
    assert any(n.endswith("_balance.csv") for n in names), names
    assert any(n.endswith("_trends.png") for n in names), names
    [book] = [n for n in names if n.endswith("_workbook.xlsx")]
    wb = openpyxl.load_workbook(io.BytesIO(downloads[book]()))
    sheets = wb.sheetnames
    assert sheets[0] == "说明" and len(sheets) == 3, sheets
    compared = wb[sheets[1]]
    header = [c.value for c in compared[1]]
    assert header[0] == "指标" and units.name(codes[0]) in header
    first = next(compared.iter_rows(min_row=2, values_only=True))
    assert isinstance(first[1], (int, float))  # typed numbers, not text
    about = {row[0]: row[1] for row in wb["说明"].iter_rows(values_only=True)}
    assert units.name(codes[1]) in about["筛选"]
    [export] = [e for e in audit.read_events(os.environ["COCKPIT_AUDIT_URL"]) if e[2] == "export"]
    assert export[4] == "compare"


def test_a_unit_without_a_shape_is_named_in_words(units, start, clean_env, small_demo, tmp_path):
    geo = tmp_path / "geo"
    shutil.copytree(small_demo.geo_dir, geo)
    community = units.first("community")
    grid = units.children(community)[0]
    (geo / "grids" / f"{community}.geojson").unlink()
    clean_env.setenv("COCKPIT_GEO_DIR", str(geo))
    at = clean(start(page=PAGE, units=f"{units.city},{grid}"))
    [deck] = at.get("deck_gl_json_chart")
    assert deck.proto.json.count('"Feature"') == 1  # the city's outline only
    said = " ".join(c.value for c in at.caption)
    assert f"以下单位没有边界，地图上未画出：{units.name(grid)}" in said
    assert str(geo) not in said and "geojson" not in said  # never a server path


def test_at_a_grid_the_balance_says_there_is_nothing_below(units, start):
    grid = units.children(units.first("community"))[0]
    at = clean(start(page=PAGE, mode="periods", unit=grid))
    assert table(at) is not None
    assert any("没有下级单位" in i.value for i in at.info)


def test_a_period_the_data_does_not_cover_is_said(units, start):
    at = clean(start(page=PAGE, mode="periods", unit=units.city, against="last_year", period="365"))
    frame = table(at).value
    before = [c for c in frame.columns if c.startswith("去年同期")][0]
    assert frame[before].isna().all()
    assert any("数据没有覆盖" in c.value for c in at.caption)


def test_the_balance_of_cases_received_per_10k(units, start):
    at = clean(start(page=PAGE, unit=units.city, balance="received"))
    line = " ".join(h.proto.body for h in at.get("html") if "ck-balance" in h.proto.body)
    assert "每万人诉求量" in line and "变异系数" in line
    [found] = [d.value for d in at.dataframe if "代码" in d.value.columns and "本期" in d.value.columns]
    rows = found[found["代码"] != ""]
    assert set(rows["代码"]) == set(units.children(units.city))
    assert (rows["本期"] > 0).all()  # every street received cases in 30 days of the demo


def test_a_custom_range_is_compared(units, start):
    codes = picks(units)[:2]
    at = clean(start(page=PAGE, units=",".join(codes), start="2026-10-01", end="2026-10-07"), warnings=False)
    assert table(at) is not None
    assert at.query_params.get("start") == "2026-10-01" and at.query_params.get("end") == "2026-10-07"
