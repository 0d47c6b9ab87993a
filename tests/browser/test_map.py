"""The cockpit in a real browser: the offline map paints, a click on a street drills into it,
the breadcrumb climbs back, and the overview fits a 1920×1080 screen.

Screenshots for people to look at go to ``test-output/browser/``.
"""

from __future__ import annotations

import io
import math
import re
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import pytest
from PIL import Image
from shapely.geometry import Point, shape
from shapely.ops import polylabel

from cockpit.tools.bench.browser import painted_share

pytestmark = pytest.mark.browser

CITY = "330681000000"
CITY_NAME = "诸暨市"
DECK = "[data-testid='stDeckGlJsonChart']"
CANVAS = f"{DECK} canvas"
TITLE = "h1.ck-title"
PAINT_TIMEOUT = 45.0  # seconds; a cold browser needs ~10 s for the deck.gl bundle and first paint
TOLERANCE_PX = 2


# ---------------------------------------------------------------- helpers

def app_exceptions(page) -> list[str]:
    """Python exceptions Streamlit rendered into the page."""
    return page.locator("[data-testid=stException]").all_inner_texts()


def wait_for_idle(page, timeout: float = PAINT_TIMEOUT) -> None:
    """Wait until the script run is over and no stale element (e.g. the previous unit's map) is left."""
    try:
        page.wait_for_function(
            """() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'
                && !document.querySelector('[data-stale=true]')
                && document.querySelectorAll("[data-testid=stDeckGlJsonChart] canvas").length === 1""",
            timeout=timeout * 1000,
        )
    except Exception as exc:  # noqa: BLE001 - say why, the timeout alone does not
        errors = app_exceptions(page)
        alerts = page.locator("[data-testid=stAlert]").all_inner_texts()
        pytest.fail(f"app not idle with one map after {timeout:.0f} s at {page.url}: exceptions {errors}, "
                    f"notices {alerts} ({exc.__class__.__name__})")
    assert app_exceptions(page) == [], f"the app raised at {page.url}"


def wait_for_map(page, timeout: float = PAINT_TIMEOUT) -> Image.Image:
    """Wait until the deck.gl canvas exists and shows more than the page background; return its pixels."""
    wait_for_idle(page, timeout)
    deadline = time.monotonic() + timeout
    shot = None
    while time.monotonic() < deadline:
        shot = Image.open(io.BytesIO(page.locator(CANVAS).screenshot(animations="disabled"))).convert("RGB")
        if painted_share(shot) > 0.05:
            return shot
        time.sleep(0.5)
    pytest.fail(f"the map canvas stayed blank for {timeout:.0f} s (painted share {painted_share(shot):.3f})")


def wait_for_charts(page, count: int = 1) -> None:
    page.wait_for_function(
        "n => [...document.querySelectorAll('[data-testid=stImage] img')]"
        ".filter(e => e.complete && e.naturalWidth > 0).length >= n",
        arg=count,
    )


def query(page) -> dict[str, str]:
    return dict(parse_qsl(urlparse(page.url).query))


def query_unit(page) -> str | None:
    return query(page).get("unit")


def view_settings(page) -> dict[str, str]:
    """What the viewer chose, apart from the unit: URL parameters and the sidebar toggles."""
    settings = {k: v for k, v in query(page).items() if k != "unit"}
    toggles = page.locator("[data-testid=stSidebar] [data-testid=stCheckbox]").all()
    # the three layer toggles (cockpit.ui.state): found, or the layers would silently drop out of the comparison
    assert len(toggles) == 3, f"expected the sidebar's three toggles, found {len(toggles)}"
    for toggle in toggles:
        settings[toggle.inner_text().strip()] = str(toggle.locator("input").is_checked())
    return settings


def latest_deck(watch, parent_prefix: str) -> dict:
    """The last deck spec received whose unit features all belong to the unit with this code prefix."""
    for deck in reversed(watch.decks):
        feats = unit_features(deck)
        if feats and all(f["properties"]["code"].startswith(parent_prefix) for f in feats):
            return deck
    raise AssertionError(f"no deck spec for children of {parent_prefix!r} among {len(watch.decks)} received")


def unit_features(deck: dict) -> list[dict]:
    for layer in deck.get("layers", []):
        if layer.get("id") == "units":
            return layer["data"]["features"]
    return []


