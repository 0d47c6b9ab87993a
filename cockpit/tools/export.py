"""`python -m cockpit export`: a page's files for a unit and period, unattended (周报/月报), as the page offers them."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from cockpit.tools.file_command import Failed, check_format_and_lang, fail, guarded, quiet_ui, settings_of

FORMATS = ("xlsx", "csv", "png", "svg")


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cockpit.core.model import PERIOD_DAYS

    e = sub.add_parser("export", help="write a page's tables (xlsx, csv) or charts (png, svg) for a unit and period")
    e.add_argument("--unit", required=True, help="division code of the unit (12 digits) or grid (15 digits)")
    e.add_argument("--page", required=True, help="overview, cases, alerts, participation or grids")
    e.add_argument("--period", type=int, default=30, help=f"days: one of {', '.join(map(str, PERIOD_DAYS))} (default 30)")
    e.add_argument("--end", help="the period's last day, YYYY-MM-DD (default: the data's latest day)")
    e.add_argument("--lang", default="zh", help="zh (default) or en")
    e.add_argument("--format", required=True, help="xlsx (the page's workbook), csv (a file per table), "
                   "png or svg (a file per chart)")
    e.add_argument("--out", default="exports", help="folder to write into (default exports/)")
    e.add_argument("--db", help="SQLAlchemy URL (default: COCKPIT_DB_URL or data/cockpit.sqlite)")
    e.add_argument("--geo-dir", help="boundaries (default: COCKPIT_GEO_DIR or geo/)")
    e.add_argument("--user", help="export as this user of the users file (required once the file has users): "
                   "their role must allow exports and the unit must be theirs")
    e.set_defaults(func=cmd_export)


def _check(args: argparse.Namespace) -> str | None:
    """What is wrong with the arguments that needs no database, in one line."""
    wrong = check_format_and_lang(args, FORMATS)
    if wrong:
        return wrong
    try:
        date.fromisoformat(args.end) if args.end else None
    except ValueError:
        return f"--end must be a date as YYYY-MM-DD, not {args.end!r}"
    return None


def cmd_export(args: argparse.Namespace) -> int:
    """Write the files, print each path; one line on stderr and a non-zero exit for anything unknown."""
    wrong = _check(args)
    if wrong:
        return fail(wrong)
    quiet_ui()
    from cockpit.ui import exports
    from cockpit.ui.downloads import page_files

    if args.page not in exports.PAGE_EXPORTS:
        return fail(f"unknown page {args.page!r}; choose one of: {', '.join(exports.PAGE_EXPORTS)}")
    settings = settings_of(args)
    end = date.fromisoformat(args.end) if args.end else None

    def work() -> tuple:
        found = exports.cli_access(settings, args.user)
        scope = exports.scope_for(settings, args.unit, args.period, args.lang, end, found)
        return scope, page_files(exports.PAGE_EXPORTS[args.page](scope), args.format.lower())

    try:
        scope, written = guarded(work, args.unit, settings.db_url)
    except Failed as exc:
        return fail(str(exc))
    _write(written, Path(args.out))
    exports.record_cli_export(scope, args.page, args.format.lower(), [name for name, _ in written])
    if not written:
        print(f"nothing to write: the {args.page} page has no {args.format} part", file=sys.stderr)
    return 0


def _write(written: list[tuple[str, bytes]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, content in written:
        path = out / name
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(content)
        tmp.replace(path)  # a report job never picks up half a file
        print(path)
