"""Phones and tablets: every page at 390×844 and 768×1024 with mobile emulation (device scale 3, touch).

For each page, every tab opened: the sidebar starts collapsed, nothing overflows sideways (the document
is as wide as the viewport, the main area does not scroll sideways, no element reaches past the
right edge; a table's cells scroll inside its box), the cards and maps are inside the
viewport's width, a phone shows at most two figures a row, the breadcrumb and the child picker
are at least 44 px tall. On the phone's map a one-finger swipe scrolls the page, two fingers
move the map, and a tap on a shape drills into it. A phone opening the bare app lands on its
home; the big screen shows its upright canvas inside the screen. Screenshots (top of each page
and one screen further down) go to test-output/browser/. See docs/mobile.md.
"""

from __future__ import annotations

import io
import re
import sqlite3
import time
from contextlib import closing
from urllib.parse import parse_qsl, urlparse

import pytest
from PIL import Image, ImageChops

pytestmark = pytest.mark.browser

CITY = "330681000000"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.0 Mobile/15E148 Safari/604.1")
IPAD = ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.0 Mobile/15E148 Safari/604.1")
SCREENS = {"390x844": (390, 844, IPHONE), "768x1024": (768, 1024, IPAD)}
# URL path -> what the page must show (test ids); "" is the overview (the default page)
PAGES = {
    "home": (".mb-figs",),
    "": (".cards", "[data-testid=stDeckGlJsonChart]"),
    "cases": (".card", "[data-testid=stDataFrame]"),
    "alerts": (".ck-alert-cards", "[data-testid=stDeckGlJsonChart]"),
    "participation": ("[data-testid=stDeckGlJsonChart]",),
    "grids": ("[data-testid=stDataFrame]",),
}
BOXED = (".cards, .card, .mb-figs, .ck-alert-cards, [data-testid=stDeckGlJsonChart], [data-testid=stImage] img, .legend, "
         "[data-testid=stDataFrame], [data-testid=stTabs]")
# The innermost visible elements of the main area that reach past the screen's right edge, with
# where they sit: a document can stay as wide as the screen while a part of it scrolls sideways
# or is cut off (the alerts page's tab strip once put its sixth tab at 371-413 px on a 390 px phone).
# A table's cells are left out where the table scrolls inside its own box (a data grid, a chart's
# data table): that box is what must stay inside the screen. Content of a closed toggle is not shown.
OVERFLOWING = """() => { const vw = window.innerWidth, out = [];
  const scrollsX = a => ['auto', 'scroll'].includes(getComputedStyle(a).overflowX);
  const inTableBox = e => { const table = e.closest('table');
    for (let a = table?.parentElement; a; a = a.parentElement) if (scrollsX(a)) return true;
    return false; };
  const past = e => { if (e.parentElement?.closest('[data-testid=stDataFrame]') || inTableBox(e)
                          || !e.checkVisibility()) return false;
    const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.right > vw + 1; };
  for (const e of document.querySelectorAll('[data-testid=stMain] *')) {
    if (!past(e) || [...e.children].some(past)) continue;
    const r = e.getBoundingClientRect(), where = [];
    for (let a = e.parentElement; a && where.length < 3; a = a.parentElement) where.push(a.dataset.testid || a.tagName);
    out.push(`${e.tagName} "${(e.textContent || '').trim().slice(0, 20)}" ${Math.round(r.left)}-${Math.round(r.right)} px in ${where.join(' < ')}`);
  }
  return out; }"""
DECK = "[data-testid=stDeckGlJsonChart]"
TIMEOUT_S = 45.0
TOLERANCE_PX = 1
TAP_TARGET_PX = 44


@pytest.fixture(scope="module", params=list(SCREENS))
def screen(request, browser, cockpit_server):
    """One emulated device per screen size, with one page reused for every check at that size."""
    width, height, agent = SCREENS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=3, is_mobile=True,
                                  has_touch=True, user_agent=agent, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_S * 1000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield request.param, page, errors, cockpit_server.base_url
    context.close()


