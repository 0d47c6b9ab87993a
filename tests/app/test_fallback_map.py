"""A city's first day (#28): units and the top outline only, no street, community or grid boundaries.

Every page with a map, opened at a street, a community and a grid of the small demo whose boundary
folder holds nothing below the city: the map draws the nearest outline that exists (the city's)
with the points the page draws anyway, the notice says in the viewer's words what is missing, the
children are ranked as bars, and no text on the page carries the server's boundary path.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import streamlit as st
from shapely.geometry import shape
from streamlit.testing.v1 import AppTest

from cockpit.ui import data

PAGES = {"overview": None, "alerts": "pages/alerts.py", "participation": "pages/participation.py",
         "bigscreen": "pages/bigscreen.py"}
NOTICE = {
    "street": "本街道下的社区尚无边界，可导入社区边界 GeoJSON。",
    "community": "本社区下的网格尚无边界，可导入网格边界 GeoJSON。",
    "grid": "本网格尚无边界，可导入网格边界 GeoJSON。",
}
RANKED = {"street": "下级社区排名", "community": "下级网格排名"}  # a grid has no children to rank
POINT_LAYERS = ("alerts", "venues", "hotspots")
SVG = "data:image/svg+xml;base64,"


@pytest.fixture
def first_day(clean_env, small_demo, tmp_path) -> Path:
    """The small demo's database with a boundary folder as a real city's first day: the city outline alone
    (the small demo has no districts; its streets, communities and grids have no boundary), caches empty."""
    geo = tmp_path / "first-day-geo"
    geo.mkdir()
    doc = json.loads((small_demo.geo_dir / "units.geojson").read_text(encoding="utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["level"] in ("city", "district")]
    (geo / "units.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    clean_env.setenv("COCKPIT_DB_URL", small_demo.db_url)
    clean_env.setenv("COCKPIT_GEO_DIR", str(geo))
    data.clear_caches()
    st.cache_resource.clear()
    yield geo
    data.clear_caches()
    st.cache_resource.clear()


def open_page(page: str, code: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=90)
    at.query_params["unit"] = code
    at.query_params["lang"] = lang
    if PAGES[page]:
        at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def unit_of(units, tier: str) -> str:
    if tier == "grid":
        return units.children(units.first("community"))[0]
    return units.first(tier)


def every_text(at: AppTest) -> str:
    """Everything the page sends: each element's protobuf as text, and the SVG inside every image."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    for element in at.get("image"):
        parts += [base64.b64decode(i.url[len(SVG):]).decode("utf-8") for i in element.proto.imgs if i.url.startswith(SVG)]
    return "\n".join(parts)


def the_deck(at: AppTest) -> dict:
    [deck] = at.get("deck_gl_json_chart")
    return json.loads(deck.proto.json)


def point_counts(spec: dict) -> dict[str, int]:
    return {layer["id"]: len(layer["data"]) for layer in spec["layers"] if layer["id"] in POINT_LAYERS}


def notices(at: AppTest) -> list[str]:
    boxes = [e.value for e in at.info] + [e.value for e in at.warning]
    notes = [h.body for h in at.get("html") if h.body.startswith('<div class="ck-geo-note"')]  # the big screen's map box
    return boxes + notes


@pytest.mark.parametrize("tier", ["street", "community", "grid"])
@pytest.mark.parametrize("page", list(PAGES))
def test_first_day_map_draws_the_city_outline_the_points_and_the_children_ranked(
        page, tier, first_day, small_demo, units, clean_env):
    code = unit_of(units, tier)
    at = open_page(page, code)

    [notice] = [n for n in notices(at) if "尚无边界" in n]
    assert NOTICE[tier] in notice and f"“{units.name(units.city)}”的轮廓" in notice
    everything = every_text(at)
    assert str(first_day) not in everything and str(first_day.parent) not in everything  # no server path, anywhere

    spec = the_deck(at)
    ids = [layer["id"] for layer in spec["layers"]]
    assert "units" not in ids  # nothing to colour, nothing to click into
    [outline] = [layer for layer in spec["layers"] if layer["id"] == "outline"]
    assert outline["pickable"] is False
    [feature] = outline["data"]["features"]
    assert feature["properties"]["code"] == units.city  # the nearest outline that exists: the city's
    city = next(f for f in json.loads((small_demo.geo_dir / "units.geojson").read_text(encoding="utf-8"))["features"]
                if f["properties"]["code"] == units.city)
    drawn, truth = shape(feature["geometry"]), shape(city["geometry"])
    assert drawn.symmetric_difference(truth).area / truth.area < 0.02  # the city's polygon, simplified

    # the same points the page draws with every boundary in place
    clean_env.setenv("COCKPIT_GEO_DIR", str(small_demo.geo_dir))
    full = point_counts(the_deck(open_page(page, code)))
    assert point_counts(spec) == full

    alts = [img.alt for element in at.get("image") for img in element.proto.imgs]
    ranked = [a for a in alts if "排名" in a]
    if page == "bigscreen" or tier == "grid":  # the wall keeps its layout; a grid has no children
        assert ranked == []
    else:
        assert len(ranked) == 1 and ranked[0].startswith(RANKED[tier])
        children = [units.name(c) for c in units.children(code)]
        svg = next(base64.b64decode(i.url[len(SVG):]).decode("utf-8") for e in at.get("image") for i in e.proto.imgs
                   if "排名" in i.alt)
        assert sum(name in svg or name.removeprefix(units.name(code)) in svg for name in children) == len(children)


