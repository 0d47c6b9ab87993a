"""`python -m cockpit.tools.bench.bigscreen_memory`: does the big screen's memory grow over many refreshes?

A benchmark, not a test. It starts ``streamlit run app.py`` on a free port (with
``COCKPIT_BENCH=1``, which lets the screen refresh faster than its 5 s floor), opens
``/bigscreen?embed=true&refresh=N`` in headless Chromium, and every ``--sample-every`` refresh
cycles (counted by the screen itself: ``data-refreshes`` on its head) records

* the server's resident memory (``VmRSS`` of the ``streamlit run`` process),
* the page's JS heap after a forced garbage collection (CDP ``HeapProfiler.collectGarbage``,
  then ``Runtime.getHeapUsage``) and its DOM node and listener counts (``Memory.getDOMCounters``),
* the resident memory of all Chromium processes of this run (renderer, GPU, browser).

Growth is the least-squares slope over the samples after a warm-up (the first fifth of the
cycles), per refresh cycle; "per hour at 60 s" multiplies it by 60 cycles. The report goes to
stdout and, as JSON, to ``bench-output/bigscreen-memory[-LABEL].json``.

    python -m cockpit.tools.bench.bigscreen_memory --cycles 500 --refresh 2
    python -m cockpit.tools.bench.bigscreen_memory --rotate children,themes --label rotate
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from cockpit.core.errors import safe_url
from cockpit.core.settings import PROJECT_DIR, load_settings
from cockpit.tools.bench.browser import CHROMIUM, CHROMIUM_ARGS
from cockpit.tools.bench.servers import streamlit_servers

APP_PATH = PROJECT_DIR / "app.py"
BENCH_DIR = PROJECT_DIR / "bench-output"
WARMUP_SHARE = 0.2
HEAD = ".bs-head[data-refreshes]"


# ---------------------------------------------------------------- pure helpers

def slope(xs: list[float], ys: list[float]) -> float | None:
    """Least-squares slope of ys over xs (None for fewer than two distinct xs)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den


def growth(samples: list[dict], field: str, warmup_share: float = WARMUP_SHARE) -> dict:
    """Growth of one field: per cycle (slope after warm-up), per hour at a 60 s refresh, first/last/max."""
    if not samples:
        return {}
    last_cycle = samples[-1]["cycle"]
    kept = [s for s in samples if s["cycle"] >= last_cycle * warmup_share and s.get(field) is not None]
    per_cycle = slope([s["cycle"] for s in kept], [s[field] for s in kept])
    values = [s[field] for s in samples if s.get(field) is not None]
    return {
        "first": values[0] if values else None, "after_warmup": kept[0][field] if kept else None,
        "last": values[-1] if values else None, "max": max(values) if values else None,
        "per_cycle": per_cycle, "per_hour_at_60s": per_cycle * 60 if per_cycle is not None else None,
        "per_day_at_60s": per_cycle * 60 * 24 if per_cycle is not None else None,
    }


# ---------------------------------------------------------------- process memory (from /proc)

