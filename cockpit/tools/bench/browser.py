"""`python -m cockpit bench --browser`: the overview's first paint in headless Chromium, against a bare pydeck page.

Two ``streamlit run`` servers are started on free ports (cwd = the repository, so both use the
project's ``.streamlit/config.toml``): the cockpit (``app.py``, pointed at the database by
``COCKPIT_DB_URL`` / ``COCKPIT_GEO_DIR``) and a *bare page* — a script of a dozen lines drawing
:data:`BARE_POLYGONS` polygons with pydeck (GeoJsonLayer, ``map_provider=None``, no basemap) and
nothing else. The bare page is the floor: what loading deck.gl itself costs in this browser.

What is timed, per load:

* a **cold browser**: a new Chromium process with a new profile (Playwright's temporary
  user-data-dir) and a new context, so the page, Streamlit's bundle and the 3 MB deck.gl chunk
  are fetched and compiled again, and no GPU/shader cache survives from an earlier load;
* a **warm server**: each page is loaded once, unmeasured, before timing, so Streamlit's caches
  (``st.cache_data``, the boundaries, imports) are filled and the figure is the browser's cost;
* from navigation start (``performance.timeOrigin``) to **first paint**: the first WebGL draw
  call into the map canvas's own framebuffer (recorded in the page by an init script that wraps
  the ``draw*`` methods — independent of ``preserveDrawingBuffer``), confirmed by screenshots
  of the canvas that differ from the page background (as ``tests/browser`` checks a painted
  map). For the cockpit, first paint also needs the KPI cards in the DOM: the figure is the
  later of the two.

Loads alternate (bare, cockpit, bare, cockpit, ...) to spread machine noise over both pages.
The bare map is given the cockpit map's canvas size (read during the warm-up), so both draw the
same number of pixels. Result: per-load times, the median per page, and
``median(cockpit) / median(bare)`` against :data:`TARGET_RATIO`.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from cockpit.core.errors import first_line
from cockpit.core.settings import PROJECT_DIR
from cockpit.tools.bench.servers import BrowserBenchError, streamlit_servers

CHROMIUM = Path("/usr/bin/chromium")
# Headless Debian Chromium has no GPU: deck.gl (WebGL) draws only through SwiftShader, which these flags enable.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1920, "height": 1080}  # the screen the overview is laid out for
DEFAULT_RUNS = 3
TARGET_RATIO = 1.5
BARE_POLYGONS = 6
PAINT_TIMEOUT = 120.0  # seconds one load may take to paint
PAINTED_SHARE = 0.02  # share of the canvas that must differ from the background to count as painted
CARDS = ".cards .kpi"  # the overview's KPI cards (cockpit.views.map.build_kpi_html)
DECK = "[data-testid='stDeckGlJsonChart']"
CANVAS = f"{DECK} canvas"
EXCEPTION = "[data-testid=stException]"
# Marks the page records the first time they appear; only CARDS is part of the figure.
MARKS = {"cards": CARDS, "charts": "[data-testid=stImage] img"}


class BrowserUnavailable(Exception):
    """No Chromium or no Playwright: the browser figure is skipped (one line for the user)."""


# ---------------------------------------------------------------- the bare page

def bare_script(height: int, polygons: int = BARE_POLYGONS) -> str:
    """A Streamlit script drawing `polygons` squares with pydeck and nothing else.

    Same chart call as the cockpit's map (height, selection, no basemap); its width comes from
    the ``w`` query parameter so the canvas can match the cockpit map's.
    """
    return f'''"""Bare pydeck page for `python -m cockpit bench --browser`: {polygons} polygons, no basemap."""
import pydeck as pdk
import streamlit as st

st.set_page_config(page_title="bare pydeck", layout="wide", initial_sidebar_state="collapsed")
features = []
for i in range({polygons}):
    x0, y0 = 120.70 + (i % 3) * 0.05, 30.70 + (i // 3) * 0.05
    ring = [[x0, y0], [x0 + 0.045, y0], [x0 + 0.045, y0 + 0.045], [x0, y0 + 0.045], [x0, y0]]
    features.append({{"type": "Feature", "geometry": {{"type": "Polygon", "coordinates": [ring]}},
                     "properties": {{"code": str(i), "name": f"polygon {{i + 1}}", "fill": [56, 120 + 20 * i, 248, 200]}}}})
layer = pdk.Layer("GeoJsonLayer", id="units", data={{"type": "FeatureCollection", "features": features}},
                  pickable=True, stroked=True, filled=True, get_fill_color="properties.fill",
                  get_line_color=[230, 240, 255], line_width_min_pixels=1)
deck = pdk.Deck(layers=[layer], initial_view_state=pdk.ViewState(longitude=120.7725, latitude=30.7475, zoom=10.8),
                map_provider=None)
w = st.query_params.get("w", "")
st.pydeck_chart(deck, height={height}, width=int(w) if w.isdigit() else "stretch", on_select="rerun",
                selection_mode="single-object", key="map")
'''


# ---------------------------------------------------------------- in-page instrumentation

INIT_SCRIPT = """
(() => {
  if (window.__ckPaint) return;
  const rec = window.__ckPaint = {draw: null, drawSize: null, marks: {}};
  const marks = %s;
  const wrap = (proto) => {
    if (!proto) return;
    for (const name of ['drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced',
                        'drawRangeElements']) {
      const orig = proto[name];
      if (typeof orig !== 'function') continue;
      proto[name] = function (...args) {
        // The first draw into the canvas itself (not an offscreen framebuffer, e.g. picking).
        if (rec.draw === null && this.getParameter(this.FRAMEBUFFER_BINDING) === null
            && this.canvas && this.canvas.isConnected) {
          rec.draw = performance.now();
          rec.drawSize = [this.drawingBufferWidth, this.drawingBufferHeight];
        }
        return orig.apply(this, args);
      };
    }
  };
  wrap(window.WebGL2RenderingContext && WebGL2RenderingContext.prototype);
  wrap(window.WebGLRenderingContext && WebGLRenderingContext.prototype);
  const check = () => {
    for (const [key, selector] of Object.entries(marks)) {
      if (!(key in rec.marks) && document.querySelector(selector)) rec.marks[key] = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true});
})();
"""

READ_SCRIPT = """() => {
  const rec = window.__ckPaint || {draw: null, drawSize: null, marks: {}};
  const res = performance.getEntriesByType('resource');
  const nav = performance.getEntriesByType('navigation')[0];
  const sum = (xs) => xs.reduce((n, e) => n + (e.transferSize || 0), 0);
  const js = res.filter(e => e.name.endsWith('.js'));
  return {draw: rec.draw, drawSize: rec.drawSize, marks: rec.marks, timeOrigin: performance.timeOrigin,
          transfer: sum(res) + (nav ? nav.transferSize || 0 : 0), js: sum(js),
          jsCached: js.filter(e => e.transferSize === 0 && e.decodedBodySize > 0).length,
          // The biggest scripts (deck.gl's chunk first): when they were asked for and had arrived.
          bigJs: js.sort((a, b) => b.decodedBodySize - a.decodedBodySize).slice(0, 3).map(e => ({
            name: e.name.split('/').pop(), kb: Math.round(e.decodedBodySize / 1024),
            start_ms: Math.round(e.startTime), end_ms: Math.round(e.responseEnd)})),
          domContentLoaded: nav ? nav.domContentLoadedEventEnd : null};
}"""


def painted_share(png: bytes | Image.Image | None) -> float:
    """Share of pixels that differ clearly from the background (the colour most corners have)."""
    if png is None:
        return 0.0
    img = png if isinstance(png, Image.Image) else Image.open(io.BytesIO(png)).convert("RGB")
    w, h = img.size
    corners = [img.getpixel(p) for p in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))]
    background = max(set(corners), key=corners.count)
    small = img.resize((max(w // 4, 1), max(h // 4, 1)), Image.Resampling.NEAREST)
    raw = small.tobytes()
    pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    differ = sum(1 for p in pixels if sum(abs(a - b) for a, b in zip(p, background)) > 30)
    return differ / max(len(pixels), 1)



# ---------------------------------------------------------------- one load in a cold browser


def load_once(playwright, url: str, need_cards: bool, timeout: float = PAINT_TIMEOUT) -> dict:  # noqa: ANN001
    """Open `url` in a new Chromium process and profile; time navigation start -> first paint.

    Returns {'first_paint_ms', 'draw_ms', 'cards_ms', 'confirmed_ms', 'canvas', ...}; 'error' is
    set (and 'first_paint_ms' is None) when the page did not paint within `timeout`.
    """
    import json

    out: dict = {"url": url, "first_paint_ms": None, "error": None}
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    out["chromium"] = browser.version
    try:
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.add_init_script(INIT_SCRIPT % json.dumps(MARKS))
        page = context.new_page()
        page.set_default_timeout(timeout * 1000)
        ws_bytes = [0]
        page_errors: list[str] = []
        page.on("pageerror", lambda exc: page_errors.append(first_line(exc)))
        page.on("websocket", lambda ws: ws.on("framereceived", lambda p: ws_bytes.__setitem__(0, ws_bytes[0] + len(p))))
        deadline = time.monotonic() + timeout
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
        ready = "r.draw !== null" + (" && 'cards' in r.marks" if need_cards else "")
        try:
            page.wait_for_function(f"() => {{ const r = window.__ckPaint; return !!r && {ready}; }}",
                                   polling=50, timeout=max(deadline - time.monotonic(), 1) * 1000)
        except Exception as exc:  # noqa: BLE001 - a timeout is a result
            info = page.evaluate(READ_SCRIPT)
            out["error"] = (f"no first paint after {timeout:.0f} s (draw {info['draw']}, marks {info['marks']}, "
                            f"exceptions {page.locator(EXCEPTION).count()}): {type(exc).__name__}")
            return out
        # Confirm that the canvas shows more than the background (the draw could have been empty).
        share, confirmed, shots = 0.0, None, []
        canvas = page.locator(CANVAS).first
        while time.monotonic() < deadline:
            t_shot = time.time() * 1000
            share = painted_share(canvas.screenshot(animations="disabled"))
            shots.append((t_shot, time.time() * 1000, round(share, 3)))
            if share > PAINTED_SHARE:
                confirmed = time.time() * 1000
                break
            time.sleep(0.1)
        info = page.evaluate(READ_SCRIPT)
        box = canvas.bounding_box() or {}
        exceptions = page.locator(EXCEPTION).count()
        draw, cards = info["draw"], info["marks"].get("cards")
        out.update({
            "draw_ms": draw, "cards_ms": cards, "charts_ms": info["marks"].get("charts"),
            "confirmed_ms": confirmed - info["timeOrigin"] if confirmed else None,
            "painted_share": round(share, 3),
            "screenshots": [(round(a - info["timeOrigin"]), round(b - info["timeOrigin"]), sh) for a, b, sh in shots],
            "canvas": [round(box.get("width", 0)), round(box.get("height", 0))],
            "dom_content_loaded_ms": info["domContentLoaded"],
            "transfer_kb": round(info["transfer"] / 1024, 1), "js_kb": round(info["js"] / 1024, 1),
            "js_from_cache": info["jsCached"], "biggest_js": info["bigJs"], "websocket_kb": round(ws_bytes[0] / 1024, 1),
            "page_errors": page_errors, "app_exceptions": exceptions,
        })
        if confirmed is None:
            out["error"] = f"the map canvas stayed blank (painted share {share:.3f}) for {timeout:.0f} s"
        elif exceptions:
            out["error"] = f"the app showed {exceptions} exception(s)"
        else:
            out["first_paint_ms"] = max(draw, cards) if need_cards and cards is not None else draw
        return out
    finally:
        browser.close()


# ---------------------------------------------------------------- the measurement

def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def verdict(ratio: float | None, errors: list[str], limit: float = TARGET_RATIO) -> dict:
    """The target in the shape of :func:`cockpit.tools.bench.pages_report.evaluate_targets`' verdicts."""
    return {
        "key": "browser_first_paint", "unit": "x", "limit": limit, "comparison": "<",
        "description": f"overview first paint vs a bare {BARE_POLYGONS}-polygon pydeck page (headless Chromium)",
        "worst": ratio, "worst_at": "overview", "measured": 0 if ratio is None else 1,
        "failing": ["overview"] if ratio is not None and not ratio < limit else [],
        "missing": ["overview"] if ratio is None else [],
        "pass": ratio is not None and ratio < limit and not errors,
    }


