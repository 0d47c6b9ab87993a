"""`python -m cockpit.tools.bench.mobile`: a community's first view on a phone over "Fast 3G".

The issue's target (docs/mobile.md): the first view of a community on a phone stays under
1 MB transferred once the static assets are cached, and under 3 s to first paint on Chromium
DevTools' "Fast 3G" profile.

How it is measured:

* one ``streamlit run app.py`` on a free port against the database and boundaries given (by
  default the project's: COCKPIT_DB_URL, else data/cockpit.sqlite); the community is the first
  one in the unit tree unless ``--unit`` names one;
* one headless Chromium (the bench's flags, cockpit.tools.bench.browser) with a phone's
  emulation: 390×844 CSS px, device scale factor 3, touch, an iPhone User-Agent;
* **static assets cached**: one unmeasured load of the view fills the HTTP cache (Streamlit's
  hashed bundles, deck.gl's 3 MB chunk) and the server's caches; every measured load then opens
  a new tab in the same browser context, so the cache is the one a returning phone has;
* **Fast 3G** as DevTools defines it (devtools-frontend, front_end/core/sdk/NetworkManager.ts,
  ``Fast3GConditions``): download 1.6 Mbit/s × 0.9, upload 750 kbit/s × 0.9, latency
  150 ms × 3.75 = 562.5 ms, set with CDP ``Network.emulateNetworkConditions`` before navigating;
* **bytes transferred**: every HTTP response's encoded length (CDP ``Network.loadingFinished``,
  headers included) plus every WebSocket frame's payload both ways, from navigation until the
  view is complete (script idle, map painted);
* **first paint**: from navigation start to the first WebGL draw into the map's canvas with the
  KPI cards in the page (the same instrumentation as the desk bench's first paint); for the
  phone home, to its four figures in the page;
* the median over ``--runs`` loads (at least 3) for each view: the overview of the community
  (``/?unit=…``, what a link sent to a phone opens) and the phone home (``/home?unit=…``);
* **the floor**: the desk bench's bare pydeck page (cockpit.tools.bench.browser.bare_script: six
  polygons, no basemap, nothing else) with one stand-in KPI card, at the phone map's height,
  loaded the same way — what Streamlit's start-up (page, health check, WebSocket: four round
  trips of 562 ms) and deck.gl's first draw cost on this machine before the cockpit does anything.
  Each view's figure is also given as a ratio to it (target < 1.5x, as on the desk).
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from cockpit.core.settings import PROJECT_DIR, load_settings
from cockpit.tools.bench.browser import CHROMIUM, CHROMIUM_ARGS, INIT_SCRIPT, READ_SCRIPT, TARGET_RATIO, bare_script
from cockpit.tools.bench.servers import BrowserBenchError, streamlit_servers

VIEWPORT = {"width": 390, "height": 844}
SCALE = 3
USER_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.0 Mobile/15E148 Safari/604.1")
# DevTools' "Fast 3G" (NetworkManager.ts Fast3GConditions): bytes per second and milliseconds.
FAST_3G = {"offline": False, "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
           "uploadThroughput": 750 * 1000 / 8 * 0.9, "latency": 150 * 3.75}
TARGET_BYTES = 1_000_000
TARGET_PAINT_MS = 3000
MIN_RUNS = 3
TIMEOUT_S = 120.0
MARKS = {"cards": ".cards .kpi", "figures": ".mb-figs .mb-fig"}  # when each first appears in the page
VIEWS = {
    # name: (URL path, the marks its first paint waits for, whether it has a map)
    "overview": ("", ("cards",), True),
    "home": ("home", ("figures",), False),
}
IDLE = """() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'
    && !document.querySelector('[data-stale=true]') && !document.querySelector('[data-testid=stStatusWidget]')"""


BARE = ("", ("cards",), True)  # the floor page: its stand-in card and its map


def bare_phone_script() -> str:
    """The desk bench's bare pydeck page at the phone map's height, with one KPI card stand-in."""
    from cockpit.ui.device import PHONE_MAP_HEIGHT  # here: importing cockpit.ui builds the app's caches

    card = '<div class="cards"><div class="kpi">1</div></div>'
    return bare_script(PHONE_MAP_HEIGHT) + f"st.html({card!r})\n"


def first_community(db_url: str) -> str:
    """The code of the first community in the unit tree."""
    from cockpit import queries
    from cockpit.store.engine import make_engine

    engine = make_engine(db_url)
    try:
        units = queries.fetch_units(engine)
    finally:
        engine.dispose()
    found = units[units["level"] == "community"].sort_values("code")
    if found.empty:
        raise BrowserBenchError("the database has no community")
    return str(found["code"].iloc[0])


def load_view(context, url: str, marks: tuple[str, ...], has_map: bool, throttle: bool) -> dict:  # noqa: ANN001
    """One load of `url` in a new tab: bytes both ways and the time to first paint."""
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_S * 1000)
    cdp = context.new_cdp_session(page)
    seen = {"http": 0, "ws_in": 0, "ws_out": 0, "requests": 0, "from_cache": 0}

    def finished(event: dict) -> None:
        seen["http"] += int(event.get("encodedDataLength") or 0)
        seen["requests"] += 1

    def cached(_event: dict) -> None:
        seen["from_cache"] += 1

    def frame(direction: str):
        def on(event: dict) -> None:
            response = event.get("response") or {}
            data = response.get("payloadData") or ""
            size = len(base64.b64decode(data)) if response.get("opcode") == 2 else len(data.encode("utf-8"))
            seen[direction] += size
        return on

    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestServedFromCache", cached)
    cdp.on("Network.webSocketFrameReceived", frame("ws_in"))
    cdp.on("Network.webSocketFrameSent", frame("ws_out"))
    cdp.send("Network.enable")
    if throttle:
        cdp.send("Network.emulateNetworkConditions", FAST_3G)
    out: dict = {"url": url, "error": None, "first_paint_ms": None}
    try:
        page.goto(url, wait_until="commit")
        ready = ("r.draw !== null && " if has_map else "") + " && ".join(f"{k!r} in r.marks" for k in marks)
        page.wait_for_function(f"() => {{ const r = window.__ckPaint; return !!r && {ready}; }}", polling=50)
        page.wait_for_function(IDLE, polling=100)
        time.sleep(0.5)  # the last frames of the run
        info = page.evaluate(READ_SCRIPT)
        times = [info["marks"][k] for k in marks] + ([info["draw"]] if has_map else [])
        out.update({"first_paint_ms": round(max(times)), "draw_ms": info["draw"], "marks": info["marks"],
                    "exceptions": page.locator("[data-testid=stException]").count()})
    except Exception as exc:  # noqa: BLE001 - a load that does not finish is a result, said as such
        out["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    finally:
        if throttle:
            cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                          "uploadThroughput": -1})
        page.close()
    total = seen["http"] + seen["ws_in"] + seen["ws_out"]
    out.update({"bytes": total, "http_bytes": seen["http"], "ws_in_bytes": seen["ws_in"], "ws_out_bytes": seen["ws_out"],
                "requests": seen["requests"], "served_from_cache": seen["from_cache"]})
    return out


def measure(db_url: str, geo_dir: str | Path, unit: str | None = None, runs: int = MIN_RUNS,
            say: Callable[[str], None] = print) -> dict:
    """Both views' bytes and first paint over `runs` throttled loads each (after one unthrottled warm-up)."""
    if not CHROMIUM.exists():
        raise BrowserBenchError(f"{CHROMIUM} not found (install Debian's chromium; the bench never downloads one)")
    from playwright.sync_api import sync_playwright

    runs = max(runs, MIN_RUNS)
    code = unit or first_community(db_url)
    started, t0 = datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter()
    plan = {**VIEWS, "bare": BARE}
    results: dict[str, list[dict]] = {name: [] for name in plan}
    baseline: dict[str, list[dict]] = {name: [] for name in plan}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cockpit-bench-mobile-")))
        env = {"COCKPIT_DB_URL": db_url, "COCKPIT_GEO_DIR": str(geo_dir), "COCKPIT_BUILD_DEMO": "0"}
        script = tmp / "bare_phone.py"
        script.write_text(bare_phone_script(), encoding="utf-8")
        say(f"mobile: starting the cockpit (streamlit run) for community {code}, and the bare pydeck page")
        servers = stack.enter_context(streamlit_servers({"cockpit": (PROJECT_DIR / "app.py", env),
                                                         "bare": (script, {})}, tmp))
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        stack.callback(browser.close)
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=SCALE, is_mobile=True, has_touch=True,
                                      user_agent=USER_AGENT, locale="zh-CN")
        context.add_init_script(INIT_SCRIPT % json.dumps(MARKS))
        for name, (path, marks, has_map) in plan.items():
            server = servers["bare" if name == "bare" else "cockpit"]
            url = f"{server.base_url}/{path}" + ("" if name == "bare" else f"?unit={code}")
            warm = load_view(context, url, marks, has_map, throttle=False)
            if warm["error"]:
                raise BrowserBenchError(f"the {name} view did not load on its warm-up: {warm['error']}; "
                                        f"server log: {server.log_tail(3)}")
            say(f"mobile: {name} warm-up {warm['bytes'] / 1024:.0f} KB (static assets now cached)")
            for i in range(runs):
                # The same load unthrottled first: what the figure costs without the network's latency.
                baseline[name].append(load_view(context, url, marks, has_map, throttle=False))
                load = load_view(context, url, marks, has_map, throttle=True)
                results[name].append(load)
                shown = (f"{load['first_paint_ms'] / 1000:.2f} s" if load["first_paint_ms"] else f"failed: {load['error']}")
                say(f"mobile: {name} run {i + 1}/{runs}: {load['bytes'] / 1024:.0f} KB, first paint {shown}")
    views = {}
    bare_paints = [r["first_paint_ms"] for r in results.pop("bare") if r["first_paint_ms"] is not None]
    floor = statistics.median(bare_paints) if bare_paints else None
    plain_bare = [r["first_paint_ms"] for r in baseline.pop("bare") if r["first_paint_ms"] is not None]
    for name, loads in results.items():
        paints = [r["first_paint_ms"] for r in loads if r["first_paint_ms"] is not None]
        sizes = [r["bytes"] for r in loads if not r["error"]]
        median_paint = statistics.median(paints) if paints else None
        median_bytes = statistics.median(sizes) if sizes else None
        plain = [r["first_paint_ms"] for r in baseline[name] if r["first_paint_ms"] is not None]
        views[name] = {"url_path": VIEWS[name][0], "median_first_paint_ms": median_paint, "median_bytes": median_bytes,
                       "unthrottled_median_ms": statistics.median(plain) if plain else None,
                       "bytes_ok": median_bytes is not None and median_bytes < TARGET_BYTES,
                       "paint_ok": median_paint is not None and median_paint < TARGET_PAINT_MS,
                       "vs_floor": None if floor is None or median_paint is None else median_paint / floor,
                       "runs": loads}
    return {"started_at": started, "duration_s": round(time.perf_counter() - t0, 1), "unit": code, "runs": runs,
            "viewport": [VIEWPORT["width"], VIEWPORT["height"]], "device_scale_factor": SCALE, "network": FAST_3G,
            "targets": {"bytes": TARGET_BYTES, "first_paint_ms": TARGET_PAINT_MS, "vs_floor": TARGET_RATIO},
            "floor": {"median_first_paint_ms": floor, "unthrottled_median_ms": statistics.median(plain_bare)
                      if plain_bare else None, "what": "bare 6-polygon pydeck page with one card, same phone and network"},
            "views": views}