def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _children_of(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = _children_of(todo.pop())
        out += kids
        todo += kids
    return out


def chromium_rss_mb() -> tuple[float, float | None]:
    """(all Chromium processes started by this run, the largest renderer) in MB."""
    total, renderer = 0.0, None
    for pid in descendants(os.getpid()):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"chrom" not in cmd.split(b" ")[0]:
            continue
        mb = rss_mb(pid) or 0.0
        total += mb
        if b"--type=renderer" in cmd:
            renderer = max(renderer or 0.0, mb)
    return total, renderer


# ---------------------------------------------------------------- the run

def _url(base: str, unit: str | None, refresh: int, rotate: str | None, every: int | None) -> str:
    q = ["embed=true", f"refresh={refresh}"]
    if unit:
        q.append(f"unit={unit}")
    if rotate:
        q += [f"rotate={rotate}", f"every={every or refresh}"]
    return f"{base}/bigscreen?" + "&".join(q)


def _sample(page, cdp, server_pid: int, cycle: int, t0: float) -> dict:  # noqa: ANN001
    cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")
    dom = cdp.send("Memory.getDOMCounters")
    total, renderer = chromium_rss_mb()
    return {
        "cycle": cycle, "elapsed_s": round(time.monotonic() - t0, 1),
        "server_rss_mb": round(rss_mb(server_pid) or 0.0, 1),
        "js_heap_mb": round(heap["usedSize"] / 1024 / 1024, 2),
        "dom_nodes": dom.get("nodes"), "js_listeners": dom.get("jsEventListeners"),
        "chromium_rss_mb": round(total, 1), "renderer_rss_mb": round(renderer, 1) if renderer else None,
        "exceptions": page.locator("[data-testid=stException]").count(),
    }


def _refreshes(page) -> int:  # noqa: ANN001
    value = page.locator(HEAD).first.get_attribute("data-refreshes")
    return int(value) if value and value.isdigit() else 0


def run(cycles: int, refresh: int, sample_every: int, unit: str | None, rotate: str | None, every: int | None,
        db: str | None, geo_dir: str | None, say=print) -> dict:  # noqa: ANN001
    from playwright.sync_api import sync_playwright

    settings = load_settings()
    env = {"COCKPIT_BENCH": "1", "COCKPIT_DB_URL": db or settings.db_url,
           "COCKPIT_GEO_DIR": geo_dir or str(settings.geo_dir), "COCKPIT_BUILD_DEMO": "0"}
    samples: list[dict] = []
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory() as logs, streamlit_servers({"cockpit": (APP_PATH, env)}, Path(logs)) as servers, \
            sync_playwright() as pw:
        server = servers["cockpit"]
        url = _url(server.base_url, unit, refresh, rotate, every)
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        page.set_default_timeout(120_000)
        say(f"opening {url} (database {safe_url(env['COCKPIT_DB_URL'])})")
        # A fresh server's first session gets no timed fragment runs (the screen's watchdog would
        # reload it): open it once, unmeasured, so the measured page is an ordinary session.
        warm = browser.new_page(viewport={"width": 1920, "height": 1080})
        warm.goto(url)
        warm.locator(HEAD).first.wait_for(timeout=120_000)
        warm.close()
        page.goto(url)
        page.locator(HEAD).first.wait_for()
        page.evaluate("() => { window.__bsBench = 1; }")  # gone if the page ever reloads
        cdp = page.context.new_cdp_session(page)
        t0 = time.monotonic()
        samples.append(_sample(page, cdp, server.process.pid, _refreshes(page), t0))
        target = sample_every
        while target <= cycles:
            deadline = time.monotonic() + max(refresh * sample_every * 4, 120)
            while _refreshes(page) < target:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no refresh past cycle {_refreshes(page)} (waiting for {target}); "
                                       f"server log: {server.log_tail(5)}")
                time.sleep(min(refresh / 2, 1.0))
            s = _sample(page, cdp, server.process.pid, _refreshes(page), t0)
            samples.append(s)
            say(f"cycle {s['cycle']:>5}  {s['elapsed_s']:>7.0f} s  server {s['server_rss_mb']:>7.1f} MB  "
                f"JS heap {s['js_heap_mb']:>6.2f} MB  DOM {s['dom_nodes']:>6}  chromium {s['chromium_rss_mb']:>7.1f} MB")
            target += sample_every
        reloaded = page.evaluate("() => window.__bsBench !== 1")
        full_runs = page.locator(".bs-clock").first.get_attribute("data-runs")
        browser.close()
    fields = ("server_rss_mb", "js_heap_mb", "dom_nodes", "chromium_rss_mb", "renderer_rss_mb")
    return {
        "tool": "python -m cockpit.tools.bench.bigscreen_memory", "started_at": started,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {"cycles": cycles, "refresh_s": refresh, "sample_every": sample_every, "unit": unit, "rotate": rotate,
                   "every_s": every, "db": safe_url(env["COCKPIT_DB_URL"]), "url": url},
        "page_reloaded": reloaded, "full_runs": full_runs,
        "growth": {f: growth(samples, f) for f in fields},
        "samples": samples,
    }


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def summary(report: dict) -> str:
    lines = [f"{report['config']['cycles']} refresh cycles at {report['config']['refresh_s']} s"
             f" (rotate {report['config']['rotate'] or 'off'}), page reloaded: {report['page_reloaded']}, "
             f"full runs: {report['full_runs']}",
             f"{'':18}{'first':>10}{'warm':>10}{'last':>10}{'per cycle':>12}{'per hour @60s':>15}"]
    for field, g in report["growth"].items():
        lines.append(f"{field:18}{_fmt(g.get('first'), 1):>10}{_fmt(g.get('after_warmup'), 1):>10}"
                     f"{_fmt(g.get('last'), 1):>10}{_fmt(g.get('per_cycle'), 4):>12}{_fmt(g.get('per_hour_at_60s'), 2):>15}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cockpit.tools.bench.bigscreen_memory", description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=500, help="refresh cycles to run (default 500)")
    parser.add_argument("--refresh", type=int, default=2, help="seconds between refreshes (default 2; 1 at least)")
    parser.add_argument("--sample-every", type=int, default=25, help="cycles between samples (default 25)")
    parser.add_argument("--unit", help="unit code (default: the city)")
    parser.add_argument("--rotate", help="children, themes or children,themes")
    parser.add_argument("--every", type=int, help="seconds per rotation step (default: the refresh)")
    parser.add_argument("--db", help="database URL (default: the app's settings)")
    parser.add_argument("--geo-dir", help="boundaries folder (default: the app's settings)")
    parser.add_argument("--label", default="", help="suffix of the JSON file's name")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"no Chromium at {CHROMIUM}", file=sys.stderr)
        return 2
    report = run(args.cycles, max(args.refresh, 1), max(args.sample_every, 1), args.unit, args.rotate, args.every,
                 args.db, args.geo_dir)
    BENCH_DIR.mkdir(exist_ok=True)
    out = BENCH_DIR / f"bigscreen-memory{'-' + args.label if args.label else ''}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(summary(report))
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