def wait_idle(page) -> None:
    page.locator("h1.ck-title").first.wait_for(state="attached")
    page.wait_for_function(
        """() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'
            && !document.querySelector('[data-stale=true]')
            && !document.querySelector('[data-testid=stStatusWidget]')""")
    time.sleep(0.6)  # images decode, the map lays out
    assert page.locator("[data-testid=stException]").count() == 0, f"the app raised at {page.url}"


def unit_in(page) -> str | None:
    return dict(parse_qsl(urlparse(page.url).query)).get("unit")


def layout(page) -> dict:
    return page.evaluate(
        f"""() => {{
            const main = document.querySelector('[data-testid=stMain]');
            const side = document.querySelector('[data-testid=stSidebar]');
            const boxes = [...document.querySelectorAll({BOXED!r})].filter(e => e.offsetParent)
                .map(e => {{ const r = e.getBoundingClientRect();
                            return [e.className || e.dataset.testid || e.tagName, r.left, r.right]; }});
            const figs = [...document.querySelectorAll('.kgrid, .mb-figs')].filter(e => e.offsetParent)
                .map(e => getComputedStyle(e).gridTemplateColumns.split(' ').length);
            return {{doc: document.documentElement.scrollWidth, vw: window.innerWidth,
                     main: [main.scrollWidth, main.clientWidth], sidebar: side?.getAttribute('aria-expanded'),
                     sideRight: side ? side.getBoundingClientRect().right : 0, boxes, figs}};
        }}"""
    )


def check_tap_targets(page, tag: str) -> None:
    crumbs = page.locator(".st-key-ck-crumbs button").all()
    picker = page.locator(".st-key-ck-crumbs [data-baseweb=select] > div").all()
    assert crumbs, f"{tag}: no breadcrumb"
    for target in [*crumbs, *picker]:
        box = target.bounding_box()
        assert box["height"] >= TAP_TARGET_PX - 0.5, f"{tag}: a breadcrumb/picker target is {box['height']:.0f} px tall"


@pytest.mark.parametrize("path", list(PAGES), ids=[p or "overview" for p in PAGES])
def test_page_fits_the_screen(screen, output_dir, path):
    size, page, errors, base = screen
    tag = f"{path or 'overview'}-{size}"
    page.goto(f"{base}/{path}?unit={CITY}", wait_until="domcontentloaded")
    wait_idle(page)
    for part in PAGES[path]:
        # The map's element mounts once deck.gl's lazily loaded bundle arrives, up to a second after
        # the run has finished (a count right after wait_idle failed now and then under load).
        deadline = time.monotonic() + 15
        while page.locator(part).count() == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert page.locator(part).count() > 0, f"{tag}: {part} not drawn"
    found = layout(page)
    vw = found["vw"]
    assert found["sidebar"] == "false" or found["sideRight"] <= 0, f"{tag}: the sidebar starts open ({found['sidebar']})"
    assert found["doc"] == vw, f"{tag}: the document is {found['doc']} px wide on a {vw} px screen"
    assert found["main"][0] <= found["main"][1] + TOLERANCE_PX, f"{tag}: the main area scrolls sideways {found['main']}"
    for name, left, right in found["boxes"]:
        assert left >= -TOLERANCE_PX and right <= vw + TOLERANCE_PX, f"{tag}: {name} spans {left:.0f}–{right:.0f} px"
    if vw < 640:
        assert all(n <= 2 for n in found["figs"]), f"{tag}: more than two figures a row: {found['figs']}"
    check_tap_targets(page, tag)
    # Every tab's list too (one tab is drawn at a time), every toggle open (the charts' data tables):
    # nothing in any of them reaches past the edge.
    page.evaluate("() => document.querySelectorAll('[data-testid=stMain] details').forEach(d => { d.open = true; })")
    tabs = page.locator("[data-testid=stMain] [data-testid=stTab]")
    for i in range(max(tabs.count(), 1)):
        if tabs.count():
            tabs.nth(i).click()
            time.sleep(0.5)
        shown = tabs.nth(i).inner_text() if tabs.count() else ""
        assert page.evaluate(OVERFLOWING) == [], f"{tag} {shown}: wider than the screen"
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), f"{tag} {shown}: scrolls sideways"
    if tabs.count():
        tabs.first.click()
        time.sleep(0.5)
    page.screenshot(path=str(output_dir / f"mobile-{tag}.png"))
    page.locator("[data-testid=stMain]").evaluate("e => e.scrollBy(0, innerHeight * 0.8)")
    time.sleep(0.4)
    page.screenshot(path=str(output_dir / f"mobile-{tag}-down.png"))
    assert errors == [], f"{tag}: uncaught errors {errors}"


