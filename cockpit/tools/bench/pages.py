"""`python -m cockpit bench`: how fast the app serves each page, against the bare SQL that answers it.

For a sample of units at every tier the overview page is run through Streamlit's
AppTest in this process — once cold (every ``st.cache_data`` / ``st.cache_resource``
cleared), then ``repeat`` times warm (caches kept, each run a fresh session opening
the same deep link) — and the about page once. Per view it records the cold time,
warm median and p95, the bytes of the map message, and the *floor*: the time of the
bare queries that answer the same view — the functions under the ``cockpit.ui.data``
wrappers, with the arguments the page itself passed them in a recorded run (see
:func:`measure_floor`). The process's peak
memory is read at the end. Results are checked against :data:`TARGETS`.

Layout: pure helpers first (percentiles, sampling, target evaluation, formatting),
Layout: the targets and report in pages_report (pure helpers), which database in
pages_setup (building a preset, preflight), the measurement in pages_runner (the
only part that touches Streamlit); this module runs them and is the command.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cockpit.core.errors import safe_url
from cockpit.store.engine import DatabaseError
from cockpit.tools.bench.pages_report import evaluate_targets, fmt, format_report, peak_rss_mb
from cockpit.tools.bench.pages_runner import (
    APP_PATH,
    DEFAULT_COLD_RUNS,
    METRIC,
    PERIOD_DAYS,
    PageRunner,
    app_env,
    custom_range,
    measure_view,
    page_specs,
    quiet_streamlit,
    server_navigation,
)
from cockpit.tools.bench.pages_setup import (
    BenchError,
    City,
    Source,
    build_preset,
    open_city,
    plan_views,
    resolve_source,
)

DEFAULT_REPEAT = 10
DEFAULT_UNITS = 3
FLOOR_RUNS = 3  # the floor is a median over this many runs (fewer when --repeat is smaller)


def _load() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _machine(city: City) -> dict:
    import sqlalchemy
    import streamlit

    from cockpit.store.engine import sqlite_path

    cpus = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cpus
    model = None
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    path = sqlite_path(city.url)
    return {
        "nproc": usable, "cpu_count": cpus, "cpu_model": model, "memory_total_mb": _mem_total_mb(),
        "python": platform.python_version(), "platform": platform.platform(),
        "streamlit": streamlit.__version__, "sqlalchemy": sqlalchemy.__version__,
        "engine": city.engine, "db_bytes": path.stat().st_size if path is not None and path.is_file() else None,
    }


def _mem_total_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_bench(city: City, repeat: int = DEFAULT_REPEAT, units: int = DEFAULT_UNITS, floor_runs: int | None = None,
              say: Callable[[str], None] = lambda _m: None, source: Source | None = None,
              app_path: Path = APP_PATH, cold_runs: int = DEFAULT_COLD_RUNS) -> dict:
    """Measure every sampled view and the about page; the whole report as a JSON-ready dict."""

    floor_runs = floor_runs or max(1, min(FLOOR_RUNS, repeat))
    started, t_start, load_before = _now(), time.perf_counter(), _load()
    views = plan_views(city, units)
    runner = PageRunner(app_path)
    runs: list[dict] = []
    with app_env(city.url, city.geo_dir), server_navigation():
        say(f"warming up the harness (imports, component scan) on {safe_url(city.url)}")
        runner.run("overview", city.tree.root.code)  # type: ignore[attr-defined]
        harness = runner.harness_ms()
        plan = [(spec.key, tier, code, None) for spec in page_specs()
                for tier, code in (views if spec.with_unit else [("-", None)])]
        # The overview on a custom 30-day range too (#23), one unit per tier: answered by the daily rollups.
        days = custom_range(city)
        plan += [("overview", tier, code, days) for tier, code in dict(views).items()] if days else []
        for i, (page, tier, code, day_range) in enumerate(plan, 1):
            run = measure_view(runner, city, page, tier, code, repeat, floor_runs, cold_runs, day_range)
            runs.append(run)
            say(f"[{i}/{len(plan)}] {page} {run['period']} {tier} {run['unit']}: cold {fmt(run['cold_ms'])} ms, warm p50 "
                f"{fmt(run['warm_median_ms'])} / p95 {fmt(run['warm_p95_ms'])} ms, floor {fmt(run['floor_ms'])} "
                f"ms, map {fmt(run['map_bytes'] / 1024 if run['map_bytes'] else None)} KB"
                + (f" — {len(run['errors'])} error(s)" if run["errors"] else ""))
    peak = peak_rss_mb()
    verdicts = evaluate_targets(runs, peak)
    levels = city.levels
    root = city.tree.root  # type: ignore[attr-defined]
    machine = _machine(city) | {"harness_ms": harness, "load_before": load_before, "load_after": _load()}
    return {
        "tool": "python -m cockpit bench", "format": 1,
        "started_at": started, "finished_at": _now(), "duration_s": time.perf_counter() - t_start,
        "config": {"db": safe_url(city.url), "geo_dir": str(city.geo_dir), "preset": source.preset if source else None,
                   "repeat": repeat, "cold_runs": cold_runs, "floor_runs": floor_runs, "units_per_tier": units,
                   "period_days": PERIOD_DAYS, "custom_range": custom_range(city), "metric": METRIC,
                   "app": str(app_path)},
        "machine": machine,
        "dataset": {"root_code": root.code, "root_name": root.name, "levels": levels,
                    "levels_text": ", ".join(f"{n:,} {lvl}" for lvl, n in levels.items()),
                    "data_end": city.data_end.isoformat() if city.data_end else None, "meta": city.meta},
        "runs": runs,
        "peak_rss_mb": peak,
        "targets": verdicts,
        "all_targets_pass": all(v["pass"] for v in verdicts),
    }


# ---------------------------------------------------------------- command

def main_bench(db: str | None = None, geo_dir: str | None = None, preset: str | None = None,
               repeat: int = DEFAULT_REPEAT, units: int = DEFAULT_UNITS, as_json: bool = False,
               browser: bool = False, browser_only: bool = False, browser_runs: int = 5,
               cold_runs: int = DEFAULT_COLD_RUNS) -> int:
    """The `bench` command: 0 after measuring (whether or not targets pass), 2 on bad input.

    The table goes to stdout; with ``as_json`` stdout is the JSON document and the table goes to stderr.
    ``browser`` adds the first-paint figure of :mod:`cockpit.tools.bench.browser` after the page times
    (``browser_only``: that figure alone; 1 when it could not be measured, 0 when Chromium is missing).
    """
    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if repeat < 1 or units < 1 or browser_runs < 1 or cold_runs < 1:
        say("error: --repeat, --cold-runs, --units and --browser-runs must be at least 1")
        return 2
    try:
        quiet_streamlit()
        source = resolve_source(db, geo_dir, preset)
        if source.build:
            build_preset(source, say)
        city = open_city(source.db_url, source.geo_dir)
    except (BenchError, DatabaseError) as exc:
        say(f"error: {exc}")
        return 2
    if browser_only:
        return _browser_only(city, source, browser_runs, as_json, say)
    report = run_bench(city, repeat=repeat, units=units, say=say, source=source, cold_runs=cold_runs)
    text = format_report(report)
    if browser:
        from cockpit.tools.bench.browser import bench_section

        report["browser"], browser_text = bench_section(city.url, city.geo_dir, browser_runs, say)
        if report["browser"]["target"]:
            report["targets"].append(report["browser"]["target"])
            report["all_targets_pass"] = all(v["pass"] for v in report["targets"])
        text = format_report(report) + "\n\n" + browser_text
    if as_json:
        say(text)
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)
    return 0


def _browser_only(city: City, source: Source, runs: int, as_json: bool, say: Callable[[str], None]) -> int:
    """`bench --browser-only`: the first-paint figure alone, with the config and dataset it was measured on."""
    from cockpit.tools.bench.browser import bench_section

    started, t_start = _now(), time.perf_counter()
    section, text = bench_section(city.url, city.geo_dir, runs, say)
    root, levels = city.tree.root, city.levels  # type: ignore[attr-defined]
    targets = [section["target"]] if section["target"] else []
    report = {
        "tool": "python -m cockpit bench --browser-only", "format": 1,
        "started_at": started, "finished_at": _now(), "duration_s": time.perf_counter() - t_start,
        "config": {"db": safe_url(city.url), "geo_dir": str(city.geo_dir), "preset": source.preset,
                   "browser_runs": runs},
        "dataset": {"root_code": root.code, "root_name": root.name, "levels": levels,
                    "levels_text": ", ".join(f"{n:,} {lvl}" for lvl, n in levels.items()), "meta": city.meta},
        "browser": section, "targets": targets, "all_targets_pass": bool(targets) and all(v["pass"] for v in targets),
    }
    text = f"cockpit bench --browser-only · {root.name} {root.code} ({report['dataset']['levels_text']})\n{text}"
    if as_json:
        say(text)
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)
    return 1 if "error" in section else 0
