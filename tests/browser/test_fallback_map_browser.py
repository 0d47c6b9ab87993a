"""A city's first day in Chromium (#28): the city outline only, no street, community or grid boundaries.

One server on the small demo's database with such a boundary folder; at a street and at a community
the overview's map canvas paints (the city's outline and the unit's points), the notice names what is
missing in the viewer's words, the children are ranked, no error box and no server path on the page.
Screenshots for people to look at go to ``test-output/browser/``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from cockpit.tools.bench.browser import painted_share
from cockpit.tools.bench.servers import BrowserBenchError, Server, streamlit_servers

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
STREET, COMMUNITY = "330681001000", "330681001001"
NOTICE = {STREET: "本街道下的社区尚无边界，可导入社区边界 GeoJSON", COMMUNITY: "本社区下的网格尚无边界，可导入网格边界 GeoJSON"}
RANKED = {STREET: "下级社区排名", COMMUNITY: "下级网格排名"}
CANVAS = "[data-testid='stDeckGlJsonChart'] canvas"
PAINT_TIMEOUT_S = 45.0


@pytest.fixture(scope="module")
def first_day_geo(small_demo, tmp_path_factory) -> Path:
    """The small demo's boundary folder as a real city's first day: the city (and district) outlines alone."""
    geo = tmp_path_factory.mktemp("first-day") / "geo"
    geo.mkdir()
    doc = json.loads((small_demo.geo_dir / "units.geojson").read_text(encoding="utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["level"] in ("city", "district")]
    (geo / "units.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return geo


@pytest.fixture(scope="module")
def first_day_server(small_demo, first_day_geo, tmp_path_factory) -> Iterator[Server]:
    scratch = tmp_path_factory.mktemp("first-day-server")
    env = {"COCKPIT_DB_URL": small_demo.db_url, "COCKPIT_GEO_DIR": str(first_day_geo), "COCKPIT_BUILD_DEMO": "0",
           "COCKPIT_USERS_FILE": str(scratch / "no-users.toml"), "COCKPIT_AUDIT_URL": f"sqlite:///{scratch / 'audit.sqlite'}"}
    try:
        with streamlit_servers({"first-day": (REPO / "app.py", env)}, scratch) as servers:
            yield servers["first-day"]
    except BrowserBenchError as exc:
        pytest.fail(f"streamlit did not start: {exc}")


def wait_until_drawn(page) -> None:
    page.wait_for_function(
        """() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'
            && !document.querySelector('[data-stale=true]')
            && document.querySelectorAll("[data-testid=stDeckGlJsonChart] canvas").length === 1""",
        timeout=PAINT_TIMEOUT_S * 1000)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stImage] img')]"
                           ".every(e => e.complete && e.naturalWidth > 0)")


def canvas_painted(page) -> float:
    """The share of the map canvas painted, once it is more than the background (or the last seen share)."""
    share = 0.0
    for _ in range(int(PAINT_TIMEOUT_S / 0.5)):
        shot = Image.open(io.BytesIO(page.locator(CANVAS).screenshot(animations="disabled"))).convert("RGB")
        share = painted_share(shot)
        if share > 0.05:
            break
        page.wait_for_timeout(500)
    return share


@pytest.mark.parametrize("code", [STREET, COMMUNITY])
def test_first_day_map_paints_the_outline_with_the_notice_and_ranking(watched_page, first_day_server, first_day_geo,
                                                                      output_dir, code):
    page, watch = watched_page(1600, 1400)
    page.goto(f"{first_day_server.base_url}/?unit={code}")
    wait_until_drawn(page)
    share = canvas_painted(page)
    page.screenshot(path=str(output_dir / f"first_day_{code}.png"))
    assert share > 0.05, f"the map canvas stayed blank (painted share {share:.3f})"
    assert page.locator("[data-testid=stException]").count() == 0
    alerts = page.locator("[data-testid=stAlert]").all_inner_texts()
    assert [a for a in alerts if NOTICE[code] in a], alerts
    assert not [a for a in alerts if "无法读取" in a or "问题" in a], alerts  # no error box of any kind
    text = page.locator("[data-testid=stMain]").inner_text()
    assert str(first_day_geo) not in text and str(first_day_geo.parent) not in text
    alts = [img.get_attribute("alt") or "" for img in page.locator("[data-testid=stImage] img").all()]
    assert any(a.startswith(RANKED[code]) for a in alts), alts
    [deck] = [d for d in watch.decks if any(layer.get("id") == "outline" for layer in d["layers"])][-1:]
    assert "units" not in [layer["id"] for layer in deck["layers"]]
    watch.assert_clean()