@pytest.mark.usefixtures("first_day")
def test_first_day_points_are_there_where_the_store_has_them(units):
    """Not a vacuous comparison: at the first street the overview shows its active alert(s), participation its venues."""
    street = units.first("street")
    assert point_counts(the_deck(open_page("overview", street))).get("alerts", 0) > 0
    assert point_counts(the_deck(open_page("participation", street))).get("venues", 0) > 0


def test_first_day_notice_in_english(first_day, units):
    at = open_page("overview", units.first("street"), lang="en")
    [notice] = [n for n in notices(at) if "boundar" in n]
    assert notice.startswith("The communities of this street have no boundaries yet: import a community boundary GeoJSON.")
    assert str(first_day) not in every_text(at)
    assert any(img.alt.startswith("Communities ranked") for e in at.get("image") for img in e.proto.imgs)


def test_street_outlines_imported_the_street_draws_its_own(first_day, small_demo, units):
    """A step later on the first day: street outlines imported, communities not yet — a street draws itself."""
    doc = json.loads((small_demo.geo_dir / "units.geojson").read_text(encoding="utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["level"] in ("city", "district", "street")]
    (first_day / "units.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    street = units.first("street")
    at = open_page("overview", street)
    [notice] = [n for n in notices(at) if "尚无边界" in n]
    assert notice == NOTICE["street"] + "地图显示本街道的轮廓与点位。"
    [outline] = [layer for layer in the_deck(at)["layers"] if layer["id"] == "outline"]
    assert outline["data"]["features"][0]["properties"]["code"] == street
    at = open_page("overview", units.first("community"))  # the community draws its street
    [outline] = [layer for layer in the_deck(at)["layers"] if layer["id"] == "outline"]
    assert outline["data"]["features"][0]["properties"]["code"] == street


@pytest.mark.usefixtures("app_env")
def test_with_every_boundary_the_map_is_the_normal_one(units):
    """The fallback stays out of the way: children coloured and clickable, no notice, no ranking."""
    at = open_page("overview", units.first("street"))
    assert [layer["id"] for layer in the_deck(at)["layers"]][0] == "units"
    assert not [n for n in notices(at) if "边界" in n]
    assert not [img for e in at.get("image") for img in e.proto.imgs if "排名" in img.alt]


@pytest.mark.usefixtures("first_day")
def test_first_day_without_facts_the_children_read_no_data_not_zero(small_demo, units, clean_env, tmp_path):
    """Boundaries missing and the points table empty: every community reads 暂无数据 in the ranking, never 0.0."""
    db = tmp_path / "no-points.sqlite"
    shutil.copyfile(small_demo.db_path, db)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM points_ledger")
    conn.close()
    clean_env.setenv("COCKPIT_DB_URL", f"sqlite:///{db}")
    street = units.first("street")
    at = open_page("participation", street)
    [svg] = [base64.b64decode(i.url[len(SVG):]).decode("utf-8") for e in at.get("image") for i in e.proto.imgs
             if i.alt.startswith(RANKED["street"])]
    assert svg.count("暂无数据") == len(units.children(street)) and "0.0" not in svg
    at = open_page("overview", street)  # cases are there: the ranking shows their numbers
    [svg] = [base64.b64decode(i.url[len(SVG):]).decode("utf-8") for e in at.get("image") for i in e.proto.imgs
             if i.alt.startswith(RANKED["street"])]
    assert "暂无数据" not in svg


@pytest.mark.parametrize("page", ["overview", "alerts", "participation"])
def test_communities_imported_grids_not_yet(page, first_day, small_demo, units):
    """Every unit outline but no grid file: a community draws its own outline and ranks its grids; a grid draws
    its community's."""
    shutil.copyfile(small_demo.geo_dir / "units.geojson", first_day / "units.geojson")
    community = units.first("community")
    at = open_page(page, community)
    [notice] = [n for n in notices(at) if "尚无边界" in n]
    assert notice == NOTICE["community"] + "地图显示本社区的轮廓与点位。"
    [outline] = [layer for layer in the_deck(at)["layers"] if layer["id"] == "outline"]
    assert outline["data"]["features"][0]["properties"]["code"] == community
    assert [img for e in at.get("image") for img in e.proto.imgs if img.alt.startswith(RANKED["community"])]
    assert str(first_day) not in every_text(at)
    at = open_page(page, units.children(community)[0])
    [outline] = [layer for layer in the_deck(at)["layers"] if layer["id"] == "outline"]
    assert outline["data"]["features"][0]["properties"]["code"] == community
    [notice] = [n for n in notices(at) if "尚无边界" in n]
    assert notice.startswith(NOTICE["grid"]) and "所属社区“" in notice