def canvas_pixels(page) -> Image.Image:
    return Image.open(io.BytesIO(page.locator(f"{DECK} canvas").first.screenshot())).convert("RGB")


def touch_drag(cdp, points_at) -> None:
    """A touch gesture: `points_at(step)` gives the touch points of each step."""
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points_at(0)})
    for step in range(1, 10):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": points_at(step)})
        time.sleep(0.02)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    time.sleep(0.6)


def _tooltip_text(page, within_s: float = 1.5) -> str:
    tip = page.locator(f"{DECK} .deck-tooltip")
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if tip.count() and tip.first.is_visible() and tip.first.inner_text().strip():
            return tip.first.inner_text()
        time.sleep(0.05)
    return ""


def _drilled(page, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if unit_in(page) != CITY:
            return True
        time.sleep(0.1)
    return False


def wait_one_map(page) -> None:
    """Until exactly one map is on the page (after a drill the old one goes away a moment later)."""
    page.wait_for_function(f"() => document.querySelectorAll({DECK + ' canvas'!r}).length === 1")
    time.sleep(1.0)  # deck.gl's first paint


def _map_centre(page) -> tuple[float, float]:
    page.locator(DECK).evaluate("e => e.scrollIntoView({block: 'center'})")
    time.sleep(0.4)
    box = page.locator(f"{DECK} canvas").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_phone_map_tap_drills_and_gestures(screen, output_dir):
    size, page, errors, base = screen
    page.goto(f"{base}/?unit={CITY}", wait_until="domcontentloaded")
    wait_idle(page)
    wait_one_map(page)
    assert page.locator(DECK).bounding_box()["height"] < page.viewport_size["height"] * 0.6, "room to scroll past the map"
    x, y = _map_centre(page)
    cdp = page.context.new_cdp_session(page)

    # A tap on a shape drills into it (the centre may hold an alert dot: points around it too).
    for dx, dy in ((0, 0), (-50, 30), (50, -30), (0, 60), (-60, -60)):
        # A tap as a phone sends it (touch events, then the compatibility mouse events), then the
        # same tap through Chromium's own gesture recognizer.
        page.touchscreen.tap(x + dx, y + dy)
        if _drilled(page, 5) or (cdp.send("Input.synthesizeTapGesture", {"x": x + dx, "y": y + dy,
                                                                           "gestureSourceType": "touch"}) is not None
                                 and _drilled(page, 5)):
            break
    street = unit_in(page)
    assert street and street != CITY and street.startswith(CITY[:6]), f"a tap on the map must drill: {page.url}"
    page.wait_for_url(re.compile(rf"[?&]unit={street}(&|$)"))
    wait_idle(page)
    wait_one_map(page)
    page.screenshot(path=str(output_dir / f"mobile-tap-drilled-{size}.png"))

    # On the street's map: one finger scrolls the page and leaves the map where it was ...
    main = page.locator("[data-testid=stMain]")
    x, y = _map_centre(page)
    before = main.evaluate("e => e.scrollTop")
    up = 1 if before > 150 else -1  # the finger moves down (the page scrolls up) when there is room above
    touch_drag(cdp, lambda i: [{"x": x, "y": y - up * (60 - 14 * i)}])
    moved = (before - main.evaluate("e => e.scrollTop")) * up
    assert moved > 40, f"a one-finger swipe on the map must scroll the page (scrolled {moved} px)"
    # ... and two fingers move the map, not the page.
    x, y = _map_centre(page)
    before, pixels = main.evaluate("e => e.scrollTop"), canvas_pixels(page)
    touch_drag(cdp, lambda i: [{"x": x - 40, "y": y + 60 - 12 * i, "id": 1}, {"x": x + 40, "y": y + 60 - 12 * i, "id": 2}])
    assert abs(main.evaluate("e => e.scrollTop") - before) < 5, "two fingers move the map, not the page"
    assert ImageChops.difference(pixels, canvas_pixels(page)).getbbox() is not None, "two fingers must move the map"
    assert errors == []


def test_phone_opens_on_its_home(screen):
    size, page, errors, base = screen
    page.goto(f"{base}/", wait_until="domcontentloaded")
    wait_idle(page)
    on_home = urlparse(page.url).path.rstrip("/").endswith("/home")
    if size.startswith("390"):
        assert on_home, f"a phone opening the bare app lands on its home, not {page.url}"
        assert page.locator("[data-testid=stPageLink]").count() >= 1, "the home links on to the full overview"
    else:
        assert not on_home, "a tablet opens the full overview"
    assert errors == []


def test_a_tap_opens_the_tooltip(screen, small_demo):
    """On a grid's own map a tap cannot drill (nothing below), so the tooltip it opens stays to be read."""
    with closing(sqlite3.connect(small_demo.db_path)) as con:
        (grid,) = con.execute("SELECT min(code) FROM grid").fetchone()
    _, page, errors, base = screen
    page.goto(f"{base}/?unit={grid}", wait_until="domcontentloaded")
    wait_idle(page)
    wait_one_map(page)
    x, y = _map_centre(page)
    tooltip = ""
    for dx, dy in ((0, 0), (-20, 10), (20, -10), (0, 25), (-25, -25)):
        page.touchscreen.tap(x + dx, y + dy)
        tooltip = _tooltip_text(page, 3)
        if tooltip.strip():
            break
    assert tooltip.strip(), "the tapped shape's tooltip opens on tap"
    assert errors == []


def test_the_big_screen_fits_a_phone_too(screen, output_dir):
    """A wall page, but a link to it may be opened on a phone or an upright tablet: the upright canvas, inside the screen."""
    size, page, errors, base = screen
    page.goto(f"{base}/bigscreen?unit={CITY}&embed=true", wait_until="domcontentloaded")
    page.locator(".bs-title").wait_for()
    page.wait_for_function("() => document.documentElement.classList.contains('bs-scaled')")
    time.sleep(1.0)
    found = page.evaluate("""() => { const r = document.querySelector('.st-key-bs-canvas').getBoundingClientRect();
        return {doc: document.documentElement.scrollWidth, vw: innerWidth, vh: innerHeight, box: [r.left, r.top, r.right, r.bottom],
                upright: matchMedia('(max-aspect-ratio: 20/21)').matches}; }""")
    assert found["doc"] <= found["vw"], f"big screen-{size}: the document is {found['doc']} px wide"
    left, top, right, bottom = found["box"]
    assert left >= -TOLERANCE_PX and top >= -TOLERANCE_PX and right <= found["vw"] + TOLERANCE_PX, found
    assert bottom <= found["vh"] + TOLERANCE_PX and found["upright"] and bottom - top > right - left, found
    assert page.locator("[data-testid=stException]").count() == 0
    page.screenshot(path=str(output_dir / f"mobile-bigscreen-{size}.png"))
    assert errors == []
