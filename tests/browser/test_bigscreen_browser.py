"""The big screen (大屏) in Chromium: on every wall shape, at 150 % display scaling, refreshing, through an outage.

One server for the module, on its own copy of the small demo (the outage test moves the file).
From element bounding boxes: title, clock, map and the four theme panels inside the viewport,
none overlapping, no scroll bars, no text cut off, no sidebar or top bar, no error box; the map
painted. Screenshots land in test-output/browser/bigscreen-*.png for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from contextlib import ExitStack
from itertools import combinations
from pathlib import Path

import pytest

from cockpit.tools.bench.browser import painted_share
from cockpit.tools.bench.servers import BrowserBenchError, streamlit_servers

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
WALLS = [(1920, 1080), (3840, 2160), (5760, 1080), (1366, 768)]  # landscape: the 16:9 canvas, letterboxed
PORTRAIT = (1080, 1920)  # upright: the same parts stacked (test_portrait_walls_stack_the_parts_around_a_large_map)
PARTS = {"title": ".bs-title", "clock": ".bs-clock", "map": ".st-key-bs-map", "population": ".st-key-bs-population",
         "cases": ".st-key-bs-cases", "alerts": ".st-key-bs-alerts", "points": ".st-key-bs-points"}
PANELS = ("population", "cases", "alerts", "points")
TOLERANCE = 1.5
SETTLE_S = 1.2  # after a resize: the script re-fits, the map redraws


@pytest.fixture(scope="module")
def screen_server(small_demo, tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("bigscreen")
    db = folder / "city.sqlite"
    shutil.copyfile(small_demo.db_path, db)
    with sqlite3.connect(db) as conn:
        (city,) = conn.execute("SELECT code FROM admin_unit WHERE parent_code IS NULL").fetchone()
    conn.close()
    env = {**small_demo.env, "COCKPIT_DB_URL": f"sqlite:///{db}", "COCKPIT_BUILD_DEMO": "0"}
    logs = folder / "logs"
    logs.mkdir()
    with ExitStack() as stack:
        try:
            servers = stack.enter_context(streamlit_servers({"cockpit": (REPO / "app.py", env)}, logs))
        except BrowserBenchError as exc:
            pytest.fail(f"streamlit did not start: {exc}")
        server = servers["cockpit"]
        # A fresh server's first session gets no timed fragment runs (Streamlit 1.67; the screen's
        # watchdog reloads such a page): spend it here, so every test below is an ordinary session.
        warm = browser.new_page()
        warm.goto(f"{server.base_url}/bigscreen?unit={city}&embed=true")
        warm.locator(".bs-title").wait_for(timeout=90_000)
        warm.close()
        yield server, db, city


@pytest.fixture
def open_screen(browser, screen_server):
    contexts = []

    def _open(query: str, width: int = 1920, height: int = 1080, dpr: float = 1.0):
        server, _db, city = screen_server
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=dpr,
                                      locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server.base_url}/bigscreen?unit={city}&embed=true&{query}")
        page.locator(".bs-title").wait_for()
        page.locator("[data-testid=stDeckGlJsonChart] canvas").first.wait_for()
        page.wait_for_function("() => document.documentElement.classList.contains('bs-scaled')")
        page.evaluate("() => { window.__bsTest = 1; }")  # gone if the page ever reloads
        return page, errors

    yield _open
    for context in contexts:
        context.close()


def _boxes(page) -> dict[str, dict]:
    out = {}
    for name, selector in PARTS.items():
        box = None
        for _ in range(20):  # a refresh may be redrawing that part just now
            box = page.locator(selector).first.bounding_box()
            if box is not None:
                break
            time.sleep(0.25)
        assert box is not None, f"{name} is not drawn"
        out[name] = box
    return out


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] + a["width"] - TOLERANCE > b["x"] and b["x"] + b["width"] - TOLERANCE > a["x"]
            and a["y"] + a["height"] - TOLERANCE > b["y"] and b["y"] + b["height"] - TOLERANCE > a["y"])


CUT_TEXT = """() => [...document.querySelectorAll(
    '.bs-title, .bs-sub, .bs-time, .bs-date, .bs-label, .bs-value, .bs-chgs, .bs-ptitle, .bs-sev, .legend')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className + ': ' + e.textContent.slice(0, 30))"""
PANEL_OVERFLOW = """() => [...document.querySelectorAll('.bs-panel')].filter(e => {
    const box = e.closest('[class*=st-key-bs-]').getBoundingClientRect();
    return e.scrollHeight > e.clientHeight + 1 || [e, ...e.querySelectorAll('*')].some(c => {
      const r = c.getBoundingClientRect();
      return r.width > 0 && (r.right > box.right + 1 || r.bottom > box.bottom + 1 || r.left < box.left - 1);
    });
  }).map(e => e.dataset.theme)"""


def check_wall(page, width: int, height: int, name: str, output_dir: Path) -> dict[str, dict]:
    page.screenshot(path=str(output_dir / f"bigscreen-{name}.png"))
    boxes = _boxes(page)
    for part, b in boxes.items():
        assert b["x"] >= -TOLERANCE and b["y"] >= -TOLERANCE, f"{name}: {part} leaves the viewport ({b})"
        assert b["x"] + b["width"] <= width + TOLERANCE, f"{name}: {part} leaves the viewport on the right ({b})"
        assert b["y"] + b["height"] <= height + TOLERANCE, f"{name}: {part} leaves the viewport at the bottom ({b})"
    for (p, a), (q, b) in combinations(boxes.items(), 2):
        assert not _overlap(a, b), f"{name}: {p} and {q} overlap ({a}, {b})"
    scroll = page.evaluate("() => [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight]")
    assert scroll[0] <= width and scroll[1] <= height, f"{name}: scroll bars ({scroll})"
    assert page.evaluate(CUT_TEXT) == [], f"{name}: text cut off"
    assert page.evaluate(PANEL_OVERFLOW) == [], f"{name}: a panel's content does not fit"
    for hidden in ("stSidebar", "stHeader", "stToolbar", "stSidebarNav", "stSidebarCollapsedControl"):
        assert not page.locator(f"[data-testid={hidden}]").first.is_visible(), f"{name}: {hidden} is visible"
    assert page.locator("[data-testid=stException]").count() == 0
    text = page.locator(".st-key-bs-canvas").inner_text()
    assert "Ask Google" not in text and re.findall(r"[A-Za-z]{3,}", text) == [], f"{name}: English on the Chinese wall"
    assert painted_share(page.locator(".st-key-bs-map canvas").first.screenshot()) > 0.02, f"{name}: blank map"
    return boxes


def check_portrait(boxes: dict[str, dict], width: int, height: int, name: str) -> None:
    """Title and clock, then the map across the wall, then the four panels two by two; the map at least 40 %."""
    head = max(boxes[p]["y"] + boxes[p]["height"] for p in ("title", "clock"))
    assert head <= boxes["map"]["y"] + TOLERANCE, f"{name}: the head is not above the map"
    assert boxes["map"]["y"] + boxes["map"]["height"] <= min(boxes[p]["y"] for p in PANELS) + TOLERANCE, (
        f"{name}: the map is not above the panels")
    pop, cases, alerts, points = (boxes[p] for p in PANELS)
    assert pop["y"] == pytest.approx(alerts["y"], abs=2) and cases["y"] == pytest.approx(points["y"], abs=2)
    assert pop["x"] == pytest.approx(cases["x"], abs=2) and alerts["x"] == pytest.approx(points["x"], abs=2)
    assert pop["x"] < alerts["x"] and pop["y"] < cases["y"], f"{name}: the panels are not two by two"
    share = boxes["map"]["height"] / height, boxes["map"]["width"] * boxes["map"]["height"] / (width * height)
    assert min(share) >= 0.40, f"{name}: the map takes {share[0]:.0%} of the height, {share[1]:.0%} of the area"
    assert boxes["map"]["width"] >= 0.9 * width, f"{name}: the map does not cross the wall"
    assert max(b["y"] + b["height"] for b in boxes.values()) > height * 0.97, f"{name}: letterboxed, not upright"


SNAPSHOT = """() => [document.querySelector('.bs-head').dataset.refreshes, document.querySelector('.bs-title').innerText,
  [...document.querySelectorAll('.bs-panel')].map(e => e.innerText).join('|'), document.querySelector('.bs-time').innerText,
  document.querySelectorAll('.st-key-bs-canvas [data-stale=true]').length]"""


def _settled(page) -> list[str]:
    """What the screen shows once a refresh has finished drawing (its parts arrive one after another)."""
    last = page.evaluate(SNAPSHOT)
    for _ in range(40):
        time.sleep(0.4)
        now = page.evaluate(SNAPSHOT)
        if now[:3] == last[:3] and now[4] == 0:
            return now
        last = now
    return last


def test_fit_letterboxes_every_wall_keeping_the_proportions(open_screen, output_dir):
    page, errors = open_screen("refresh=60")
    for width, height in WALLS:
        page.set_viewport_size({"width": width, "height": height})
        time.sleep(SETTLE_S)
        boxes = check_wall(page, width, height, f"fit-{width}x{height}", output_dir)
        scale = min(width / 1920, height / 1080)
        assert boxes["population"]["width"] == pytest.approx(520 * scale, abs=2)  # one uniform scale
        assert boxes["map"]["height"] / boxes["map"]["width"] == pytest.approx(908 / 788, rel=0.02)
    assert errors == []


def test_fill_covers_odd_walls_without_stretching(open_screen, output_dir):
    page, errors = open_screen("scale=fill")
    for width, height in [(5760, 1080), (1080, 1920)]:
        page.set_viewport_size({"width": width, "height": height})
        time.sleep(SETTLE_S)
        boxes = check_wall(page, width, height, f"fill-{width}x{height}", output_dir)
        # the canvas reaches both edges of the wall, and a panel keeps its design width (not stretched)
        assert min(b["x"] for b in boxes.values()) < 40 and max(b["x"] + b["width"] for b in boxes.values()) > width - 40
        assert max(b["y"] + b["height"] for b in boxes.values()) > height - 40
        assert boxes["population"]["width"] == pytest.approx(520 if width > height else 503, abs=2)
        if height > width:
            check_portrait(boxes, width, height, f"fill-{width}x{height}")
    assert errors == []


def test_portrait_walls_stack_the_parts_around_a_large_map(open_screen, output_dir):
    """#25: an upright panel gets the upright layout under fit too, not the 16:9 canvas in a third of the glass."""
    page, errors = open_screen("refresh=60")
    runs = page.locator(".bs-clock").get_attribute("data-runs")
    width, height = PORTRAIT
    page.set_viewport_size({"width": width, "height": height})  # a wall turned upright: the browser alone re-lays it
    time.sleep(SETTLE_S)
    boxes = check_wall(page, width, height, f"fit-{width}x{height}", output_dir)
    check_portrait(boxes, width, height, f"fit-{width}x{height}")
    assert boxes["population"]["width"] == pytest.approx(503, abs=2), "the landscape text size (one design pixel each)"
    assert page.locator(".bs-clock").get_attribute("data-runs") == runs and page.evaluate("() => window.__bsTest") == 1, (
        "the layout changed without a rerun or a reload")
    page.set_viewport_size({"width": 1920, "height": 1080})  # and back: the landscape layout as before
    time.sleep(SETTLE_S)
    boxes = check_wall(page, 1920, 1080, "fit-1920x1080-again", output_dir)
    assert boxes["population"]["width"] == pytest.approx(520, abs=2) and boxes["map"]["x"] > boxes["population"]["x"]
    # The same panel at 150 % display scaling: 720x1280 CSS pixels at 1.5 device pixels each.
    page, more = open_screen("refresh=60", 720, 1280, dpr=1.5)
    _settled(page)
    boxes = check_wall(page, 720, 1280, "dpr150-720x1280", output_dir)
    check_portrait(boxes, 720, 1280, "dpr150-720x1280")
    assert boxes["population"]["width"] == pytest.approx(503 * 720 / 1080, abs=2)
    assert errors == [] and more == []


