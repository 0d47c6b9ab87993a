"""The rankings page (考核排名, #21) through AppTest on the small demo city: every tier it has (city, street,
community, grid), both languages, groups together, both shipped schemes, a broken scheme file, bad links,
a street user kept out of a sibling's ranking, and the workbook with its 方法 sheet.

(The small demo has no district: the city's children are its streets; a district ranks its children
through the same code.)
"""

from __future__ import annotations

import io
import os
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from cockpit.store import audit
from cockpit.store.users import User, Users, hash_password, write_users
from cockpit.ui import data, ranking
from cockpit.views import ranking as views

pytestmark = pytest.mark.usefixtures("app_env")  # the small demo city, read-only

PAGE = "pages/ranking.py"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
PASSWORD = "correct horse 42"


def clean(at: AppTest) -> AppTest:
    """No exception, no error box, no outage notice."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not [h for h in at.get("html") if 'class="ck-notice"' in h.proto.body]
    assert not [c for c in at.caption if c.value in ("此部分出现问题，已记录在服务器日志中；其余内容正常显示。",
                                                    "This part ran into a problem, recorded in the server log; the rest of the page is shown.")]
    return at


def tables(at: AppTest) -> list:
    return [d for d in at.dataframe if (d.key or "").startswith("rk-table-")]


def picked(at: AppTest, name: str) -> str:
    return at.selectbox(key=f"ranking-{name}").value


def own_words(at: AppTest) -> list[str]:
    """The page's own words: labels, options (but the history's unit names), captions, notices, headers, tabs."""
    words = [s.label for s in at.selectbox]
    words += [o for s in at.selectbox if not (s.key or "").startswith(("rk-history-", "drill-")) for o in s.options]
    words += [c.value for c in at.caption]
    words += [x.value for x in (*at.info, *at.warning)]
    words += [str(c) for d in tables(at) for c in d.value.columns]
    words += [t.label for t in at.tabs]
    return words


def tiers(units) -> dict[str, str]:
    community = units.first("community")
    return {"city": units.city, "street": units.first("street"), "community": community,
            "grid": units.children(community)[0]}


@pytest.mark.parametrize(("tier", "lang"), [("city", "zh"), ("street", "zh"), ("community", "en"), ("city", "en")])
def test_the_page_ranks_the_children_at_every_tier(units, start, tier, lang):
    code = tiers(units)[tier]
    at = clean(start(page=PAGE, unit=code, lang=lang))
    found = tables(at)
    assert found, "a table per peer group"
    listed = {c for d in found for c in d.value[("代码" if lang == "zh" else "Code")]}
    assert listed == set(units.children(code))  # every child, ranked or shown as 样本不足
    frame = found[0].value
    rank, name = ("排名", "单位") if lang == "zh" else ("Rank", "Unit")
    assert list(frame.columns[:4]) == ([rank, "Δ名次", name, "代码"] if lang == "zh" else [rank, "Δ rank", name, "Code"])
    assert at.query_params["month"] == "2026-10"  # the newest complete month of the demo
    assert len(at.get("image")) >= 2, "the funnel plot and the history are drawn"
    if lang == "en":
        leaked = [w for w in own_words(at) if CJK.search(w)]
        assert leaked == [], leaked
    else:
        assert "考核排名" in [h.proto.body for h in at.get("html") if "<h2" in h.proto.body][0]
        assert any("经验贝叶斯收缩" in c.value and "补 25 件本组平均" in c.value for c in at.caption)
        assert any("非任何城市的正式考核办法" in c.value for c in at.caption)


def test_small_samples_are_shown_not_ranked_at_a_grid_tier(units, start):
    community = units.first("community")
    at = clean(start(page=PAGE, unit=community))
    assert picked(at, "tier") == "grid"
    frame = tables(at)[0].value
    assert set(frame["代码"]) <= set(units.children(community))
    assert (frame["排名"] == "样本不足").any()  # a grid has fewer than 25 cases a month


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_at_a_grid_there_is_nothing_below_and_the_parent_is_offered(units, start, lang):
    grid = tiers(units)["grid"]
    at = clean(start(page=PAGE, unit=grid, lang=lang))
    assert not tables(at)
    assert any(("下面没有可排名的单元" if lang == "zh" else "nothing below it to rank") in i.value for i in at.info)
    [button] = [b for b in at.button if (b.key or "").startswith("rk-parent-")]
    at = clean(button.click().run())
    assert at.query_params["unit"] == units.grids[grid][1]
    assert tables(at)


def test_all_together_and_the_other_scheme_and_a_deeper_tier(units, start):
    at = clean(start(page=PAGE, unit=units.city, group="all", scheme="szcg", tier="community"))
    assert (picked(at, "group"), picked(at, "scheme"), picked(at, "tier")) == ("all", "szcg", "community")
    [table] = tables(at)  # one group
    communities = [c for c, (_, level, _) in units.rows.items() if level == "community"]
    assert set(table.value["代码"]) == set(communities)
    assert "按期办结率" in table.value.columns and "重办率（越低越好）" in table.value.columns
    assert any("按威尔逊区间保守一侧排名" in c.value for c in at.caption)
    ranks = [r for r in table.value["排名"] if r != "样本不足"]
    assert ranks and ranks[0] == "1"
    at.selectbox(key="ranking-scheme").select("sanlv").run()
    clean(at)
    assert at.query_params["scheme"] == "sanlv" and "满意率" in tables(at)[0].value.columns


def test_bad_values_in_the_link_get_a_notice_and_the_default(units, start):
    at = clean(start(page=PAGE, unit=units.city, month="1999-01", scheme="official", group="nope", tier="grid"))
    warned = " ".join(w.value for w in at.warning)
    for bad in ("1999-01", "official", "nope", "grid"):
        assert bad in warned
    assert (picked(at, "month"), picked(at, "scheme"), picked(at, "group"), picked(at, "tier")) == \
        ("2026-10", "sanlv", "kind", "street")
    assert tables(at)


BROKEN = """name = "本地方案"
min_cases = 25