def world_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """deck.gl's web-Mercator world coordinates in CSS pixels (512-pixel world at zoom 0)."""
    scale = 512 * 2**zoom
    x = (lon + 180) / 360 * scale
    y = (math.pi - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))) / (2 * math.pi) * scale
    return x, y


def candidate_points(geometry: dict) -> list[Point]:
    """Points well inside a polygon: its pole of inaccessibility first, then interior points far from edges."""
    poly = shape(geometry)
    if poly.geom_type == "MultiPolygon":
        poly = max(poly.geoms, key=lambda g: g.area)
    points = [polylabel(poly, 1e-5), poly.representative_point()]
    x0, y0, x1, y1 = poly.bounds
    grid = [Point(x0 + (x1 - x0) * i / 8, y0 + (y1 - y0) * j / 8) for i in range(1, 8) for j in range(1, 8)]
    inside = sorted((p for p in grid if poly.contains(p)), key=lambda p: -poly.exterior.distance(p))
    return points + inside[:6]


def click_feature(page, deck: dict, feature: dict) -> None:
    """Hover points inside the feature until deck.gl's tooltip names it (no alert dot on top), then click."""
    page.locator(DECK).evaluate("e => e.scrollIntoView({block: 'center'})")
    box = page.locator(CANVAS).bounding_box()
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], f"map not fully on screen: {box}"
    view = deck["initialViewState"]
    assert not view.get("pitch") and not view.get("bearing"), "projection below assumes a flat, north-up map"
    cx, cy = world_px(view["longitude"], view["latitude"], view["zoom"])
    name = feature["properties"]["name"]
    seen = []
    for pt in candidate_points(feature["geometry"]):
        x, y = world_px(pt.x, pt.y, view["zoom"])
        px, py = box["x"] + box["width"] / 2 + (x - cx), box["y"] + box["height"] / 2 + (y - cy)
        if not (box["x"] + 5 < px < box["x"] + box["width"] - 5 and box["y"] + 5 < py < box["y"] + box["height"] - 5):
            seen.append(f"({px:.0f},{py:.0f}) off the canvas")
            continue
        page.mouse.move(px, py, steps=3)
        tooltip = page.locator(f"{DECK} .deck-tooltip")
        try:
            tooltip.wait_for(state="visible", timeout=3000)
            text = tooltip.inner_text()
        except Exception:  # noqa: BLE001 - no tooltip: nothing pickable under the pointer
            text = ""
        if text.splitlines()[:1] == [name]:
            page.mouse.click(px, py)
            return
        seen.append(f"({px:.0f},{py:.0f}) tooltip {text!r}")
    pytest.fail(f"could not find a point on the map that picks {name}: " + "; ".join(seen))


