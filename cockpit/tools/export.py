"""`python -m cockpit export`: a page's files for a unit and period, unattended (周报/月报), as the page offers them."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from cockpit.core.i18n import LANGS
from cockpit.core.settings import load_settings

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


def _fail(reason: str) -> int:
    print(f"error: {reason}", file=sys.stderr)
    return 2


def _check(args: argparse.Namespace) -> str | None:
    """What is wrong with the arguments that needs no database, in one line."""
    if args.format.lower() not in FORMATS:
        return f"unknown format {args.format!r}; choose one of: {', '.join(FORMATS)}"
    if args.lang not in LANGS:
        return f"unknown language {args.lang!r}; choose one of: {', '.join(LANGS)}"
    try:
        date.fromisoformat(args.end) if args.end else None
    except ValueError:
        return f"--end must be a date as YYYY-MM-DD, not {args.end!r}"
    return None


def cmd_export(args: argparse.Namespace) -> int:
    """Write the files, print each path; one line on stderr and a non-zero exit for anything unknown."""
    wrong = _check(args)
    if wrong:
        return _fail(wrong)
    from cockpit.core.errors import first_line, safe_url
    from cockpit.store.engine import STORE_ERRORS

    logging.disable(logging.WARNING)  # Streamlit's caches warn at import that no server runs: not news here
    try:
        from cockpit.ui import exports
    finally:
        logging.disable(logging.NOTSET)
    exports.quiet_streamlit()
    from cockpit.ui.downloads import page_files
    from cockpit.views.images import FontMissing

    if args.page not in exports.PAGE_EXPORTS:
        return _fail(f"unknown page {args.page!r}; choose one of: {', '.join(exports.PAGE_EXPORTS)}")
    settings = load_settings()
    settings = replace(settings, db_url=args.db or settings.db_url,
                       geo_dir=Path(args.geo_dir) if args.geo_dir else settings.geo_dir)
    shown_url = safe_url(settings.db_url)
    end = date.fromisoformat(args.end) if args.end else None
    try:
        found = exports.cli_access(settings, args.user)
        scope = exports.scope_for(settings, args.unit, args.period, args.lang, end, found)
        written = page_files(exports.PAGE_EXPORTS[args.page](scope), args.format.lower())
    except exports.UnknownUnit:
        return _fail(f"unknown unit {args.unit!r}: no unit or grid with this code in {shown_url}")
    except exports.Refused as exc:
        return _fail(str(exc))
    except (ValueError, FontMissing) as exc:
        return _fail(first_line(exc))
    except STORE_ERRORS as exc:
        return _fail(f"database {shown_url}: {first_line(exc)}")
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
