"""`python -m cockpit users …` (the local users file, kiosk tokens) and `python -m cockpit audit` (the audit log)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.core.settings import Settings, load_settings
from cockpit.domain import access as rules

if TYPE_CHECKING:  # the users store imports argon2: only when a users command runs
    from cockpit.store.users import Users


def add_parsers(sub: argparse._SubParsersAction) -> None:
    u = sub.add_parser("users", help="manage who may sign in (COCKPIT_USERS_FILE, default data/users.toml)")
    u.add_argument("--file", help="the users file (default: COCKPIT_USERS_FILE or data/users.toml)")
    u.add_argument("--db", help="database whose units --unit must name (default: COCKPIT_DB_URL or data/cockpit.sqlite)")
    us = u.add_subparsers(dest="action", required=True)
    a = us.add_parser("add", help="add a user, or change one's role, unit or password")
    a.add_argument("name")
    a.add_argument("--role", required=True, help=", ".join(rules.ROLES))
    a.add_argument("--unit", help="division code of the user's unit (not for leader and analyst)")
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin (else asked twice)")
    r = us.add_parser("remove", help="remove a user")
    r.add_argument("name")
    us.add_parser("list", help="list users and kiosks (never passwords or tokens)")
    k = us.add_parser("kiosk-add", help="a token for the big screen on a wall, bound to one unit; printed once")
    k.add_argument("--unit", required=True)
    k.add_argument("--note", default="", help="where the screen is, e.g. 指挥中心主屏")
    k.add_argument("--children", action="store_true",
                   help="the screen may also show the units below its own (rotate=children, a child's unit=); "
                        "without it, only its own unit")
    kr = us.add_parser("kiosk-revoke", help="revoke a kiosk token by its id")
    kr.add_argument("id")
    u.set_defaults(func=cmd_users)
    au = sub.add_parser("audit", help="print the audit log: sign-ins, failed sign-ins, exports")
    au.add_argument("--since", help="from this day on, YYYY-MM-DD")
    au.set_defaults(func=cmd_audit)


def _fail(reason: str) -> int:
    print(f"error: {reason}", file=sys.stderr)
    return 2


def _settings(args: argparse.Namespace) -> Settings:
    from dataclasses import replace

    s = load_settings()
    return replace(s, users_file=Path(args.file) if args.file else s.users_file, db_url=args.db or s.db_url)


def unit_level(db_url: str, code: str) -> str | None:
    """The level of a unit or grid in the database, or None when there is none with this code."""
    from cockpit import queries
    from cockpit.store.engine import make_engine

    engine = make_engine(db_url)
    try:
        units = queries.fetch_units(engine)
        found = units.loc[units["code"] == code, "level"]
        if len(found):
            return str(found.iloc[0])
        return "grid" if len(code) == 15 and queries.fetch_grid(engine, code) is not None else None
    finally:
        engine.dispose()


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    return first if first == getpass.getpass("again: ") else None


def cmd_users(args: argparse.Namespace) -> int:
    from cockpit.store import users as store

    settings = _settings(args)
    try:
        found = store.read_users(settings.users_file)
        message = _apply(args, settings, found)
    except store.UsersFileError as exc:
        return _fail(str(exc))
    if message.startswith("error: "):
        return _fail(message.removeprefix("error: "))
    if args.action not in ("list",):
        store.write_users(settings.users_file, found)
    print(message)
    return 0


def _apply(args: argparse.Namespace, settings: Settings, found: Users) -> str:
    """Change `found` (the users file's content) as the action asks; the line to print ("error: …" on failure)."""
    from cockpit.store import users as store

    if args.action == "list":
        lines = [f"user\t{u.name}\t{u.role}\t{u.unit or '-'}" for u in sorted(found.users.values(), key=lambda u: u.name)]
        lines += [f"kiosk\t{k.id}\t{k.unit}{'+children' if k.children else ''}\t{k.created}\t{k.note}"
                  for k in found.kiosks.values()]
        return "\n".join(lines) or f"no users or kiosks in {settings.users_file}"
    if args.action == "remove":
        if found.users.pop(args.name, None) is None:
            return f"error: no user {args.name!r} in {settings.users_file}"
        return f"removed {args.name}"
    if args.action == "kiosk-revoke":
        if found.kiosks.pop(args.id, None) is None:
            return f"error: no kiosk {args.id!r} in {settings.users_file}"
        return f"revoked kiosk {args.id}"
    level = unit_level(settings.db_url, args.unit) if getattr(args, "unit", None) else None
    if getattr(args, "unit", None) and level is None:
        return f"error: unknown unit {args.unit!r}: no unit or grid with this code in the database"
    if args.action == "kiosk-add":
        kiosk, token = store.new_kiosk(found, args.unit, args.note, args.children)
        below = " and the units below it" if kiosk.children else " only"
        return f"kiosk {kiosk.id} for {kiosk.unit}{below}: open /bigscreen?unit={kiosk.unit}&embed=true&kiosk={token}"
    wrong = rules.check_role(args.role, level)
    if wrong:
        return f"error: {wrong}"
    password = _read_password(args.password_stdin)
    if not password:
        return "error: no password given (or the two did not match)"
    found.users[args.name] = store.User(args.name, args.role, args.unit, store.hash_password(password))
    return f"user {args.name}: {args.role}" + (f" of {args.unit}" if args.unit else "")


def cmd_audit(args: argparse.Namespace) -> int:
    from cockpit.store import audit

    try:
        since = datetime.combine(date.fromisoformat(args.since), datetime.min.time()) if args.since else None
    except ValueError:
        return _fail(f"--since must be a date as YYYY-MM-DD, not {args.since!r}")
    settings = load_settings()
    for row in audit.read_events(settings.audit_url, since):
        print("\t".join("" if v is None else str(v) for v in row))
    return 0