[[indicator]]
id = "closure_rate"
weight = "fifty"
"""
GOOD = """name = "本地方案"
name_en = "Local scheme"
min_cases = 10

[[indicator]]
id = "closure_rate"
weight = 50
"""


def test_a_broken_scheme_file_is_named_with_line_and_field_and_the_last_good_kept(units, start, clean_env, tmp_path):
    folder = tmp_path / "schemes"
    folder.mkdir()
    clean_env.setenv("COCKPIT_SCHEMES_DIR", str(folder))
    (folder / "bad.toml").write_text(BROKEN, encoding="utf-8")
    at = clean(start(page=PAGE, unit=units.city))
    warned = " ".join(w.value for w in at.warning)
    assert "bad.toml:6" in warned and "indicator[1].weight" in warned, warned
    assert tables(at), "the page still ranks with the other schemes"
    assert "bad" not in at.selectbox(key="ranking-scheme").options

    (folder / "local.toml").write_text(GOOD, encoding="utf-8")
    at = clean(start(page=PAGE, unit=units.city, scheme="local"))
    assert picked(at, "scheme") == "local" and tables(at)
    (folder / "local.toml").write_text(GOOD.replace("weight = 50", "weight = -1"), encoding="utf-8")
    at = clean(start(page=PAGE, unit=units.city, scheme="local", lang="en"))
    warned = " ".join(w.value for w in at.warning)
    assert "local.toml:7" in warned and "last good version" in warned, warned
    assert picked(at, "scheme") == "local" and tables(at)  # the last good version ranks on


def test_a_street_user_cannot_open_a_siblings_ranking(units, start):
    street = units.first("street")
    sibling = next(c for c, (_, level, _) in units.rows.items() if level == "street" and c != street)
    users = Users()
    users.users["zhang"] = User("zhang", "street", street, hash_password(PASSWORD))
    write_users(Path(os.environ["COCKPIT_USERS_FILE"]), users)
    at = start(page=PAGE, unit=sibling)
    at.text_input(key="signin-name").input("zhang")
    at.text_input(key="signin-password").input(PASSWORD)
    at = at.button[0].click().run()
    assert not at.exception
    assert at.query_params["unit"] == street
    assert any("无权查看" in w.value for w in at.warning)
    for table in tables(at):
        assert all(c.startswith(street[:9]) for c in table.value["代码"])


def test_the_workbook_holds_the_ranking_the_lists_and_the_method(units, start, downloads):
    clean(start(page=PAGE, unit=units.city))
    [book] = [n for n in downloads if n.endswith("_workbook.xlsx")]
    wb = openpyxl.load_workbook(io.BytesIO(downloads[book]()))
    names = wb.sheetnames
    assert names[0] == "说明" and "方法" in names and "红榜黑榜" in names
    ranking = wb[next(n for n in names if n.endswith("排名"))]
    header = [c.value for c in ranking[1]]
    received = [row[header.index("诉求量")] for row in ranking.iter_rows(min_row=2, values_only=True)]
    assert received and all(isinstance(v, int) for v in received)  # counts are integers
    method = {row[0]: row[1] for row in wb["方法"].iter_rows(min_row=2, values_only=True)}
    assert "r~ = (x + m × r0) / (n + m)，m = 25" in method["比率的计分值"]
    assert "r0 ± z × √(r0(1 − r0) / n)" in method["漏斗图"]
    assert any(k.startswith("本组比率 r0：街道 · 办结率") for k in method)
    assert "A ≥ 90" in method["等级"] and "25" in method["最少样本"]
    assert "应办结事件" in method["指标：办结率"] or "应办结" in method["指标：办结率"]
    [export] = [e for e in audit.read_events(os.environ["COCKPIT_AUDIT_URL"]) if e[2] == "export"]
    assert export[4] == "ranking" and export[5] == units.city  # audited like every page's
    about = {row[0]: row[1] for row in wb["说明"].iter_rows(values_only=True)}
    assert "月份：2026年10月" in about["筛选"] and "考核方案：三率 示例" in about["筛选"]


def test_months_offered_newest_complete_by_default_and_a_partial_month_labelled(monkeypatch):
    monkeypatch.setattr(data, "cached_data_start", lambda _url: datetime(2026, 8, 20, 9, 0))
    monkeypatch.setattr(data, "cached_data_end", lambda _url: datetime(2026, 11, 8, 17, 30))
    found = ranking.month_choices("sqlite://")
    assert found.options == [date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1), date(2026, 8, 1)]
    assert found.default == date(2026, 10, 1) and (found.partial, found.to_day) == (date(2026, 11, 1), 8)
    assert views.month_label(found.partial, "zh", found.to_day) == "2026年11月（截至8日）"
    assert views.month_label(found.partial, "en", found.to_day) == "Nov 2026 (to 8 Nov)"
    monkeypatch.setattr(data, "cached_data_end", lambda _url: datetime(2026, 10, 31, 23, 0))
    found = ranking.month_choices("sqlite://")
    assert found.default == date(2026, 10, 1) and found.partial is None
    assert ranking.months_back(date(2026, 2, 1), 3) == (date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1))


def test_a_plain_viewer_gets_a_short_notice_of_a_broken_scheme_file(units, start, clean_env, tmp_path):
    folder = tmp_path / "schemes"
    folder.mkdir()
    (folder / "bad.toml").write_text(BROKEN, encoding="utf-8")
    clean_env.setenv("COCKPIT_SCHEMES_DIR", str(folder))
    street = units.first("street")
    users = Users()
    users.users["wang"] = User("wang", "viewer", street, hash_password(PASSWORD))
    write_users(Path(os.environ["COCKPIT_USERS_FILE"]), users)
    at = start(page=PAGE, unit=street)
    at.text_input(key="signin-name").input("wang")
    at.text_input(key="signin-password").input(PASSWORD)
    at = clean(at.button[0].click().run())
    warned = " ".join(w.value for w in at.warning)
    assert "请联系管理员" in warned and "bad.toml" not in warned
    assert tables(at)