def test_150_percent_scaling_and_a_refresh_that_rotates_without_a_rerun(open_screen, output_dir):
    # a 1920x1080 screen at 150 % Windows scaling: the page sees a 1280x720 viewport at 1.5 device pixels
    page, errors = open_screen("refresh=5&rotate=children&every=5", 1280, 720, dpr=1.5)
    _settled(page)
    check_wall(page, 1280, 720, "dpr150-1280x720", output_dir)
    before = _settled(page)
    runs = page.locator(".bs-clock").get_attribute("data-runs")
    page.wait_for_function("t => document.querySelector('.bs-title').innerText !== t", arg=before[1], timeout=40_000)
    after = _settled(page)
    assert after[0] != before[0], "a refresh ran"
    assert after[1] != before[1] and after[2] != before[2], "the next unit's name and figures"
    assert after[3] != before[3], "the clock ticks"
    assert page.locator(".bs-clock").get_attribute("data-runs") == runs, "a fragment run, not a full rerun"
    assert page.evaluate("() => window.__bsTest") == 1, "no page reload"
    assert "轮播" in page.locator(".bs-sub").inner_text()
    _settled(page)
    check_wall(page, 1280, 720, "dpr150-rotated", output_dir)
    assert errors == []


def test_database_away_keeps_the_figures_with_a_quiet_notice_and_recovers_without_reload(
        open_screen, screen_server, output_dir):
    _server, db, _city = screen_server
    page, errors = open_screen("refresh=5")
    figures = _settled(page)[2]
    runs = page.locator(".bs-clock").get_attribute("data-runs")
    away = db.with_suffix(".away")
    db.rename(away)
    try:
        stale = page.locator(".bs-stale")
        stale.wait_for(timeout=40_000)
        assert re.fullmatch(r"数据暂停更新 · 截至 \d\d:\d\d", stale.inner_text())
        assert _settled(page)[2] == figures, "the last figures stay"
        assert page.locator("[data-testid=stException]").count() == 0
        page.screenshot(path=str(output_dir / "bigscreen-stale.png"))
    finally:
        away.rename(db)
    stale.wait_for(state="detached", timeout=40_000)
    assert _settled(page)[2] == figures
    assert page.locator(".bs-clock").get_attribute("data-runs") == runs, "recovered by a refresh, not a rerun"
    assert page.evaluate("() => window.__bsTest") == 1, "no page reload"
    assert errors == []
