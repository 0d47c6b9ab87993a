"""Command line: `python -m cockpit demo|check|rollup|bench|bench-screen|bench-mobile|bench-load|try-nginx|export|brief|forecast|users|audit|import`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from cockpit.core.settings import load_settings
from cockpit.store.engine import DatabaseError
from cockpit.tools.access import add_parsers as add_access_parsers
from cockpit.tools.brief import add_parser as add_brief_parser
from cockpit.tools.demo.presets import PRESETS
from cockpit.tools.export import add_parser as add_export_parser
from cockpit.tools.forecast import add_parser as add_forecast_parser
from cockpit.tools.importers.cli import add_parser as add_import_parser


class _Bar(Protocol):
    def close(self) -> None: ...


def _tqdm_progress() -> tuple[_Bar, Callable[[str, float], None]]:
    """A redrawn bar on a terminal; in a pipe or a log file one plain line per step (#28).

    tqdm redraws with carriage returns, which a CI log or a cron mail shows as one endless line.
    """
    if not _is_terminal(sys.stderr):
        return _line_progress()
    from tqdm import tqdm

    bar = tqdm(total=1000, bar_format="{l_bar}{bar}| {elapsed}", file=sys.stderr)

    def update(message: str, fraction: float) -> None:
        bar.set_description_str(message[:40].ljust(40))
        bar.n = int(fraction * 1000)
        bar.refresh()

    return bar, update


class _NoBar:
    def close(self) -> None:
        pass


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _line_progress() -> tuple[_Bar, Callable[[str, float], None]]:
    """One line on stderr each time the step changes (not each redraw): '[ 40%] 生成事件 / cases (3.2 s)'."""
    t0 = time.perf_counter()
    last: list[str] = []

    def update(message: str, fraction: float) -> None:
        if last and last[0] == message:
            return
        last[:] = [message]
        print(f"[{fraction * 100:3.0f}%] {message} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)

    return _NoBar(), update


def _jsonl_progress() -> tuple[_Bar, Callable[[str, float], None]]:
    """Progress as one JSON object a line on stdout, for the app's first-run build to read."""

    def update(message: str, fraction: float) -> None:
        print(json.dumps({"message": message, "fraction": round(fraction, 4)}, ensure_ascii=False), flush=True)

    return _NoBar(), update


def cmd_demo(args: argparse.Namespace) -> int:
    from cockpit.tools.demo.build import run_demo

    settings = load_settings()
    db_url = args.db or settings.db_url
    geo_dir = Path(args.geo_dir) if args.geo_dir else settings.geo_dir
    bar, update = _jsonl_progress() if args.progress == "jsonl" else _tqdm_progress()
    t0 = time.perf_counter()
    try:
        counts = run_demo(args.preset, args.seed, db_url, geo_dir, replace=args.replace, progress=update)
    finally:
        bar.close()
    total = sum(counts.values())
    print(f"demo '{args.preset}' (seed {args.seed}) written in {time.perf_counter() - t0:.1f} s: {total:,} rows")
    for name, n in counts.items():
        print(f"  {name:<16} {n:>12,}")
    print(f"boundaries: {geo_dir}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from cockpit.tools.check.database import main_check

    settings = load_settings()
    geo_dir = Path(args.geo_dir) if args.geo_dir else settings.geo_dir
    return main_check(args.db or settings.db_url, geo_dir if geo_dir.exists() or args.geo_dir else None)


def cmd_bench(args: argparse.Namespace) -> int:
    from cockpit.tools.bench.pages import main_bench

    return main_bench(args.db, args.geo_dir, args.preset, args.repeat, args.units, args.json,
                      args.browser, args.browser_only, args.browser_runs, args.cold_runs)


def cmd_rollup(args: argparse.Namespace) -> int:
    from cockpit.store.engine import make_engine
    from cockpit.store.rollup.refresh import refresh_rollups

    url = args.db or load_settings().db_url
    t0 = time.perf_counter()
    engine = make_engine(url, read_only=False)
    try:
        counts = refresh_rollups(engine)
    except Exception as exc:  # noqa: BLE001 - any driver error: one clear line, no traceback
        why = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [exc.__class__.__name__])[0]
        print(f"error: rollup refresh failed for {engine.url.render_as_string(hide_password=True)}: {why}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"rollups refreshed in {time.perf_counter() - t0:.1f} s: " + ", ".join(f"{k} {v:,} rows" for k, v in counts.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cockpit", description="City governance cockpit tools")
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="build a demo city database and boundaries")
    d.add_argument("--preset", default="zhuji", help=f"one of {', '.join(PRESETS)} (default zhuji)")
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--db", help="SQLAlchemy URL to write (default: COCKPIT_DB_URL or data/cockpit.sqlite)")
    d.add_argument("--geo-dir", help="folder for GeoJSON boundaries (default: COCKPIT_GEO_DIR or geo/)")
    d.add_argument("--replace", action="store_true", help="overwrite contract tables already in a server database")
    d.add_argument("--progress", choices=("bar", "jsonl"), default="bar",
                   help="a progress bar on stderr (default), or JSON lines on stdout for another program")
    d.set_defaults(func=cmd_demo)
    c = sub.add_parser("check", help="validate a database against the data contract")
    c.add_argument("--db", help="SQLAlchemy URL to check (default: COCKPIT_DB_URL or data/cockpit.sqlite)")
    c.add_argument("--geo-dir", help="also check that every unit and grid has a boundary here")
    c.set_defaults(func=cmd_check)
    r = sub.add_parser("rollup", help="refresh the pre-computed daily rollups (writes rollup tables only)")
    r.add_argument("--db", help="SQLAlchemy URL with write rights (default: COCKPIT_DB_URL or data/cockpit.sqlite)")
    r.set_defaults(func=cmd_rollup)
    b = sub.add_parser("bench", help="time every page cold and warm against its bare SQL, map bytes, peak memory")
    b.add_argument("--preset", help=f"measure a bench build of this preset in bench-output/, built if missing "
                   f"(one of {', '.join(PRESETS)}; default jiaxing when neither --db nor COCKPIT_DB_URL is set)")
    b.add_argument("--db", help="SQLAlchemy URL to measure (default: COCKPIT_DB_URL, else the --preset bench database)")
    b.add_argument("--geo-dir", help="boundaries of that database (default: COCKPIT_GEO_DIR or geo/; "
                   "bench-output/<preset>-geo for a preset)")
    b.add_argument("--repeat", type=int, default=10, help="warm runs per view (default 10)")
    b.add_argument("--cold-runs", type=int, default=3, help="cold runs per view, caches cleared before each; "
                   "the median is reported (default 3)")
    b.add_argument("--units", type=int, default=3, help="units sampled per tier: first, middle, last (default 3)")
    b.add_argument("--json", action="store_true", help="print the results as JSON on stdout (the table goes to stderr)")
    b.add_argument("--browser", action="store_true", help="then time the overview's first paint in headless Chromium "
                   "against a bare 6-polygon pydeck page (target < 1.5x; skipped without /usr/bin/chromium)")
    b.add_argument("--browser-only", action="store_true", help="only the browser first-paint figure")
    b.add_argument("--browser-runs", type=int, default=5, help="cold-browser loads per page for --browser (default 5)")
    b.set_defaults(func=cmd_bench)
    # listed for --help; main() hands its arguments to cockpit.tools.bench.bigscreen_memory
    sub.add_parser("bench-screen", help="the big screen's memory over many refresh cycles (server RSS, JS heap)")
    sub.add_parser("bench-mobile", help="a community's first view on a phone: bytes and first paint on Fast 3G")
    sub.add_parser("bench-load", help="many viewers at once over Streamlit's WebSocket (loopback only): rerun "
                   "p50/p95/p99, errors, sessions, server RSS")
    sub.add_parser("try-nginx", help="N cockpit processes behind Debian's nginx with deploy/nginx/cockpit.conf, "
                   "on loopback, until Ctrl-C")
    add_export_parser(sub)
    add_brief_parser(sub)
    add_forecast_parser(sub)
    add_access_parsers(sub)
    add_import_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench-screen"]:  # its options are its own module's (argparse cannot pass "--x" on)
        from cockpit.tools.bench.bigscreen_memory import main as bench_screen

        return bench_screen(argv[1:])
    if argv[:1] == ["bench-mobile"]:
        from cockpit.tools.bench.mobile import main as bench_mobile

        return bench_mobile(argv[1:])
    if argv[:1] == ["bench-load"]:
        from cockpit.tools.bench.load import main as bench_load

        return bench_load(argv[1:])
    if argv[:1] == ["try-nginx"]:
        from cockpit.tools.bench.nginx import main as try_nginx

        return try_nginx(argv[1:])
    args = build_parser().parse_args(argv)
    if getattr(args, "preset", None) is not None and args.preset not in PRESETS:
        print(f"error: unknown preset {args.preset!r}; choose one of: {', '.join(PRESETS)}", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
