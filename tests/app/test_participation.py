"""The participation page through AppTest: every tier in both languages, the map spec, lists, links, a drill."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from contextlib import closing

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("app_env")  # the small demo city, read-only

PAGE = "pages/participation.py"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def clean(at: AppTest) -> AppTest:
    """No exception, no error box, no outage notice."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not [h for h in at.get("html") if 'class="ck-notice"' in h.proto.body]
    return at


def deck_spec(at: AppTest) -> dict:
    [chart] = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)


def svg(at: AppTest) -> str:
    prefix = "data:image/svg+xml;base64,"
    found = [img.url for element in at.get("image") for img in element.proto.imgs if img.url.startswith(prefix)]
    assert len(found) == 1
    return base64.b64decode(found[0][len(prefix):]).decode("utf-8")


def busiest_community(db_path) -> str:
    """The community with the most ledger rows: one whose page has something in every part."""
    with closing(sqlite3.connect(db_path)) as con:
        (code,) = con.execute("SELECT substr(grid_code, 1, 12) c FROM points_ledger GROUP BY c "
                              "ORDER BY count(*) DESC, c LIMIT 1").fetchone()
    return code


def tiers(app_env, units) -> dict[str, str]:
    community = busiest_community(app_env.db_path)
    with closing(sqlite3.connect(app_env.db_path)) as con:  # a grid with a venue, so its map has one
        (grid,) = con.execute("SELECT min(grid_code) FROM venue WHERE grid_code LIKE ?", (community + "%",)).fetchone()
    return {"city": units.city, "street": units.rows[community][2], "community": community, "grid": grid}


def vote_rows(db_path, prefix: str, start: str) -> int:
    with closing(sqlite3.connect(db_path)) as con:
        return con.execute("SELECT count(*) FROM vote WHERE community_code LIKE ? AND opens_at >= ?",
                           (prefix + "%", start)).fetchone()[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("tier", ["city", "street", "community", "grid"])
def test_participation_renders_at_every_tier_in_each_language(app_env, units, start, tier, lang):
    code = tiers(app_env, units)[tier]
    at = clean(start(page=PAGE, unit=code, lang=lang, period="365"))
    spec = deck_spec(at)
    assert "http" not in json.dumps(spec)  # offline: no basemap, nothing fetched
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert "units" in layers and "venues" in layers
    assert layers["venues"]["radiusUnits"] == "pixels"  # a literal, not an accessor (which fills the whole map)
    radii = {p["radius"] for p in layers["venues"]["data"]}
    assert len(radii) > 1 or tier == "grid"  # sized by use
    image = svg(at)
    legend = [h.proto.body for h in at.get("html") if 'class="legend"' in h.proto.body]
    captions = [c.value for c in at.caption]
    headers = [c for d in at.dataframe for c in d.value.columns]
    assert headers, "the votes and top-communities lists"
    if lang == "en":
        assert "Points earned (by activity kind) and redeemed" in image
        assert [s for s in [*headers, *captions, *legend] if CJK.search(s)] == []
    else:
        assert "积分获得（按活动类型）与兑换" in image and "议题" in headers


def test_english_chart_words_have_no_chinese(units, start):
    """Only unit names (data) may be Chinese in the English panel: every title, legend and axis word is English."""
    at = clean(start(page=PAGE, unit=units.city, lang="en"))
    image = svg(at)
    words = set(re.findall(r">([^<>]+)</text>", image))
    names = {units.name(c) for c in units.rows} | {units.name(g) for g in units.grids}
    assert words and [w for w in words if CJK.search(w) and w.strip() not in names] == []


def test_votes_list_matches_the_database(app_env, units, start):
    at = clean(start(page=PAGE, unit=units.city, period="365"))
    [votes] = [d.value for d in at.dataframe if "议题" in d.value.columns]
    with closing(sqlite3.connect(app_env.db_path)) as con:
        (end,) = con.execute("SELECT max(received_at) FROM case_record").fetchone()
    assert 0 < len(votes) <= 30
    turnout = votes["投票率"]  # a fraction, shown as a percentage
    assert turnout.between(0, 1).all() and (turnout == votes["投票数"] / votes["有投票权人数"]).all()
    assert (votes["投票数"] <= votes["有投票权人数"]).all()
    assert votes["开始"].is_monotonic_decreasing and votes["开始"].iloc[0] <= pd.Timestamp(end)


def test_top_communities_are_ranked_by_points(units, start):
    at = clean(start(page=PAGE, unit=units.city, period="90"))
    [top] = [d.value for d in at.dataframe if "排名" in d.value.columns]
    points = top["获得积分"].tolist()
    assert 0 < len(top) <= 10 and points == sorted(points, reverse=True) and points[0] > 0
    assert top["排名"].tolist() == list(range(1, len(top) + 1))


def test_deep_link_with_period_and_language(app_env, start):
    community = busiest_community(app_env.db_path)
    at = clean(start(page=PAGE, unit=community, period="90", lang="en"))
    assert at.query_params["unit"] in (community, [community])
    assert at.sidebar.selectbox(key="period").value == 90
    assert any("activities with" in c.value for c in at.caption)


@pytest.mark.parametrize(("param", "value"), [("period", "13"), ("unit", "33068100100x"), ("lang", "xx")])
def test_malformed_link_values_fall_back(units, start, param, value):
    at = clean(start(page=PAGE, **{"unit": units.city, param: value}))
    assert at.sidebar.selectbox(key="period").value in (7, 30, 90, 365)
    if param == "unit":
        assert len(at.warning) == 1 and "33068100100x" in at.warning[0].value
    assert at.query_params["unit"] in (units.city, [units.city])


def test_drill_by_breadcrumb_keeps_the_page(units, start):
    at = clean(start(page=PAGE, unit=units.city))
    street = units.children(units.city)[0]
    [box] = [s for s in at.selectbox if (s.key or "").startswith("drill-")]
    at = clean(box.set_value(street).run())
    assert at.query_params["unit"] in (street, [street])
    assert deck_spec(at)["layers"][0]["id"] == "units"
    assert svg(at)
