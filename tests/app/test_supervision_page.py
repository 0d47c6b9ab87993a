"""The cases page's 督办 view (#22) through AppTest: city, street and grid, the URL, filters, masking, exports,
and the overview's cases card giving the same count.

The rules themselves are checked on hand-made cases in tests/unit/test_supervision.py and against the SQL
in tests/integration/test_parity_supervision.py; here: the view renders without an error box, its
totals agree with the queries, it lives in the URL (?view=supervision) beside the filters, its text
is masked and in the viewer's language, and the card's count is the view's total.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from cockpit import queries
from cockpit.core.model import compute_windows
from cockpit.core.settings import SupervisionRules
from cockpit.store.engine import make_engine

pytestmark = pytest.mark.usefixtures("app_env")

PAGE = "pages/cases.py"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def clean(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    bodies = [h.proto.body for h in at.get("html")]
    assert not any('class="ck-notice"' in b for b in bodies), [b for b in bodies if 'class="ck-notice"' in b]
    return at


def param(at: AppTest, name: str) -> str | None:
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def tables(at: AppTest) -> dict[str, object]:
    """The 督办 tables by what they are: units (督办件数) and the list (督办原因)."""
    out = {}
    for d in at.dataframe:
        cols = list(d.value.columns)
        if "督办件数" in cols or "Cases" in cols:
            out["units"] = d.value
        if "督办原因" in cols or "Reasons" in cols:
            out["list"] = d.value
    return out


def expected(app_env, code: str, **f) -> tuple[int, object]:
    """The 督办 total of the unit for the default period (30 days), straight from the query."""
    engine = make_engine(app_env.db_url)
    try:
        from cockpit.domain.hierarchy import Tree, child_level
        tree = Tree.from_frame(queries.fetch_units(engine))
        unit = tree.unit(code) if len(code) == 12 else None
        if unit is None:
            from cockpit.domain.hierarchy import grid_unit
            unit = grid_unit(queries.fetch_grid(engine, code))
        w = compute_windows(queries.fetch_data_end(engine), 30)[0]
        level = None if unit.level == "grid" else child_level(tree, unit)
        _, total = queries.fetch_supervision_list(engine, unit, w, level, SupervisionRules(), **f)
        return total, unit
    finally:
        engine.dispose()


def _code(units, level: str) -> str:
    if level == "city":
        return units.city
    if level == "grid":
        return units.children(units.first("community"))[0]
    return units.first(level)


@pytest.mark.parametrize("level", ["city", "street", "grid"])
def test_the_view_at_every_tier(app_env, units, start, level):
    code = _code(units, level)
    at = clean(start(page=PAGE, unit=code, view="supervision"))
    assert param(at, "view") == "supervision" and param(at, "unit") == code
    radio = next(r for r in at.radio if r.key == "filter-cases-view")
    assert radio.value == "supervision"
    total, _unit = expected(app_env, code)
    found = tables(at)
    captions = " ".join(c.value for c in at.caption)
    assert "督办条件" in captions
    if total == 0:
        assert "没有需要督办的事件" in captions
        return
    assert int(found["units"]["督办件数"].sum()) == total
    listed = found["list"]
    assert len(listed) == min(total, 200)
    assert f"共 {total:,} 件督办事件" in captions
    assert all(listed["督办原因"].str.len() > 0)
    assert set(" 、".join(listed["督办原因"]).replace(" ", "").split("、")) <= {"超期", "多次退回重办", "不满意", "超期一倍以上"}
    assert "退回/重办次数" in listed.columns and "满意度" in listed.columns
    # The case page's KPI card and charts belong to the other view.
    assert not any("ck-cases" in h.proto.body for h in at.get("html"))


def test_switching_views_keeps_the_url_and_the_filters(units, start):
    at = clean(start(page=PAGE, unit=units.city, source="hotline"))
    assert param(at, "view") is None
    radio = next(r for r in at.radio if r.key == "filter-cases-view")
    at = clean(radio.set_value("supervision").run())
    assert param(at, "view") == "supervision" and param(at, "source") == "hotline"
    assert next(s for s in at.selectbox if s.key == "filter-cases-source").value == "hotline"
    listed = tables(at).get("list")
    if listed is not None:
        assert set(listed["状态"]) <= {"已受理", "已立案", "已派遣", "已处置", "已核查", "已结案"}
    radio = next(r for r in at.radio if r.key == "filter-cases-view")
    at = clean(radio.set_value("list").run())
    assert param(at, "view") is None and param(at, "source") == "hotline"
    assert any("ck-cases" in h.proto.body for h in at.get("html"))


def test_filters_act_on_the_view(app_env, units, start):
    at = clean(start(page=PAGE, unit=units.city, view="supervision", source="hotline"))
    total, _ = expected(app_env, units.city, source="hotline")
    listed = tables(at).get("list")
    assert (0 if listed is None else len(listed)) == min(total, 200)
    if listed is not None:
        assert listed.shape[0] > 0


def test_unknown_view_gives_a_notice(units, start):
    at = clean(start(page=PAGE, unit=units.city, view="nonsense"))
    assert at.warning
    assert param(at, "view") is None
    assert any("ck-cases" in h.proto.body for h in at.get("html"))


def test_descriptions_are_masked(units, start, own_city):
    """A phone number in a 督办 case's description shows masked, as in the case list (on a copy of the demo)."""
    import sqlite3

    from cockpit.domain.hierarchy import Tree

    engine = make_engine(f"sqlite:///{own_city}")
    unit = Tree.from_frame(queries.fetch_units(engine)).unit(units.city)
    w = compute_windows(queries.fetch_data_end(engine), 30)[0]
    listed, total = queries.fetch_supervision_list(engine, unit, w, "street", SupervisionRules())
    engine.dispose()
    assert total > 0
    first = int(listed["id"].iloc[0])
    with sqlite3.connect(own_city) as conn:
        conn.execute("UPDATE case_record SET description = ? WHERE id = ?", ("请回电 13812345678 处理", first))
        conn.commit()
    at = clean(start(page=PAGE, unit=units.city, view="supervision"))
    text = " ".join(tables(at)["list"]["描述"].astype(str))
    assert "13812345678" not in text and "138****5678" in text


