"""Maps without the boundaries below (#28): which outline is drawn instead, and what the notice says.

The choice is pure (cockpit.domain.outline), the words and the frame-only deck are views
(cockpit.views.outline); the pages that use them are tested in tests/app/test_fallback_map.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cockpit.domain.outline import Fallback, choose_fallback, choose_outline
from cockpit.store.boundaries import file_label
from cockpit.views import map as mapview
from cockpit.views import outline as outview

CITY, DISTRICT, STREET, COMMUNITY = "330400000000", "330402000000", "330402001000", "330402001001"
GRID = "330402001001003"
CHAIN = {  # the unit, then its ancestors nearest first (a prefecture city with districts)
    "city": [(CITY, "city")],
    "district": [(DISTRICT, "district"), (CITY, "city")],
    "street": [(STREET, "street"), (DISTRICT, "district"), (CITY, "city")],
    "community": [(COMMUNITY, "community"), (STREET, "street"), (DISTRICT, "district"), (CITY, "city")],
    "grid": [(GRID, "grid"), (COMMUNITY, "community"), (STREET, "street"), (DISTRICT, "district"), (CITY, "city")],
}
CHILD = {"city": "district", "district": "street", "street": "community", "community": "grid", "grid": None}


def outlines(*codes: str):
    return lambda code, _level: code in codes


# ---------------------------------------------------------------- which outline


@pytest.mark.parametrize(
    ("level", "have", "expected"),
    [
        # a city's first day: the city and its districts only
        ("city", (CITY, DISTRICT), (CITY, "city")),
        ("district", (CITY, DISTRICT), (DISTRICT, "district")),
        ("street", (CITY, DISTRICT), (DISTRICT, "district")),
        ("community", (CITY, DISTRICT), (DISTRICT, "district")),
        ("grid", (CITY, DISTRICT), (DISTRICT, "district")),
        # streets imported later: a street and what lies below it draw the street
        ("street", (CITY, DISTRICT, STREET), (STREET, "street")),
        ("community", (CITY, DISTRICT, STREET), (STREET, "street")),
        ("grid", (CITY, DISTRICT, STREET, COMMUNITY), (COMMUNITY, "community")),
        # only the city outline (a county-level city without districts, or districts not imported)
        ("grid", (CITY,), (CITY, "city")),
        # nothing at all
        ("street", (), None),
    ],
)
def test_the_nearest_outline_up_the_chain_is_drawn(level, have, expected):
    assert choose_outline(CHAIN[level], outlines(*have)) == expected


def test_the_units_own_outline_wins_over_its_ancestors():
    assert choose_outline(CHAIN["street"], outlines(CITY, DISTRICT, STREET, COMMUNITY)) == (STREET, "street")


@pytest.mark.parametrize("level", list(CHAIN))
def test_the_missing_tier_is_the_childrens_or_a_grids_own(level):
    fb = choose_fallback(CHAIN[level], CHILD[level], outlines(CITY))
    assert fb.missing == (CHILD[level] or "grid")
    assert fb.about_self == (level == "grid")
    assert fb.outline == CITY and fb.own == (level == "city")


def test_no_outline_at_all_is_a_fallback_too():
    fb = choose_fallback(CHAIN["street"], "community", outlines())
    assert fb.outline is None and fb.outline_level is None and not fb.own


def test_an_empty_chain_is_a_mistake():
    with pytest.raises(ValueError):
        choose_fallback([], "street", outlines(CITY))


# ---------------------------------------------------------------- which notice


@pytest.mark.parametrize(
    ("level", "zh", "en"),
    [
        ("city", "本市下的区县尚无边界，可导入区县边界 GeoJSON。",
         "The districts of this city have no boundaries yet: import a district boundary GeoJSON."),
        ("district", "本区县下的街道尚无边界，可导入街道边界 GeoJSON。",
         "The streets of this district have no boundaries yet: import a street boundary GeoJSON."),
        ("street", "本街道下的社区尚无边界，可导入社区边界 GeoJSON。",
         "The communities of this street have no boundaries yet: import a community boundary GeoJSON."),
        ("community", "本社区下的网格尚无边界，可导入网格边界 GeoJSON。",
         "The grids of this community have no boundaries yet: import a grid boundary GeoJSON."),
        ("grid", "本网格尚无边界，可导入网格边界 GeoJSON。", "This grid has no boundary yet: import a grid boundary GeoJSON."),
    ],
)
def test_the_notice_names_the_missing_tier_in_the_users_words(level, zh, en):
    fb = choose_fallback(CHAIN[level], CHILD[level], outlines(CITY, DISTRICT))
    assert outview.fallback_notice(fb, "zh", "嘉兴市" if level == "city" else "南湖区").startswith(zh)
    assert outview.fallback_notice(fb, "en", "Nanhu").startswith(en)


@pytest.mark.parametrize(
    ("have", "zh_tail", "en_tail"),
    [
        ((CITY, DISTRICT, STREET), "地图显示本街道的轮廓与点位。", "The map shows this street's outline and its points."),
        ((CITY, DISTRICT), "地图显示所属区县“南湖区”的轮廓与本街道的点位。",
         "The map shows the outline of 南湖区, the district it lies in, and this street's points."),
        ((), "尚无可绘制的轮廓。", "There is no outline to draw yet."),
    ],
)
def test_the_notice_says_whose_outline_is_drawn(have, zh_tail, en_tail):
    fb = choose_fallback(CHAIN["street"], "community", outlines(*have))
    name = "南湖区" if fb.outline == DISTRICT else None
    assert outview.fallback_notice(fb, "zh", name).endswith(zh_tail)
    assert outview.fallback_notice(fb, "en", name).endswith(en_tail)


def test_a_broken_file_is_named_inside_the_boundary_folder_never_by_its_server_path():
    path = Path("/srv/cockpit/geo/grids/330402001001.geojson")
    fb = choose_fallback(CHAIN["community"], "grid", outlines(CITY), broken=True)
    text = outview.fallback_notice(fb, "zh", "嘉兴市", file_label(path))
    assert "grids/330402001001.geojson" in text and "/srv" not in text
    assert "无法读取" in text and "python -m cockpit check" in text
    assert "cannot be read" in outview.fallback_notice(fb, "en", "Jiaxing", file_label(path))
    assert file_label(Path("/srv/cockpit/geo/units.geojson")) == "units.geojson"
    assert file_label(None) == "units.geojson"


def test_notice_html_escapes_the_outline_name():
    fb = Fallback("street", "community", CITY, "city")
    assert "&lt;b&gt;" in outview.notice_html(fb, "zh", "<b>市</b>")


# ---------------------------------------------------------------- the outline on the map, the children ranked


def _outline_fc() -> dict:
    ring = [[120.0, 29.5], [120.3, 29.5], [120.3, 29.8], [120.0, 29.8], [120.0, 29.5]]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
         "properties": {"code": CITY, "name": "诸暨市"}}]}


def test_the_outline_is_a_frame_a_click_never_drills_into_or_up_to():
    features = outview.outline_features(_outline_fc(), "zh", "city")
    props = features["features"][0]["properties"]
    assert props["fill"] == outview.OUTLINE_FILL and props["value"] == 0.0 and props["value_text"] == "市"
    alerts = pd.DataFrame({"lon": [120.1], "lat": [29.6], "colour": [[230, 30, 30, 235]], "name": ["燃气泄漏"],
                           "label": ["红色"], "value_text": ["10-30 08:00"]})
    deck = outview.as_outline(mapview.build_deck(features, (120.0, 29.5, 120.3, 29.8), "zh", True, alerts))
    spec = json.loads(deck.to_json())
    outline, points = spec["layers"]
    assert outline["id"] == "outline" and outline["pickable"] is False and outline["autoHighlight"] is False
    assert points["id"] == "alerts" and points["pickable"] is True
    assert outline["data"]["features"][0]["properties"]["code"] == CITY
    # what Streamlit hands back for a click on the outline: no unit to go to
    event = {"selection": {"objects": {"outline": [{"properties": {"code": CITY}}]}}}
    assert mapview.picked_code(type("E", (), event)) is None


def test_the_legend_of_an_outline_has_no_metric_title():
    html = mapview.build_legend_html("open_cases", [], "zh", True, False)
    assert "在办事件" not in html and "红色" in html
    assert "在办事件" in mapview.build_legend_html("open_cases", [("#fff", 0, 0)], "zh", True, False)


def test_the_children_are_ranked_highest_first_ties_by_code():
    values = pd.Series({"b": 1.0, "a": 1.0, "c": 3.0, "d": 0.0})
    frame = outview.rank_frame(values, {"a": "甲社区", "b": "乙社区", "c": "丙社区", "d": "丁社区"},
                               {"a": "甲", "b": "乙", "c": "丙", "d": "丁"}, ["1", "1", "3", "0"])
    assert list(frame["code"]) == ["c", "a", "b", "d"]
    assert list(frame["text"]) == ["3", "1", "1", "0"]  # each text stays with its value
    assert list(frame["label"]) == ["丙", "甲", "乙", "丁"]


def test_the_rank_chart_shows_the_top_rows_and_says_how_many_there_are():
    n = outview.RANK_ROWS + 5
    values = pd.Series({f"{i:03d}": float(i) for i in range(n)})
    frame = outview.rank_frame(values, {}, {}, [str(i) for i in range(n)])
    spec = outview.build_rank_chart(frame, "community", "在办事件", "zh", 560).to_dict(validate=False)
    assert spec["title"]["text"] == f"下级社区排名 · 在办事件（前 {outview.RANK_ROWS} / 共 {n}）"
    [data] = [d for d in spec["datasets"].values()]
    assert len(data) == outview.RANK_ROWS and data[0]["value"] == n - 1
    en = outview.build_rank_chart(frame.head(3), "street", "Open cases", "en", 560).to_dict(validate=False)
    assert en["title"]["text"] == "Streets ranked · Open cases"


def test_the_rank_chart_of_no_children_says_so():
    frame = outview.rank_frame(pd.Series(dtype=float), {}, {}, [])
    spec = outview.build_rank_chart(frame, "grid", "活跃预警", "zh", 560).to_dict(validate=False)
    assert "无下级单元。" in json.dumps(spec, ensure_ascii=False)


# ---------------------------------------------------------------- what `python -m cockpit check` says


def test_check_lists_the_units_without_a_boundary_by_tier(tmp_path):
    """A first day's folder (city and district outlines): the operator reads which tiers are missing."""
    from cockpit.tools.check.geo import check_geo

    ring = [[120.0, 29.5], [120.3, 29.5], [120.3, 29.8], [120.0, 29.8], [120.0, 29.5]]
    features = [{"type": "Feature", "properties": {"code": c}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
                for c in (CITY, DISTRICT)]
    (tmp_path / "units.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    levels = {CITY: "city", DISTRICT: "district", STREET: "street", "330402002000": "street", COMMUNITY: "community"}
    found: list[tuple[str, str, str, str]] = []
    check_geo(tmp_path, levels.keys(), {COMMUNITY: [GRID]}, lambda *a: found.append(a), levels=levels)
    assert ("admin_unit", "boundary", "street has no feature in units.geojson", f"code={STREET}") in found
    assert ("admin_unit", "boundary", "community has no feature in units.geojson", f"code={COMMUNITY}") in found
    [grids] = [f for f in found if f[0] == f"grids/{COMMUNITY}.geojson"]
    assert grids[2].startswith("file missing; 1 grid rows have no boundary")
    assert not [f for f in found if f[3] in (f"code={CITY}", f"code={DISTRICT}")]
