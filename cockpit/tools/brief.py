"""`python -m cockpit brief`: the 工作简报 of a unit for a week, a month or a page's period, as DOCX or PDF.

Built by cockpit.ui.brief from the pages' own functions (the figures are the screen's); the file is
written under a temporary name and moved into place, and its path printed. Anything wrong — an
argument, a unit, the database — is one line on stderr and exit status 2, nothing written.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from cockpit.tools.file_command import Failed, check_format_and_lang, fail, guarded, quiet_ui, settings_of

FORMATS = ("docx", "pdf")


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cockpit.core.model import PERIOD_DAYS

    b = sub.add_parser("brief", help="write the 工作简报 (weekly/monthly brief) of a unit as DOCX or PDF")
    b.add_argument("--unit", required=True, help="division code of the unit (12 digits) or grid (15 digits)")
    when = b.add_mutually_exclusive_group()
    when.add_argument("--week", help="an ISO week, e.g. 2026-W44 (default: the last full week of the data)")
    when.add_argument("--month", help="a calendar month, e.g. 2026-10")
    when.add_argument("--period", type=int, help=f"days, as on the pages: one of {', '.join(map(str, PERIOD_DAYS))}")
    b.add_argument("--end", help="the last day of --period, YYYY-MM-DD (default: the newest day of the data)")
    b.add_argument("--each", metavar="LEVEL", help="instead: one brief for every unit of this level under --unit "
                   "(district, street or community), e.g. every street's for a Monday job")
    b.add_argument("--format", required=True, help="docx (Word, editable) or pdf")
    b.add_argument("--lang", default="zh", help="zh (default) or en")
    b.add_argument("--out", default="exports", help="folder to write into (default exports/)")
    b.add_argument("--db", help="SQLAlchemy URL (default: COCKPIT_DB_URL or data/cockpit.sqlite)")
    b.add_argument("--geo-dir", help="boundaries (default: COCKPIT_GEO_DIR or geo/)")
    b.add_argument("--user", help="write as this user of the users file (required once it has users)")
    b.add_argument("--timing", action="store_true", help="say on stderr how long the brief took")
    b.set_defaults(func=cmd_brief)


def _check(args: argparse.Namespace) -> str | None:
    """What is wrong with the arguments that needs no database, in one line."""
    from cockpit.core.model import PERIOD_DAYS
    from cockpit.domain import brief as model

    wrong = check_format_and_lang(args, FORMATS)
    if wrong:
        return wrong
    if args.period is not None and args.period not in PERIOD_DAYS:
        return f"--period must be one of {', '.join(map(str, PERIOD_DAYS))} days, not {args.period}"
    if args.each and args.each not in ("district", "street", "community"):
        return f"--each must be district, street or community, not {args.each!r}"
    if args.end and args.period is None:
        return "--end goes with --period (a --week or --month names its own days)"
    try:
        date.fromisoformat(args.end) if args.end else None
    except ValueError:
        return f"--end must be a date as YYYY-MM-DD, not {args.end!r}"
    try:
        model.parse_week(args.week) if args.week else None
        model.parse_month(args.month) if args.month else None
    except ValueError as exc:
        return str(exc)
    return None


def cmd_brief(args: argparse.Namespace) -> int:
    wrong = _check(args)
    if wrong:
        return fail(wrong)
    quiet_ui()
    from cockpit.ui import brief, exports

    settings = settings_of(args)
    fmt = args.format.lower()
    t0 = time.perf_counter()

    def work() -> list[str]:
        found = exports.cli_access(settings, args.user)
        period = brief.period_of(settings, args.week, args.month, args.period,
                                 date.fromisoformat(args.end) if args.end else None)
        wanted = brief.units_below(settings, args.unit, args.each) if args.each else [args.unit]
        for code in wanted:
            scope = brief.brief_scope(settings, code, period, args.lang, found)
            name = brief.file_name(scope, period, fmt)
            _write(brief.brief_bytes(brief.build_brief(scope, period), fmt), Path(args.out), name)
            brief.record(scope, fmt, name, "cli")
        return wanted

    try:
        wanted = guarded(work, args.unit, settings.db_url)
    except Failed as exc:
        return fail(str(exc))
    if args.timing:
        print(f"{len(wanted)} brief(s) written in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


def _write(content: bytes, out: Path, name: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(content)
    tmp.replace(path)  # a report job never picks up half a file
    print(path, flush=True)
