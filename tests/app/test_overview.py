"""The app through Streamlit's AppTest: pages, languages, drill-down by widgets, deep links, map spec, failures.

AppTest renders the pydeck map (``at.get("deck_gl_json_chart")``, its spec in ``.proto.json``) but
cannot click it, so every drill here goes through the breadcrumb buttons (``crumb-<code>``) and the
child selectbox (``drill-<code>``); the map is checked through its JSON spec, and the click itself in
a real browser (tests/browser/test_map.py).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import sqlite3

import pandas as pd
import pytest
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from cockpit.domain.metrics import THEMES
from cockpit.store.schema import metadata

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")  # Han characters and full-width punctuation
N_KPIS = sum(len(keys) for keys in THEMES.values())
ONE_MB = 1024 * 1024


# ---------------------------------------------------------------- helpers over the rendered tree


def chart_svgs(at: AppTest) -> list[str]:
    """The overview's charts: SVG drawn on the server and sent as data-URL images."""
    prefix = "data:image/svg+xml;base64,"
    urls = [img.url for element in at.get("image") for img in element.proto.imgs]
    return [base64.b64decode(u[len(prefix):]).decode("utf-8") for u in urls if u.startswith(prefix)]

def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_bodies(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def one_html(at: AppTest, marker: str) -> str:
    found = [b for b in html_bodies(at) if marker in b]
    assert len(found) == 1, f"expected one html element with {marker!r}, got {len(found)}"
    return found[0]


def kpi_html(at: AppTest) -> str:
    return one_html(at, 'class="cards"')


def header_html(at: AppTest) -> str:
    return one_html(at, 'class="ck-title"')


def kpi_value(html: str, key: str) -> str:
    m = re.search(rf'data-key="{key}"><div class="kl">[^<]*</div><div class="kv">([^<]*)</div>', html)
    assert m, f"no KPI {key!r} in the cards"
    return m.group(1)


def crumbs(at: AppTest) -> dict:
    return {b.key.removeprefix("crumb-"): b for b in at.button if b.key and b.key.startswith("crumb-")}


def drill_boxes(at: AppTest) -> list:
    return [s for s in at.selectbox if s.key and s.key.startswith("drill-")]


def deck(at: AppTest):
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1, f"expected one map, got {len(charts)}"
    return charts[0].proto


def units_layer(spec: dict) -> dict:
    layers = [layer for layer in spec["layers"] if layer.get("id") == "units"]
    assert len(layers) == 1, [layer.get("id") for layer in spec["layers"]]
    return layers[0]


def ancestors(units, code: str) -> list[str]:
    chain = [code]
    parent = units.grids[code][1] if code in units.grids else units.rows[code][2]
    while parent:
        chain.append(parent)
        parent = units.rows[parent][2]
    return chain[::-1]


def assert_view(at: AppTest, units, code: str, period: int, metric: str, lang: str = "zh") -> None:
    """The page shows `code`: header, breadcrumb, child picker, URL and sidebar all agree."""
    ok(at)
    header = header_html(at)
    assert units.name(code) in header and code in header, header
    chain = ancestors(units, code)
    shown = crumbs(at)
    assert list(shown) == chain
    for c, button in shown.items():
        assert units.name(c) in button.label
        assert button.disabled is (c == code), (c, button.disabled)
    kids = units.children(code)
    boxes = drill_boxes(at)
    if code in units.grids:
        assert boxes == []
        assert any(("网格为最小单元" if lang == "zh" else "smallest unit") in c.value for c in at.caption)
    else:
        assert [b.key for b in boxes] == [f"drill-{code}-{lang}"]
        assert boxes[0].value is None  # the picker starts on its placeholder
        assert boxes[0].options[1:] == [units.name(k) for k in kids]
    assert dict(at.query_params) == {"unit": code, "period": str(period), "metric": metric, "lang": lang}
    assert at.sidebar.selectbox(key="period").value == period
    assert at.sidebar.selectbox(key="metric").value == metric
    assert at.sidebar.radio(key="lang").value == lang


# ---------------------------------------------------------------- 1. pages and languages

@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.usefixtures("app_env")
def test_overview_renders_in_each_language(units, start, lang):
    at = ok(start())
    assert at.sidebar.radio(key="lang").value == "zh"  # the default
    if lang == "en":
        ok(at.sidebar.radio(key="lang").set_value("en").run())
    assert_view(at, units, units.city, 30, "open_cases", lang)
    title = "城市社会治理驾驶舱" if lang == "zh" else "City Governance Cockpit"
    assert title in header_html(at)
    assert len(chart_svgs(at)) == 1  # the four small charts, drawn as one panel
    chart_specs = " ".join(chart_svgs(at))
    for title in (("事件受理与办结", "预警数", "积分获得", "事件解决层级") if lang == "zh"
                  else ("Cases received and closed", "Alerts raised", "Points earned", "Tier that resolved cases")):
        assert title in chart_specs

    # The language switch itself is bilingual on purpose ("语言 / Language", 中文 / English).
    labels = [t.label for t in at.sidebar.toggle]
    for box in at.sidebar.selectbox:
        labels += [box.label, *box.options]
    # period (with 自定义…) and metric selectboxes with their options, three toggles, the sub-units' sort box
    assert len(labels) == 6 + 7 + 3 + 9
    placeholder = drill_boxes(at)[0].options[0]
    if lang == "en":
        assert [s for s in labels if CJK.search(s)] == []
        assert "Period" in labels and "Last 90 days" in labels and "Show active alerts" in labels
        assert placeholder == "— choose a sub-unit —"
        # Chinese comes only from the data (unit names): not from cards, legend, chart titles or axes.
        assert CJK.findall(kpi_html(at)) == []
        assert CJK.findall(one_html(at, 'class="legend"')) == []
        assert CJK.findall(chart_specs) == []
        assert CJK.findall(header_html(at).replace(units.name(units.city), "")) == []
    else:
        assert "统计周期" in labels and "近90天" in labels and "显示活跃预警" in labels
        assert placeholder == "— 选择下级单元 —"
        assert "事件受理与办结" in chart_specs  # so the English check above can fail


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_about_page_renders_in_each_language(app_env, start, lang):
    at = ok(start(lang=lang))
    at = ok(at.switch_page("pages/about.py").run())
    assert [h.value for h in at.header] == ["数据说明" if lang == "zh" else "About the data"]
    assert at.get("deck_gl_json_chart") == [] and chart_svgs(at) == []  # not the overview
    body = at.markdown[0].value
    assert ("合成数据" in body) if lang == "zh" else ("synthetic" in body and not CJK.search(body))
    table = at.table[0].value
    # the column headers are in the page's language too
    key, value = ("项目", "内容") if lang == "zh" else ("Item", "Value")
    assert dict(zip(table[key], table[value]))["root_code"] == "330681000000"
    assert at.caption[0].value == app_env.db_url
    assert at.sidebar.radio(key="lang").value == lang  # the shared sidebar is there on the page too
    other = "en" if lang == "zh" else "zh"
    at = ok(at.sidebar.radio(key="lang").set_value(other).run())
    assert [h.value for h in at.header] == ["数据说明" if other == "zh" else "About the data"]


# ---------------------------------------------------------------- 2. drill down by widgets and back up

@pytest.mark.usefixtures("app_env")
def test_drill_city_to_grid_by_widgets_then_back_to_city(units, start):
    at = ok(start())
    city = units.city
    assert city == "330681000000"  # 诸暨市, the small preset's root
    at = ok(at.sidebar.selectbox(key="period").select(90).run())
    at = ok(at.sidebar.selectbox(key="metric").select("overdue_cases").run())
    assert_view(at, units, city, 90, "overdue_cases")
    city_registered = kpi_value(kpi_html(at), "registered")

    street = units.first("street")
    community = units.children(street)[0]
    grid = units.children(community)[-1]
    assert len(grid) == 15
    path = [(city, street), (street, community), (community, grid)]
    for parent, child in path:
        at = ok(at.selectbox(key=f"drill-{parent}-zh").select(child).run())
        assert_view(at, units, child, 90, "overdue_cases")
        assert at.session_state["unit"] == child
    assert kpi_value(kpi_html(at), "registered") != city_registered  # the figures follow the unit

    # Several levels up at once from the grid, then down the same branch again.
    at = ok(crumbs(at)[city].click().run())
    assert_view(at, units, city, 90, "overdue_cases")
    assert kpi_value(kpi_html(at), "registered") == city_registered
    assert sorted(f["properties"]["code"] for f in units_layer(json.loads(deck(at).json))["data"]["features"]) == \
        units.children(city)
    at = ok(at.selectbox(key=f"drill-{city}-zh").select(street).run())
    assert_view(at, units, street, 90, "overdue_cases")
    at = ok(at.selectbox(key=f"drill-{street}-zh").select(community).run())
    at = ok(crumbs(at)[street].click().run())  # one level up
    assert_view(at, units, street, 90, "overdue_cases")


@pytest.mark.usefixtures("app_env")
def test_language_switch_keeps_unit_period_and_metric(units, start):
    street = units.first("street")
    at = ok(start(unit=street))
    at = ok(at.sidebar.selectbox(key="period").select(7).run())
    at = ok(at.sidebar.selectbox(key="metric").select("active_alerts").run())
    at = ok(at.sidebar.radio(key="lang").set_value("en").run())
    assert_view(at, units, street, 7, "active_alerts", "en")


# ---------------------------------------------------------------- 3. deep links

@pytest.mark.parametrize("level", ["street", "community"])
@pytest.mark.usefixtures("app_env")
def test_deep_link_opens_unit(units, start, level):
    code = units.first(level)
    at = start(unit=code)
    assert_view(at, units, code, 30, "open_cases")
    assert at.warning == []


@pytest.mark.usefixtures("app_env")
def test_deep_link_to_grid_honours_period_metric_and_lang(units, start):
    grid = units.children(units.first("community"))[1]
    at = start(unit=grid, period="365", metric="population", lang="en")
    assert_view(at, units, grid, 365, "population", "en")
    assert at.warning == []
    assert "Grid" in header_html(at)
    layer = units_layer(json.loads(deck(at).json))
    assert [f["properties"]["code"] for f in layer["data"]["features"]] == [grid]
    assert layer["data"]["features"][0]["properties"]["label"] == "Population"


@pytest.mark.usefixtures("app_env")
def test_link_with_invalid_period_metric_and_lang_falls_back_to_defaults(units, start):
    street = units.first("street")
    at = start(unit=street, period="45", metric="drop_table", lang="fr")
    assert_view(at, units, street, 30, "open_cases", "zh")


# ---------------------------------------------------------------- 4. malformed or unknown codes

@pytest.mark.parametrize("code", ["abc", "'; DROP TABLE admin_unit;--", "999999999999", "330681001001999",
                                  "[重新登录](http://evil.example/login) ![x](http://evil.example/t.png)"])
def test_bad_unit_code_shows_notice_and_city(app_env, units, start, code):
    at = start(unit=code)
    assert_view(at, units, units.city, 30, "open_cases")
    assert len(at.warning) == 1
    notice = at.warning[0].value
    # The code is echoed (at most 40 characters) inside a markdown code span: a crafted link renders as text.
    assert f"`{code[:40]}`" in notice and "已显示全市" in notice
    assert notice.count("`") == 2
    assert kpi_value(kpi_html(at), "registered") != "—"
    at = ok(at.run())  # the notice is shown once, not on every rerun
    assert at.warning == []
    with sqlite3.connect(app_env.db_path) as conn:
        assert conn.execute("SELECT count(*) FROM admin_unit").fetchone()[0] == len(units.rows)
    conn.close()


@pytest.mark.fresh_server
@pytest.mark.usefixtures("app_env")
def test_fresh_server_deep_link_to_a_page_path_keeps_sidebar_and_unit(units, start):
    """A bookmarked ``/overview?unit=…`` opened first after a server start.

    Until some session has run ``st.navigation``, Streamlit treats ``pages/`` as a legacy
    (v1) pages folder and runs ``pages/overview.py`` alone: no sidebar, no seeding from the
    link, no first-run demo build. Reproduced in a real server with Chromium as well; the
    fix is to move the page files out of a folder named ``pages/`` (see the report).
    """
    street = units.first("street")
    at = ok(start(page="pages/overview.py", unit=street))
    assert at.sidebar.radio(key="lang").value == "zh"
    assert_view(at, units, street, 30, "open_cases")


@pytest.mark.fresh_server
@pytest.mark.usefixtures("app_env")
def test_fresh_server_deep_link_to_another_page_opens_that_page(start):
    """The link's page survives the detour through app.py: /about opened first shows the about page."""
    at = ok(start(page="pages/about.py", lang="en"))
    assert [h.value for h in at.header] == ["About the data"]
    assert at.get("deck_gl_json_chart") == []


@pytest.mark.usefixtures("app_env")
def test_every_unit_renders_with_its_children_on_the_map(units, start):
    """A sweep over every unit of the small city (19) and one grid of each community, one metric and
    period per unit in turn. Every grid's page is drawn by one code path from its community's
    boundary file: one grid per community reaches every file at a third of the run time."""
    metrics = ["population", "density", "open_cases", "overdue_cases", "active_alerts", "points_per_1000"]
    first_grids = {community: code for code, (_, community) in sorted(units.grids.items(), reverse=True)}
    codes = sorted(units.rows) + sorted(first_grids.values())
    assert len(codes) > 25 and len(first_grids) == sum(1 for r in units.rows.values() if r[1] == "community")
    for i, code in enumerate(codes):
        metric, period, lang = metrics[i % 6], (7, 30, 90, 365)[i % 4], ("zh", "en")[i % 2]
        at = start(unit=code, metric=metric, period=str(period), lang=lang)
        assert_view(at, units, code, period, metric, lang)
        assert at.warning == [] and at.error == []
        features = units_layer(json.loads(deck(at).json))["data"]["features"]
        assert sorted(f["properties"]["code"] for f in features) == (units.children(code) or [code])
        assert all(f["properties"]["value"] >= 0 for f in features)
        assert kpi_html(at).count('class="kpi" data-key=') == N_KPIS


def test_unit_names_are_escaped_in_the_header(clean_env, small_demo, units, start, tmp_path):
    db = tmp_path / "city.sqlite"
    shutil.copyfile(small_demo.db_path, db)
    grid = sorted(units.grids)[0]
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE grid SET name = ? WHERE code = ?", ("<b>A&B</b>网格", grid))
    conn.close()
    clean_env.setenv("COCKPIT_DB_URL", f"sqlite:///{db}")
    clean_env.setenv("COCKPIT_GEO_DIR", str(small_demo.geo_dir))
    header = header_html(ok(start(unit=grid)))
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;网格" in header and "<b>" not in header


# ---------------------------------------------------------------- 5. the map

@pytest.mark.parametrize("level", ["city", "street", "community", "grid"])
@pytest.mark.usefixtures("app_env")
def test_map_draws_children_of_unit_offline_and_small(units, start, level):
    code = units.city if level == "city" else units.first(level) if level != "grid" else \
        units.children(units.first("community"))[0]
    at = ok(start(unit=code))
    proto = deck(at)
    assert at.get("deck_gl_json_chart")[0].key == f"map-{code}"  # keyed per unit: a selection never carries over
    spec = json.loads(proto.json)
    # pydeck's sentinel with no provider draws no basemap; an absent mapStyle means provider "carto",
    # which Streamlit turns into a Carto style fetched from the internet (cockpit.views.map.build_deck,
    # docs/basemap.md).
    assert spec.get("mapStyle") == "__MAP_STYLE__" and "mapProvider" not in spec
    assert not re.search(r"https?://|mapbox://|cartocdn", proto.json), "the map must not fetch anything"
    assert proto.mapbox_token == ""
    features = units_layer(spec)["data"]["features"]
    drawn = [f["properties"]["code"] for f in features]
    expected = [code] if level == "grid" else units.children(code)
    assert sorted(drawn) == expected and len(drawn) == len(set(drawn))
    for f in features:
        p = f["properties"]
        assert p["name"] == units.name(p["code"])
        assert p["label"] == "在办事件" and p["value"] >= 0 and len(p["fill"]) == 4
    assert proto.ByteSize() < ONE_MB


@pytest.mark.usefixtures("app_env")
def test_intranet_basemap_style_is_passed_to_the_map(clean_env, start):
    style = "http://gis.intranet/cockpit-style.json"
    clean_env.setenv("COCKPIT_BASEMAP_STYLE", style)
    spec = json.loads(deck(ok(start())).json)
    assert spec["mapStyle"] == style
    assert "cartocdn" not in json.dumps(spec) and "mapbox://" not in json.dumps(spec)


# ---------------------------------------------------------------- 6. KPI cards

@pytest.mark.parametrize(
    ("lang", "labels", "mom", "yoy"),
    [
        ("zh", ["人口", "事件", "风险预警", "积分治理", "户籍人口", "在办事件", "活跃预警", "获得积分"], "环比", "同比"),
        ("en", ["Population", "Cases", "Risk alerts", "Participation", "Registered", "Open", "Active alerts",
                "Points earned"], "vs prev.", "YoY"),
    ],
)
@pytest.mark.usefixtures("app_env")
def test_kpi_cards_cover_four_themes_with_changes(start, lang, labels, mom, yoy):
    html = kpi_html(ok(start(lang=lang)))
    assert html.count('class="card theme-') == 4
    themes, figures = labels[:4], labels[4:]
    for label in themes:
        assert f'<h2 class="ct">{label}</h2>' in html, label  # each card titled by a heading (#25)
    for label in figures:
        assert f">{label}</div>" in html, label
    assert html.count('class="kpi" data-key=') == N_KPIS
    assert html.count(f">{mom} ") == N_KPIS and html.count(f">{yoy} ") == N_KPIS
    assert "—" != kpi_value(html, "open")


@pytest.mark.parametrize("level", ["city", "street"])
def test_registered_population_matches_the_database(app_env, units, start, level):
    """The KPI equals an independent SUM over the latest snapshot (English: exact digits)."""
    code = units.city if level == "city" else units.first("street")
    prefix = code[:6] if level == "city" else code[:9]
    with sqlite3.connect(app_env.db_path) as conn:
        (expected,) = conn.execute(
            "SELECT sum(registered) FROM population_stat WHERE grid_code LIKE ? AND as_of = "
            "(SELECT max(as_of) FROM population_stat WHERE as_of <= (SELECT date(max(received_at)) FROM case_record))",
            (prefix + "%",),
        ).fetchone()
    conn.close()
    assert expected > 0
    html = kpi_html(ok(start(unit=code, lang="en")))
    assert kpi_value(html, "registered") == f"{expected:,}"


# ---------------------------------------------------------------- 7. broken setups

def notices(at: AppTest) -> list[str]:
    """The text of the page frame's store notices (never Streamlit's exception or error boxes)."""
    assert not at.exception and not at.error
    return [re.sub(r"<[^>]+>", " ", b) for b in html_bodies(at) if 'class="ck-notice"' in b]


def test_unreachable_database_shows_notice(clean_env, start, tmp_path):
    clean_env.setenv("COCKPIT_DB_URL", "sqlite:////nonexistent-dir/x.sqlite")
    clean_env.setenv("COCKPIT_GEO_DIR", str(tmp_path / "geo"))
    at = ok(start())
    [notice] = notices(at)
    assert "无法连接数据库：sqlite:////nonexistent-dir/x.sqlite。请检查 COCKPIT_DB_URL 或数据库服务。" in notice
    assert "暂无可显示的数据" in notice and "自动重试" in notice
    assert at.get("deck_gl_json_chart") == [] and not [b for b in html_bodies(at) if 'class="cards"' in b]
    assert not (tmp_path / "geo").exists()  # no demo was built for a URL that was given explicitly


def test_unreachable_server_hides_password(clean_env, start):
    clean_env.setenv("COCKPIT_DB_URL", "postgresql://cockpit:s3cret@127.0.0.1:9/city")
    at = ok(start(lang="en"))
    [message] = notices(at)
    assert "Cannot reach the database" in message and "127.0.0.1:9" in message and "s3cret" not in message
    assert not CJK.search(message)


def test_unparsable_database_url_shows_notice(clean_env, start):
    clean_env.setenv("COCKPIT_DB_URL", "not a database url")
    at = ok(start())
    [message] = notices(at)
    assert "无法连接数据库" in message and "not a database url" not in message  # an unparsable URL is never echoed


def test_empty_database_shows_no_data_error(clean_env, start, tmp_path):
    path = tmp_path / "empty.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    clean_env.setenv("COCKPIT_DB_URL", f"sqlite:///{path}")
    clean_env.setenv("COCKPIT_GEO_DIR", str(tmp_path / "geo"))
    at = ok(start())
    [message] = notices(at)
    assert "数据库中没有驾驶舱所需的数据表或数据" in message and "python -m cockpit demo" in message
    assert at.get("deck_gl_json_chart") == []


@pytest.mark.usefixtures("app_env")
def test_missing_geo_dir_warns_but_shows_figures(clean_env, units, start, tmp_path):
    missing = tmp_path / "no-geo"
    clean_env.setenv("COCKPIT_GEO_DIR", str(missing))
    at = ok(start())
    assert at.get("deck_gl_json_chart") == []  # no outline anywhere to draw
    # What is missing in the viewer's words, never the server's path (#28: that goes to the log and to check)
    [notice] = [i.value for i in at.info if "边界" in i.value]
    assert notice.startswith("本市下的街道尚无边界，可导入街道边界 GeoJSON。") and str(missing) not in notice
    assert not at.warning
    assert kpi_value(kpi_html(at), "registered") != "—"
    assert len(chart_svgs(at)) == 2  # the trends, and the streets ranked in the map's place
    at = ok(at.selectbox(key=f"drill-{units.city}-zh").select(units.first("street")).run())  # still drillable
    assert_view(at, units, units.first("street"), 30, "open_cases")


def test_units_without_any_facts_read_no_data(clean_env, small_demo, units, start, tmp_path):
    """The hierarchy is loaded but no cases, alerts, points or population yet: every theme card says
    "No data yet" (not 0, #28) with the import command (the open demo's operator), the header too; no crash."""
    db = tmp_path / "city.sqlite"
    shutil.copyfile(small_demo.db_path, db)
    with sqlite3.connect(db) as conn:
        for table in ("case_event", "case_record", "alert", "points_ledger", "population_stat", "activity", "vote"):
            conn.execute(f"DELETE FROM {table}")
    conn.close()
    clean_env.setenv("COCKPIT_DB_URL", f"sqlite:///{db}")
    clean_env.setenv("COCKPIT_GEO_DIR", str(small_demo.geo_dir))
    for code in (units.city, units.first("community"), units.children(units.first("community"))[0]):
        at = start(unit=code, lang="en")
        assert_view(at, units, code, 30, "open_cases", "en")
        assert at.error == [] and at.warning == []
        html = kpi_html(at)
        assert html.count("No data yet") == 4 and 'class="kv"' not in html  # was 0 and — before #28: the tables are empty
        assert "python -m cockpit import csv population.csv --table population_stat" in html
        assert "Data as of No data yet" in header_html(at)
        assert len(chart_svgs(at)) == 1 and chart_svgs(at)[0].count(">No data yet<") == 4


# ---------------------------------------------------------------- 8. first run

def test_first_run_builds_the_demo_then_renders(clean_env, start, tmp_path):
    db = tmp_path / "data" / "cockpit.sqlite"
    geo = tmp_path / "geo"
    clean_env.setenv("COCKPIT_DB_URL", f"sqlite:///{db}")
    clean_env.setenv("COCKPIT_GEO_DIR", str(geo))
    clean_env.setenv("COCKPIT_BUILD_DEMO", "1")
    clean_env.setenv("COCKPIT_DEMO_PRESET", "small")
    assert not db.exists()
    at = ok(start())
    assert db.is_file() and (geo / "units.geojson").is_file()
    assert at.error == [] and at.warning == []
    assert "诸暨市" in header_html(at)
    assert kpi_value(kpi_html(at), "registered") != "—"
    spec = json.loads(deck(at).json)
    assert len(units_layer(spec)["data"]["features"]) == 3  # the small preset's three streets
    at = ok(at.run())  # a rerun reads the built file without rebuilding it
    assert "诸暨市" in header_html(at)


@pytest.mark.usefixtures("app_env")
def test_comparisons_need_data_covering_their_window(start):
    """The demo holds 400 days: a 90-day period has no full year-ago window, so 同比 is "—", never a fake change."""
    long = kpi_html(ok(start(period="90")))
    assert long.count("同比 —") == N_KPIS
    assert long.count("环比 —") < N_KPIS  # the previous 90 days are covered
    short = kpi_html(ok(start(period="30")))
    assert short.count("同比 —") < N_KPIS


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize("lang, title", [("zh", "趋势"), ("en", "Trends")])
def test_the_charts_image_is_named_and_carries_no_per_mark_aria(units, start, lang, title):
    """The trends are an <img>: its alt text names it (assistive technology never enters an image), so
    the ARIA attributes Vega writes on every mark are left out of the bytes a phone waits for."""
    at = ok(start(unit=units.city, lang=lang))
    (img,) = [i.proto.imgs[0] for i in at.image]
    assert img.alt == title
    svg = base64.b64decode(img.url.split(",", 1)[1]).decode("utf-8")
    assert svg.startswith("<svg") and "<path" in svg
    # Vega keeps ARIA on a few group containers; without aria:false every mark and axis tick has its own
    # (the small city's trends: 140 aria-label and 157 role attributes, a quarter of the bytes).
    assert svg.count("aria-label=") < 10 and svg.count("role=") < 40


@pytest.mark.usefixtures("app_env")
def test_the_sub_units_list_orders_by_the_months_score_as_the_rankings_page_ranks(start, units):
    """#21: the overview's list of sub-units can be ordered by 考核综合分, and the figures are the rankings page's."""
    at = start(unit=units.city)
    at.selectbox(key="ov_child_sort").set_value("score")
    at = at.run()
    assert not at.exception and not at.error
    [listed] = [d.value for d in at.dataframe if "考核综合分" in d.value.columns]
    scores = listed["考核综合分"].dropna()
    assert len(scores) >= 2 and list(scores) == sorted(scores, reverse=True)
    code_of = {units.name(c): c for c in units.children(units.city)}
    assert set(listed["名称"]) == set(code_of)  # every child listed
    listed = listed.assign(代码=listed["名称"].map(code_of))

    ranking = start(page="pages/ranking.py", unit=units.city)
    ranked = pd.concat([d.value for d in ranking.dataframe if (d.key or "").startswith("rk-table-")])
    on_page = dict(zip(ranked["代码"], ranked["综合分"], strict=True))
    for code, score in zip(listed["代码"], listed["考核综合分"], strict=True):
        if not pd.isna(score):
            assert score == pytest.approx(float(on_page[code]), abs=0.01), code
    first = listed.iloc[0]
    assert first["考核名次"].split(" ")[-1] in ("1", "1（并列）")  # first in its peer group (街道 or 镇)
