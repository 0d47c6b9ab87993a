"""The big screen (大屏) through AppTest: drawn at every tier, in both languages, and through an outage.

AppTest runs the whole script each time (the fragment's timed runs are the browser test's
business, tests/browser/test_bigscreen_browser.py); clearing Streamlit's caches stands in for
their TTL running out, as in test_outage.py.
"""

from __future__ import annotations

import re

import pytest

from cockpit.ui import data

PAGE = "pages/bigscreen.py"
CJK = re.compile(r"[\u3400-\u9fff]")
TAG = re.compile(r"<[^>]+>")


def bodies(at) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def one(at, marker: str) -> str:
    found = [b for b in bodies(at) if marker in b]
    assert len(found) == 1, f"{marker}: {len(found)} found"
    return found[0]


def panels(at) -> dict[str, str]:
    return {theme: one(at, f'data-theme="{theme}"') for theme in ("population", "cases", "alerts", "points")}


def assert_clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]


@pytest.mark.usefixtures("app_env")
def test_the_city_screen_has_title_clock_stamp_map_and_four_panels(start, units):
    at = start(page=PAGE, unit=units.city)
    assert_clean(at)
    head = one(at, 'class="bs-head"')
    assert f">{units.name(units.city)}<" in head  # the unit's name is the title
    assert "数据截至" in head and "演示数据" in head and "近30天" in head
    assert "数据暂停更新" not in head
    clock = one(at, 'class="bs-clock"')
    assert re.search(r">\d\d:\d\d:\d\d<", clock) and "星期" in clock
    for theme, body in panels(at).items():
        text = TAG.sub(" ", body)
        assert re.search(r"\d", text), f"{theme}: no figure"
        assert "环比" in text and "同比" in text
        if theme != "population":
            assert "data:image/svg+xml;base64," in body, f"{theme}: no trend"
    [deck] = at.get("deck_gl_json_chart")
    spec = deck.proto.json
    assert '"extruded":true' in spec and '"pitch":50' in spec  # 2.5D
    assert at.query_params["unit"] == units.city  # the kiosk's URL is left as it was given
    assert not [b for b in bodies(at) if 'class="ck-notice"' in b]


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize("level", ["street", "community"])
def test_every_tier_down_to_a_grid_draws_without_a_warning(start, units, level):
    code = units.first(level)
    at = start(page=PAGE, unit=code)
    assert_clean(at)
    assert f">{units.name(code)}<" in one(at, 'class="bs-head"')
    grid = units.children(units.first("community"))[0]
    at = start(page=PAGE, unit=grid)
    assert_clean(at)
    assert f">{units.name(grid)}<" in one(at, 'class="bs-head"')
    assert len(panels(at)) == 4 and at.get("deck_gl_json_chart")


@pytest.mark.usefixtures("app_env")
def test_english_screen_has_no_chinese_but_the_names(start, units):
    at = start(page=PAGE, unit=units.city, lang="en")
    assert_clean(at)
    for theme, body in panels(at).items():
        assert not CJK.search(TAG.sub(" ", body)), theme
    head = TAG.sub(" ", one(at, 'class="bs-head"')).replace(units.name(units.city), "")
    assert not CJK.search(head) and "Data as of" in head
    assert "Data as of" in head


@pytest.mark.usefixtures("app_env")
def test_options_from_the_url_reach_the_browser_script(start, units):
    at = start(page=PAGE, unit=units.city, scale="fill", refresh="2", reload_hours="12")
    assert_clean(at)
    [frame] = [e for e in at.get("iframe")] or [None]
    script = frame.proto.srcdoc if frame is not None else ""
    assert '"scale": "fill"' in script and '"reloadMs": 43200000' in script
    assert "P.innerWidth" in script and "window.screen" not in script.replace("never window.screen", "")


def test_store_away_keeps_the_figures_with_a_discreet_notice_then_recovers(own_city, start, units):
    at = start(page=PAGE, unit=units.city)
    before = panels(at)
    away = own_city.with_suffix(".away")
    own_city.rename(away)
    data.clear_caches()  # as when the TTL runs out: the next run must ask the store
    at.run()
    assert not at.exception and not at.error
    head = TAG.sub(" ", one(at, 'class="bs-head"'))
    assert re.search(r"数据暂停更新 · 截至 \d\d:\d\d", head), head
    assert panels(at) == before  # the last figures, not blanks
    assert at.get("deck_gl_json_chart"), "the map stays"
    away.rename(own_city)
    at.run()
    assert "数据暂停更新" not in one(at, 'class="bs-head"')
    assert panels(at) == before


@pytest.mark.usefixtures("app_env")
def test_rotating_themes_starts_with_population_on_the_map_and_highlighted(start, units):
    at = start(page=PAGE, unit=units.city, rotate="themes", every="10")
    assert_clean(at)
    shown = panels(at)
    assert "bs-panel theme-population on" in shown["population"]
    assert all(" on" not in body.split(">")[0] for theme, body in shown.items() if theme != "population")
    assert "轮播 1/5" in one(at, 'class="bs-head"')  # four themes, then the month's 考核
    assert ">人口<" in one(at, 'class="legend"')  # the map's metric is the theme's


@pytest.mark.usefixtures("app_env")
def test_the_fifth_theme_is_the_months_ranking_in_the_maps_place(start, units):
    """#21: rotate=themes ends each unit's cycle with 考核排名 — the month's 红榜 and 黑榜 of its children."""
    import time

    at = start(page=PAGE, unit=units.city, rotate="themes", every="10")
    at.session_state["_bs_step"] = 4  # the fifth step: the ranking
    at.session_state["_bs_step_at"] = time.time()
    at.run()
    assert_clean(at)
    board = one(at, 'class="bs-ranking"')
    assert "考核排名" in board and "红榜" in board and "黑榜" in board and "三率 示例" in board
    names = [units.name(c) for c in units.children(units.city)]
    assert sum(name in board for name in names) >= 2, board  # children named with their scores
    assert re.search(r'bs-rk-score">\d+\.\d<', board)
    assert not at.get("deck_gl_json_chart"), "no map while the ranking is on show"
    assert "轮播 5/5" in one(at, 'class="bs-head"')
    assert all(" on" not in body.split(">")[0] for body in panels(at).values())  # no theme panel lit