def assert_fits_screen(page, what: str) -> None:
    """Nothing scrolls and the KPI cards, map, legend and charts are all inside the viewport."""
    vp = page.viewport_size
    sizes = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid=stMain]');
            const doc = document.scrollingElement;
            return {main: [main.scrollHeight, main.clientHeight], doc: [doc.scrollHeight, window.innerHeight]};
        }"""
    )
    assert sizes["main"][0] <= sizes["main"][1] + TOLERANCE_PX, f"{what}: main area scrolls: {sizes}"
    assert sizes["doc"][0] <= vp["height"] + TOLERANCE_PX, f"{what}: page scrolls: {sizes}"
    parts = {"KPI cards": ".cards", "map": DECK, "legend": ".legend", "title": TITLE}
    boxes = {label: page.locator(sel).first.bounding_box() for label, sel in parts.items()}
    for i, chart in enumerate(page.locator("[data-testid=stImage] img").all()):
        boxes[f"chart {i + 1}"] = chart.bounding_box()
    assert len(boxes) >= len(parts) + 1, f"{what}: expected the chart panel, got {boxes}"
    for label, b in boxes.items():
        assert b is not None, f"{what}: {label} not rendered"
        assert b["y"] >= -TOLERANCE_PX and b["y"] + b["height"] <= vp["height"] + TOLERANCE_PX, (
            f"{what}: {label} vertically outside the {vp['width']}x{vp['height']} screen: {b}")
        assert b["x"] >= -TOLERANCE_PX and b["x"] + b["width"] <= vp["width"] + TOLERANCE_PX, (
            f"{what}: {label} horizontally outside the screen: {b}")


def assert_chinese_only(page, what: str) -> None:
    """The Chinese screen shows no English words in the main area (axes, legends, KPI labels, notices)."""
    text = page.locator("[data-testid=stMain]").inner_text()
    words = sorted(set(re.findall(r"[A-Za-z]{2,}", text)))
    assert words == [], f"{what}: English text on the Chinese screen: {words}"


def save(page, output_dir: Path, name: str) -> Path:
    path = output_dir / name
    page.screenshot(path=str(path))
    return path


def open_unit(page, server, code: str | None = None) -> None:
    page.goto(server.base_url + (f"/?unit={code}" if code else "/"), wait_until="domcontentloaded")
    page.locator(TITLE).wait_for()


# ---------------------------------------------------------------- tests

VIEWPORTS = [
    pytest.param((1440, 900), 0, id="1440x900"),
    pytest.param((1920, 1080), -1, id="1920x1080"),
]


@pytest.mark.parametrize(("viewport", "street_index"), VIEWPORTS)
def test_click_on_map_drills_into_street_and_breadcrumb_returns(
    watched_page, cockpit_server, output_dir, viewport, street_index
):
    width, height = viewport
    tag = f"{width}x{height}"
    page, watch = watched_page(width, height)

    open_unit(page, cockpit_server)
    assert f"unit={CITY}" in page.url, "the URL follows the view from the first render"
    assert CITY_NAME in page.locator(TITLE).inner_text()
    wait_for_map(page)
    wait_for_charts(page)
    city_deck = latest_deck(watch, CITY[:6])
    streets = sorted(unit_features(city_deck), key=lambda f: f["properties"]["code"])
    assert len(streets) == 3, f"the small city has 3 streets on its map, got {[f['properties'] for f in streets]}"
    page.locator(DECK).evaluate("e => e.scrollIntoView({block: 'center'})")
    save(page, output_dir, f"city-{tag}.png")

    settings = view_settings(page)
    assert settings.get("period") == "30" and settings.get("metric") == "open_cases", settings
    street = streets[street_index]
    code, name = street["properties"]["code"], street["properties"]["name"]
    click_feature(page, city_deck, street)
    page.wait_for_url(re.compile(rf"[?&]unit={code}(&|$)"), timeout=20_000)
    assert query_unit(page) == code
    page.locator(TITLE, has_text=name).wait_for(timeout=20_000)
    # The map now shows that street's communities.
    wait_for_map(page)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(
        unit_features(d) and all(f["properties"]["code"].startswith(code[:9]) for f in unit_features(d))
        for d in watch.decks
    ):
        time.sleep(0.2)
    street_deck = latest_deck(watch, code[:9])
    assert len(unit_features(street_deck)) >= 2, "a street's map shows its communities"
    wait_for_charts(page)
    assert view_settings(page) == settings, "drilling down must keep the period, metric, language and layers"
    time.sleep(0.5)  # let the new map finish its paint before the picture for people
    page.mouse.move(1, 1)  # no tooltip or toolbar hover in the screenshot
    save(page, output_dir, f"street-{tag}.png")
    assert_chinese_only(page, f"street view {tag}")

    page.get_by_role("button", name=CITY_NAME, exact=True).click()
    page.wait_for_url(re.compile(rf"[?&]unit={CITY}(&|$)"), timeout=20_000)
    page.locator(TITLE, has_text=CITY_NAME).wait_for(timeout=20_000)
    wait_for_map(page)
    assert query_unit(page) == CITY
    assert view_settings(page) == settings, "climbing back up must keep the viewer's settings"

    watch.assert_clean()


def test_overview_fits_full_hd_screen(watched_page, cockpit_server, output_dir):
    page, watch = watched_page(1920, 1080)
    open_unit(page, cockpit_server)
    wait_for_map(page)
    wait_for_charts(page)
    page.mouse.move(1, 1)
    assert_fits_screen(page, "city view")
    assert_chinese_only(page, "city view")

    # A street opened by deep link fits as well (longer names, a second breadcrumb button).
    street_deck_codes = sorted(f["properties"]["code"] for f in unit_features(latest_deck(watch, CITY[:6])))
    street = street_deck_codes[0]
    open_unit(page, cockpit_server, street)
    assert query_unit(page) == street
    wait_for_map(page)
    wait_for_charts(page)
    page.mouse.move(1, 1)
    assert_fits_screen(page, "street view")
    save(page, output_dir, "street-deeplink-1920x1080.png")

    watch.assert_clean()