def format_lines(result: dict) -> list[str]:
    """`mobile overview 330681001001: 118 KB (< 1000 KB PASS), first paint 2.41 s (< 3 s PASS; 1.2 s unthrottled) …`."""
    lines = []
    for name, v in result["views"].items():
        kb = "-" if v["median_bytes"] is None else f"{v['median_bytes'] / 1024:.0f} KB"
        paint = "-" if v["median_first_paint_ms"] is None else f"{v['median_first_paint_ms'] / 1000:.2f} s"
        plain = "-" if v["unthrottled_median_ms"] is None else f"{v['unthrottled_median_ms'] / 1000:.2f} s"
        lines.append(f"mobile {name} {result['unit']}: {kb} (< {TARGET_BYTES / 1000:.0f} KB "
                     f"{'PASS' if v['bytes_ok'] else 'FAIL'}), first paint {paint} (< {TARGET_PAINT_MS / 1000:.0f} s "
                     f"{'PASS' if v['paint_ok'] else 'FAIL'}; {plain} unthrottled), "
                     + ("" if v.get("vs_floor") is None else
                        f"{v['vs_floor']:.2f}x the bare page (< {TARGET_RATIO:.1f}x "
                        f"{'PASS' if v['vs_floor'] < TARGET_RATIO else 'FAIL'}) ")
                     + f"— Fast 3G, 390×844, static assets cached, median of {result['runs']}")
    floor = result.get("floor") or {}
    if floor.get("median_first_paint_ms") is not None:
        lines.append(f"mobile floor: a bare 6-polygon pydeck page with one card, same phone and network: first paint "
                     f"{floor['median_first_paint_ms'] / 1000:.2f} s ({(floor['unthrottled_median_ms'] or 0) / 1000:.2f} s "
                     f"unthrottled) — what Streamlit's start-up and deck.gl's first draw cost here")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cockpit.tools.bench.mobile", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL (default: COCKPIT_DB_URL, else data/cockpit.sqlite)")
    parser.add_argument("--geo-dir", help="the boundaries' folder (default: COCKPIT_GEO_DIR, else geo/)")
    parser.add_argument("--unit", help="the community's 12-digit code (default: the first community)")
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help=f"throttled loads per view (at least {MIN_RUNS})")
    parser.add_argument("--json", help="also write the full result to this file")
    args = parser.parse_args(argv)
    from cockpit.tools.bench.pages_runner import quiet_streamlit

    quiet_streamlit()  # the app's cached readers, imported to measure, would each warn that no server runs
    settings = load_settings()
    try:
        result = measure(args.db or settings.db_url, args.geo_dir or settings.geo_dir, args.unit, args.runs,
                         say=lambda m: print(m, file=sys.stderr))
    except BrowserBenchError as exc:
        print(f"mobile bench failed: {exc}", file=sys.stderr)
        return 2
    for line in format_lines(result):
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    ok = all(v["bytes_ok"] and v["paint_ok"] for v in result["views"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