def _check_available() -> None:
    if not CHROMIUM.exists():
        raise BrowserUnavailable(f"{CHROMIUM} not found (install Debian's chromium package; the bench never "
                                 "downloads a browser)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        raise BrowserUnavailable("playwright (python) is not installed: pip install -r requirements-dev.txt") from exc


def measure_first_paint(db_url: str, geo_dir: str | Path, runs: int = DEFAULT_RUNS,
                        say: Callable[[str], None] = lambda _m: None, playwright: object | None = None) -> dict:
    """Median first paint of the overview and of the bare page over `runs` cold-browser loads each.

    Raises BrowserUnavailable without Chromium or Playwright, BrowserBenchError when a server does
    not start or a warm-up load does not paint. Servers and browsers are always stopped.
    `playwright`: an already running sync Playwright to launch browsers from (one process may
    run only one; the tests pass theirs).
    """
    from cockpit.views.map import MAP_HEIGHT

    if runs < 1:
        raise ValueError("runs must be at least 1")
    _check_available()
    from playwright.sync_api import sync_playwright

    started, t0 = datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter()
    load_before = _load()
    loads: dict[str, list[dict]] = {"bare": [], "cockpit": []}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cockpit-bench-browser-")))
        script = tmp / "bare_pydeck.py"
        script.write_text(bare_script(MAP_HEIGHT), encoding="utf-8")
        cockpit_env = {"COCKPIT_DB_URL": db_url, "COCKPIT_GEO_DIR": str(geo_dir), "COCKPIT_BUILD_DEMO": "0"}
        say(f"browser: starting the cockpit and the bare {BARE_POLYGONS}-polygon page (streamlit run)")
        servers = stack.enter_context(streamlit_servers(
            {"cockpit": (PROJECT_DIR / "app.py", cockpit_env), "bare": (script, {})}, tmp))
        pw = playwright if playwright is not None else stack.enter_context(sync_playwright())
        cockpit_url = servers["cockpit"].base_url + "/"

        # Warm the servers: one unmeasured load each, so Streamlit's caches are full and the figure
        # is the browser's. The cockpit's map canvas gives the bare map its width.
        say("browser: warming the servers (one unmeasured load of each page)")
        warm_cockpit = load_once(pw, cockpit_url, need_cards=True)
        if warm_cockpit["error"]:
            raise BrowserBenchError(f"the cockpit did not paint on its warm-up load: {warm_cockpit['error']}; "
                                    f"server log: {servers['cockpit'].log_tail(3)}")
        width = warm_cockpit["canvas"][0]
        bare_url = f"{servers['bare'].base_url}/?w={width}" if width else servers["bare"].base_url + "/"
        warm_bare = load_once(pw, bare_url, need_cards=False)
        if warm_bare["error"]:
            raise BrowserBenchError(f"the bare page did not paint on its warm-up load: {warm_bare['error']}")
        for i in range(runs):
            for name, url in (("bare", bare_url), ("cockpit", cockpit_url)):
                load = load_once(pw, url, need_cards=name == "cockpit")
                load["order"] = 2 * i + (name == "cockpit") + 1
                loads[name].append(load)
                shown = f"{load['first_paint_ms'] / 1000:.2f} s" if load["first_paint_ms"] else f"failed: {load['error']}"
                say(f"browser: run {i + 1}/{runs} {name}: first paint {shown}")
        server_info = {name: {"pid": srv.process.pid, "port": srv.port, "url": srv.base_url}
                       for name, srv in servers.items()}
    for name, srv in servers.items():
        server_info[name]["returncode"] = srv.process.returncode

    pages: dict[str, dict] = {}
    errors: list[str] = []
    for name, runs_ in loads.items():
        times = [r["first_paint_ms"] for r in runs_ if r["first_paint_ms"] is not None]
        errors += [f"{name} load {r['order']}: {r['error']}" for r in runs_ if r["error"]]
        pages[name] = {"url": runs_[0]["url"] if runs_ else None, "first_paint_ms": times,
                       "median_ms": _median(times), "runs": runs_}
    pages["cockpit"]["warmup"], pages["bare"]["warmup"] = warm_cockpit, warm_bare
    rat = None
    if pages["cockpit"]["median_ms"] and pages["bare"]["median_ms"]:
        rat = pages["cockpit"]["median_ms"] / pages["bare"]["median_ms"]
    return {
        "started_at": started, "duration_s": time.perf_counter() - t0,
        "method": ("cold browser per load (new Chromium process, profile and context); servers warmed by one "
                   "unmeasured load of each page; time from navigation start to the first WebGL draw into the "
                   "map canvas, confirmed by a screenshot differing from the background; for the overview also "
                   "the KPI cards present; loads alternate bare, cockpit"),
        "runs": runs, "viewport": [VIEWPORT["width"], VIEWPORT["height"]], "chromium": warm_cockpit.get("chromium"),
        "chromium_args": CHROMIUM_ARGS, "bare_polygons": BARE_POLYGONS, "map_height": MAP_HEIGHT,
        "servers_warmed": True, "load_before": load_before, "load_after": _load(),
        "cockpit": pages["cockpit"], "bare": pages["bare"],
        "ratio": rat, "errors": errors, "target": verdict(rat, errors), "servers": server_info,
    }


def _load() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def format_line(result: dict) -> str:
    """`browser first paint: overview 7.1 s vs bare 6-polygon 6.3 s → 1.13× (target < 1.5×) PASS`."""
    def secs(ms: float | None) -> str:
        return "-" if ms is None else f"{ms / 1000:.1f} s"

    rat, target = result.get("ratio"), result["target"]
    state = "PASS" if target["pass"] else "FAIL"
    text = (f"browser first paint: overview {secs(result['cockpit']['median_ms'])} vs bare "
            f"{BARE_POLYGONS}-polygon {secs(result['bare']['median_ms'])} → "
            f"{'-' if rat is None else f'{rat:.2f}'}× (target < {target['limit']:g}×) {state}")
    if result["errors"]:
        text += f" · {len(result['errors'])} failed load(s)"
    return text


def format_details(result: dict) -> str:
    """Per-load times and how they were measured, for the text report."""
    lines = [f"browser: {result['runs']} cold loads per page, median; Chromium {result['chromium']} headless "
             f"(SwiftShader), {result['viewport'][0]}x{result['viewport'][1]}; servers warmed before timing "
             f"(figure = browser cost); load {result['load_before']} -> {result['load_after']}"]
    for name in ("bare", "cockpit"):
        page = result[name]
        times = ", ".join(f"{ms / 1000:.2f}" for ms in page["first_paint_ms"]) or "-"
        canvas = next((r.get("canvas") for r in page["runs"] if r.get("canvas")), None)
        lines.append(f"  {name:<8} first paint s: {times} (canvas {canvas[0]}x{canvas[1]})" if canvas
                     else f"  {name:<8} first paint s: {times}")
    lines += [f"  ! {e}" for e in result["errors"]]
    return "\n".join(lines)


def bench_section(db_url: str, geo_dir: str | Path, runs: int = DEFAULT_RUNS,
                  say: Callable[[str], None] = lambda _m: None) -> tuple[dict, str]:
    """For `bench --browser`: (the JSON "browser" section, the text to print); never raises for a missing browser.

    The section has "target" (a verdict, or None when skipped), and "skipped" or "error" when
    nothing was measured.
    """
    try:
        result = measure_first_paint(db_url, geo_dir, runs, say)
    except BrowserUnavailable as exc:
        return {"skipped": str(exc), "target": None}, f"browser first paint skipped: {exc}"
    except BrowserBenchError as exc:
        return ({"error": str(exc), "target": verdict(None, [str(exc)])},
                f"browser first paint: not measured: {exc}")
    return result, format_details(result) + "\n" + format_line(result)
