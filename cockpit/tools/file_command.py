"""What the commands that write a page's files share (`export`, `brief`): the argument checks, the settings
with --db and --geo-dir, the quiet import of the pages' code, and one line on stderr for anything wrong."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from cockpit.core.i18n import LANGS
from cockpit.core.settings import Settings, load_settings

T = TypeVar("T")


class Failed(Exception):
    """A command's one-line reason for exit status 2."""


def fail(reason: str) -> int:
    print(f"error: {reason}", file=sys.stderr)
    return 2


def check_format_and_lang(args: argparse.Namespace, formats: tuple[str, ...]) -> str | None:
    if args.format.lower() not in formats:
        return f"unknown format {args.format!r}; choose one of: {', '.join(formats)}"
    if args.lang not in LANGS:
        return f"unknown language {args.lang!r}; choose one of: {', '.join(LANGS)}"
    return None


def quiet_ui() -> None:
    """Import the pages' code with Streamlit's no-server warnings kept off the terminal."""
    logging.disable(logging.WARNING)  # Streamlit's caches warn at import that no server runs: not news here
    try:
        from cockpit.ui import exports
    finally:
        logging.disable(logging.NOTSET)
    exports.quiet_streamlit()


def settings_of(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    return replace(settings, db_url=args.db or settings.db_url,
                   geo_dir=Path(args.geo_dir) if args.geo_dir else settings.geo_dir)


def guarded(work: Callable[[], T], unit: str, url: str) -> T:
    """`work`'s result, or Failed with the line to print: an unknown unit, a refusal, a value or font
    problem, or the database (named without its password)."""
    from cockpit.core.errors import first_line, safe_url
    from cockpit.store.engine import STORE_ERRORS
    from cockpit.ui import exports
    from cockpit.views.images import FontMissing

    shown = safe_url(url)
    try:
        return work()
    except exports.UnknownUnit:
        raise Failed(f"unknown unit {unit!r}: no unit or grid with this code in {shown}") from None
    except exports.Refused as exc:
        raise Failed(str(exc)) from None
    except (ValueError, FontMissing) as exc:
        raise Failed(first_line(exc)) from None
    except STORE_ERRORS as exc:
        raise Failed(f"database {shown}: {first_line(exc)}") from None
