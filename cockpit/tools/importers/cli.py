"""`python -m cockpit import csv|geojson|open311`: the argparse wiring (cockpit/tools/cli.py calls add_parser)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.core.settings import load_settings
from cockpit.store.engine import DatabaseError
from cockpit.store.schema import TABLES_IN_LOAD_ORDER
from cockpit.tools.importers.report import ImportFailure, Report, format_problems, say_stderr, write_errors

if TYPE_CHECKING:
    from cockpit.tools.importers.pipeline import Write

LEVELS = ("city", "district", "street", "community", "grid")
Command = Callable[[argparse.Namespace], int]


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="SQLAlchemy URL to write (default: COCKPIT_DB_URL or data/cockpit.sqlite)")
    p.add_argument("--geo-dir", help="boundaries folder (default: COCKPIT_GEO_DIR or geo/)")
    p.add_argument("--errors", metavar="FILE", help="write every rejected row and warning to FILE as CSV")
    p.add_argument("--skip-bad-rows", action="store_true", help="write the good rows even when some are rejected")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `import` with its `csv`, `geojson` and `open311` commands on the main parser's subparsers."""
    imp = subparsers.add_parser("import", help="import a city's data: CSV tables, GeoJSON boundaries, Open311")
    sub = imp.add_subparsers(dest="import_command", required=True)
    c = sub.add_parser("csv", help="one contract table from a CSV file (UTF-8 or GB18030)")
    c.add_argument("file", help="the CSV file")
    c.add_argument("--table", help=f"the table ({', '.join(t.name for t in TABLES_IN_LOAD_ORDER)}); detected from the header when left out")
    c.add_argument("--encoding", help="the file's encoding (default: detected, UTF-8 with or without BOM, or GB18030)")
    _common(c)
    c.set_defaults(func=guarded(cmd_import_csv))
    g = sub.add_parser("geojson", help="boundaries of one level from a GeoJSON FeatureCollection")
    g.add_argument("file", help="the GeoJSON file")
    g.add_argument("--level", required=True, choices=LEVELS)
    g.add_argument("--code-property", help="the property holding the division code (default: code, 代码, adcode …, "
                   "else the feature id)")
    g.add_argument("--gcj02", action="store_true", help="coordinates are GCJ-02 (高德/腾讯 web maps): convert to WGS-84")
    _common(g)
    g.set_defaults(func=guarded(cmd_import_geojson))
    o = sub.add_parser("open311", help="Open311 GeoReport v2 services and requests into categories and cases")
    o.add_argument("--requests", required=True, help="requests.json (a JSON array of service requests)")
    o.add_argument("--services", required=True, help="services.json (a JSON array of services)")
    o.add_argument("--default-grid", help="grid code for requests without a usable position or outside every grid")
    o.add_argument("--kind", choices=("event", "component"), default="event", help="kind of new categories (event)")
    o.add_argument("--review-hours", type=float, default=6.0, help="deadline of new categories (6)")
    o.add_argument("--response-hours", type=float, default=15.0, help="deadline of new categories (15)")
    o.add_argument("--resolve-hours", type=float, default=72.0, help="deadline of new categories (72)")
    _common(o)
    o.set_defaults(func=guarded(cmd_import_open311))


def _targets(args: argparse.Namespace) -> tuple[str, Path]:
    settings = load_settings()
    return args.db or settings.db_url, Path(args.geo_dir) if args.geo_dir else settings.geo_dir


def _finish(args: argparse.Namespace, report: Report, write: Write | None, url: str, geo_dir: Path,
            after_commit: Callable[[], None] | None = None) -> int:
    """Print warnings, write (unless there is nothing to write), print rejections; the exit code."""
    from cockpit.tools.importers.pipeline import after_import, write_all_or_nothing

    say = say_stderr
    written = None
    if write is not None:
        written = write_all_or_nothing(url, report, write, args.skip_bad_rows)
    if args.errors:
        write_errors(Path(args.errors), report.rejected + report.warnings)
    if report.warnings:
        say(format_problems("warnings / 警告", report.warnings))
    if report.rejected:
        say(format_problems("rejected / 拒绝", report.rejected))
    if written is None:
        say("nothing was written / 未写入任何数据" + ("" if report.rejected else " (no rows)"))
        return 1 if report.rejected else 0
    if after_commit is not None:
        after_commit()
    for table, counts in written.counts.items():
        print(f"{table}: {counts.text()}")
    after_import(url, geo_dir, say)
    return 0


def cmd_import_csv(args: argparse.Namespace) -> int:
    from cockpit.tools.importers.csv_tables import csv_writer, read_csv_rows

    url, geo_dir = _targets(args)
    report = Report(args.file)
    parsed = read_csv_rows(Path(args.file), args.table, args.encoding, report)
    say_stderr(f"{args.file}: {parsed.table.name}, {parsed.encoding}, {len(parsed.rows) + len(report.rejected_lines()):,} rows read")
    return _finish(args, report, csv_writer(parsed, args.file, say_stderr) if parsed.rows else None, url, geo_dir)


def cmd_import_geojson(args: argparse.Namespace) -> int:
    from cockpit.tools.importers.geojson import StagedFiles, import_geojson

    url, geo_dir = _targets(args)
    report = Report(args.file)
    staged = StagedFiles()
    try:
        write = import_geojson(Path(args.file), args.level, args.code_property, args.gcj02, url, geo_dir, report, staged)
        return _finish(args, report, write, url, geo_dir, staged.commit)
    finally:
        staged.discard()


def cmd_import_open311(args: argparse.Namespace) -> int:
    from cockpit.tools.importers.open311 import Open311Options, read_open311

    url, geo_dir = _targets(args)
    report = Report(args.requests)
    options = Open311Options(args.default_grid, args.kind, args.review_hours, args.response_hours, args.resolve_hours)
    write = read_open311(Path(args.requests), Path(args.services), geo_dir, options, report)
    return _finish(args, report, write, url, geo_dir)


INTERNAL = "internal error"


def guarded(command: Command) -> Command:
    """``command`` with problems of the input or the database as one line on stderr, never a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (ImportFailure, DatabaseError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("interrupted; nothing was written", file=sys.stderr)
            return 130
        except Exception as exc:  # noqa: BLE001 - a bug must not show a person a traceback; the tests look for this line
            print(f"error: {INTERNAL} ({type(exc).__name__}: {exc}); nothing was written", file=sys.stderr)
            return 3

    return run


def main(argv: list[str] | None = None) -> int:
    """`import …` on its own parser (for tests, and until cockpit/tools/cli.py calls add_parser)."""
    parser = argparse.ArgumentParser(prog="python -m cockpit")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)
