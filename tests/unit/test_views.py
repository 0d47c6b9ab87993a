import json
import re

import pandas as pd

from cockpit.domain.metrics import compute_kpis
from cockpit.views import basemap, cards
from cockpit.views import map as views


def _features(n=3):
    feats = []
    for i in range(n):
        x = 120 + i * 0.1
        ring = [[x, 29.5], [x + 0.1, 29.5], [x + 0.1, 29.6], [x, 29.6], [x, 29.5]]
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                      "properties": {"code": f"33068100{i}000", "name": f"街道{i}", "value": float(i),
                                     "fill": [1, 2, 3, 200], "label": "在办事件", "value_text": str(i)}})
    return {"type": "FeatureCollection", "features": feats}


def test_deck_draws_no_basemap_and_fetches_nothing():
    spec = json.loads(views.build_deck(_features(), (120, 29.5, 120.3, 29.6), "zh").to_json())
    # pydeck's sentinel tells Streamlit "no basemap"; a null or URL style would fetch Carto tiles.
    assert spec.get("mapStyle") == "__MAP_STYLE__"
    assert "mapProvider" not in spec
    assert "cartocdn" not in json.dumps(spec) and "mapbox://" not in json.dumps(spec)
    assert [layer["id"] for layer in spec["layers"]] == ["units"]


def test_deck_layers_for_points_and_basemap():
    alerts = views.alert_points(pd.DataFrame({"lon": [120.1], "lat": [29.55], "severity": [1], "type": ["gas"],
                                              "raised_at": [pd.Timestamp("2026-10-31 08:00")]}), "zh")
    spec = json.loads(views.build_deck(_features(), (120, 29.5, 120.3, 29.6), "zh",
                                       extrude=True, alerts=alerts, basemap_style="http://gis.intranet/style.json").to_json())
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids == ["units", "alerts"]
    assert spec["layers"][1]["data"][0]["name"] == "燃气泄漏"
    assert spec["layers"][0]["extruded"] is True
    assert spec["mapStyle"] == "http://gis.intranet/style.json" and spec["mapProvider"] == "carto"


def test_view_fits_bounds():
    wide = views.compute_view((119.0, 29.0, 121.0, 30.0))
    narrow = views.compute_view((120.0, 29.5, 120.02, 29.51))
    assert 119.9 < wide.longitude < 120.1 and narrow.zoom > wide.zoom + 5


def test_fill_classes_and_legend():
    values = pd.Series([0.0, 1.0, 2.0, 5.0, 9.0, 30.0])
    fills, legend = views.compute_fill(values, "open_cases")
    assert len(fills) == 6 and all(len(f) == 4 for f in fills)
    assert fills[0] != fills[-1]
    # counts: whole-number classes from the smallest value up, the top one open
    assert legend[0][1] == 0 and legend[-1][2] is None
    _, rates = views.compute_fill(values, "density")
    assert rates[0][1] is None and rates[-1][2] is None


def _legend_texts(metric, values, lang):
    _, legend = views.compute_fill(pd.Series(values, dtype=float), metric)
    return re.findall(r"</i>([^<]*)</span>", views.build_legend_html(metric, legend, lang, False, False))


def test_legend_for_small_counts_reads_like_counts():
    values = [0, 0, 1, 2, 3, 5, 0, 1]
    for lang in ("zh", "en"):
        assert _legend_texts("open_cases", values, lang) == ["0", "1", "2–3", "4+"]
    assert _legend_texts("overdue_cases", [0, 1, 0, 1], "en") == ["0", "1+"]
    assert _legend_texts("active_alerts", [2, 7, 7, 9], "zh") == ["2–7", "8+"]
    # every value lands in the class its legend row names
    fills, legend = views.compute_fill(pd.Series(values, dtype=float), "open_cases")
    colour_of = {tuple(views._rgb(c)): (lo, hi) for c, lo, hi in legend}
    for v, fill in zip(values, fills):
        lo, hi = colour_of[tuple(fill[:3])]
        assert lo <= v and (hi is None or v <= hi), (v, lo, hi)
    # large counts stay ranges of whole numbers that do not overlap
    assert _legend_texts("population", [1200, 3400, 25000, 8000, 15000], "en") == [
        "1,200–2,960", "2,961–6,160", "6,161–10,800", "10,801–17,000", "17,001+"]


def test_legend_says_so_when_every_unit_has_the_same_value():
    assert _legend_texts("open_cases", [3, 3, 3], "zh") == ["全部为 3"]
    assert _legend_texts("open_cases", [3, 3, 3], "en") == ["all 3"]
    assert _legend_texts("overdue_cases", [0, 0], "en") == ["all 0"]
    assert _legend_texts("points_per_1000", [12.0, 12.0], "zh") == ["全部为 12"]
    fills, legend = views.compute_fill(pd.Series([3.0, 3.0, 3.0]), "open_cases")
    assert len(legend) == 1 and len({tuple(f) for f in fills}) == 1
    assert views.compute_fill(pd.Series([], dtype=float), "open_cases") == ([], [])


def test_legend_of_a_theme_without_facts_says_no_data_not_all_zero():
    _, legend = views.compute_fill(pd.Series([0.0, 0.0]), "open_cases")
    zh = views.build_legend_html("open_cases", legend, "zh", False, False, no_data=True)
    en = views.build_legend_html("open_cases", legend, "en", False, False, no_data=True)
    assert "暂无数据" in zh and "全部为" not in zh and "No data yet" in en and "all 0" not in en
    assert "全部为 0" in views.build_legend_html("open_cases", legend, "zh", False, False)  # facts, and a true zero


def test_legend_for_rates_keeps_open_bounds():
    assert _legend_texts("density", [0.5, 2.5, 10.25, 40.0], "en") == ["≤ 2", "2 – 6", "6 – 18", "&gt; 18"]


def test_kpi_html_has_all_themes_and_changes():
    cur = {"registered": 1, "floating": 2, "households": 3, "elderly_60p": 4, "elderly_alone": 5, "open": 6,
           "overdue": 1, "closed": 7, "closure_rate": 0.97, "on_time_rate": 0.9, "satisfaction": 0.95,
           "low_tier_rate": 0.9, "active": 3, "raised": 9, "ack_rate": 0.95, "earned": 100, "redeemed": 10,
           "participants_per_1000": 12.0}
    prev = dict(cur, open=3)
    html = cards.build_kpi_html(compute_kpis(cur, prev, prev), "zh", (1, 0, 1, 1))
    for label in ("人口", "事件", "风险预警", "积分治理", "办结率", "97.0%", "环比", "同比", "▲100.0%"):
        assert label in html
    en = cards.build_kpi_html(compute_kpis(cur, prev, prev), "en", (1, 0, 1, 1))
    assert "Closure rate" in en and "办结率" not in en


def test_map_message_is_compact_json():
    deck = views.build_deck(_features(), (120, 29.5, 120.3, 29.6), "zh")
    text = deck.to_json()
    assert "\n" not in text and ": " not in text
    assert json.loads(text)["layers"][0]["id"] == "units"


def test_basemap_style_for_a_tile_template():
    style = basemap.build_basemap_style("http://gis.intranet/tiles/{z}/{x}/{y}.png")
    assert style["version"] == 8
    assert style["sources"]["intranet"]["tiles"] == ["http://gis.intranet/tiles/{z}/{x}/{y}.png"]
    assert style["layers"] == [{"id": "intranet", "type": "raster", "source": "intranet"}]