def test_english_view_has_no_chinese(units, start):
    code = units.first("street")
    at = clean(start(page=PAGE, unit=code, view="supervision", lang="en"))
    view = next(r for r in at.radio if r.key == "filter-cases-view")  # the sidebar's language switch says 中文 on purpose
    parts = [c.value for c in at.caption] + [m.value for m in at.markdown] + [view.label, *map(str, view.options)]
    for d in at.dataframe:
        frame = d.value.drop(columns=["Description", "Responsible unit"], errors="ignore")
        parts += [str(c) for c in frame.columns] + [str(v) for v in frame.astype(str).to_numpy().ravel()]
    text = "\n".join(parts)
    for name in {units.name(c) for c in [code, units.city, *units.children(code)]}:
        text = text.replace(name, "")
    found = [text[max(0, m.start() - 20):m.end() + 20] for m in CJK.finditer(text)]
    assert not found, found[:10]


def test_exports_hold_what_the_view_shows(units, start, downloads):
    """The 督办 view's downloads are its two tables, as on screen (masked), recorded in the audit log like every export."""
    from tests.app.test_exports import click, read_csv, same

    at = clean(start(page=PAGE, unit=units.city, view="supervision"))
    shown = tables(at)
    names = sorted(n for n in downloads if n.endswith(".csv"))
    assert [n.rsplit("_", 2)[-2:] for n in names] == [["supervision", "list.csv"], ["supervision", "units.csv"]], names
    for n in names:
        want = shown["list" if n.endswith("_list.csv") else "units"].reset_index(drop=True)
        assert same(read_csv(click(downloads[n]), want), want), n


@pytest.mark.parametrize("level", ["city", "street", "grid"])
def test_the_overview_card_gives_the_view_total(app_env, units, start, level):
    code = _code(units, level)
    total, _ = expected(app_env, code)
    at = clean(start(page="pages/overview.py", unit=code))
    cards = next(h.proto.body for h in at.get("html") if 'class="cards"' in h.proto.body)
    link = re.search(r'<a class="ck-sv" data-sv="(\d+)" href="([^"]+)"[^>]*>.*?</a>', cards)
    assert link, cards
    assert int(link.group(1)) == total
    assert f"督办</span> <span class=\"ck-sv-v\">{total:,} 件</span>" in link.group(0)
    assert "view=supervision" in link.group(2) and f"unit={code}" in link.group(2)
    # The card's link is inside the cases card.
    cases_card = re.search(r'<div class="card theme-cases">(.*?)<div class="card theme-alerts', cards)
    assert cases_card and "ck-sv" in cases_card.group(1)


def test_selecting_a_row_shows_its_timeline(app_env, units, start):
    import sqlite3

    street = units.first("street")
    at = clean(start(page=PAGE, unit=street, view="supervision"))
    listed = tables(at)["list"]
    first_id = int(listed.iloc[0]["编号"])
    at.session_state[f"sv-cs-list-{street}-30-None-None-None"] = {"selection": {"rows": [0], "columns": []}}
    at = clean(at.run())
    titles = [m.value for m in at.markdown] + [h.proto.body for h in at.get("html")]
    assert any(f"事件 {first_id} 的办理过程" in v for v in titles), titles
    with sqlite3.connect(app_env.db_path) as conn:
        steps = conn.execute("SELECT count(*) FROM case_event WHERE case_id = ?", (first_id,)).fetchone()[0]
    assert len(at.dataframe[-1].value) == steps > 0
