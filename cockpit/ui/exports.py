"""Every page's exports outside a browser: the scope a command line names, and each page's parts for it.

`python -m cockpit export` builds the same Scope the page frame builds and asks the page's own
`page_export` (with the page's default filters), so the files are the page's, never a copy.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time

from cockpit.core.model import PERIOD_DAYS, compute_windows
from cockpit.core.settings import Settings
from cockpit.domain import hierarchy
from cockpit.domain.access import OPEN, Access
from cockpit.store import audit
from cockpit.store.users import UsersFileError, read_users
from cockpit.ui import alerts, cases, compare, data, frame, grids, overview, participation, ranking
from cockpit.ui.downloads import PageExport
from cockpit.ui.scope import Scope
from cockpit.ui.state import ViewState

PAGE_EXPORTS: dict[str, Callable[[Scope], PageExport]] = {
    "overview": overview.page_export,
    "cases": lambda scope: cases.page_export(cases.default_view(scope)),
    "alerts": lambda scope: alerts.page_export(scope, alerts.Picked(None, None)),
    "participation": participation.page_export,
    "grids": lambda scope: grids.page_export(scope, None),
    "ranking": ranking.cli_export,
    "compare": compare.cli_export,  # the balance of the unit's children (no units picked on the command line)
}


class UnknownUnit(LookupError):
    """No unit or grid with this code in the database."""


class Refused(PermissionError):
    """The users file does not let this export happen (no such user, a role without exports, a unit not theirs)."""


def cli_access(settings: Settings, user: str | None) -> Access:
    """Who the command line exports as: anyone while no users file has users, else `--user`, checked."""
    try:
        known = read_users(settings.users_file).users
    except UsersFileError as exc:
        raise Refused(str(exc)) from exc
    if not known:
        return Access(user or "cli", OPEN)
    if not user:
        raise Refused(f"{settings.users_file} has users: say who exports with --user NAME")
    if user not in known:
        raise Refused(f"no user {user!r} in {settings.users_file}")
    u = known[user]
    found = Access(u.name, u.role, u.unit)
    if not found.may_export:
        raise Refused(f"user {user!r} ({u.role}) may not export")
    return found


def record_cli_export(scope: Scope, page: str, fmt: str, names: list[str]) -> None:
    a = scope.access
    audit.record(scope.settings.audit_url, a.name, "export", role=a.role, page=page, unit_code=scope.unit.code,
                 period_days=scope.view.period_days, detail=f"cli {fmt}: " + ", ".join(names))


def scope_for(settings: Settings, unit_code: str, period_days: int = 30, lang: str = "zh",
              end: date | None = None, found: Access | None = None) -> Scope:
    """The Scope the page frame would build for `?unit=…&period=…&lang=…`; `end` moves the period's last day."""
    if period_days not in PERIOD_DAYS:
        raise ValueError(f"period must be one of {', '.join(map(str, PERIOD_DAYS))} days, not {period_days}")
    url = settings.db_url
    tree = data.cached_tree(url)
    unit = data.find_unit(url, tree, unit_code)
    if unit is None:
        raise UnknownUnit(unit_code)
    found = found or Access("cli", OPEN)
    root = frame.root_unit(url, tree, found)  # the page frame's own rule for who sees what
    if root is None:
        raise Refused(f"{found.name!r} has no valid role and unit: nothing to export")
    found = replace(found, root_level=root.level) if found.root_code else found
    if not found.allows(unit.code):
        raise Refused(f"unit {unit.code} is outside what {found.name!r} may see")
    data_end = data.cached_data_end(url) or datetime.now()
    last = datetime.combine(end, time(23, 59, 59)) if end is not None else data_end
    current, previous, last_year = compute_windows(last, period_days)
    view = ViewState(lang, period_days, "open_cases", unit.code, False, True, False)
    return Scope(settings, view, tree, unit, hierarchy.child_level(tree, unit), min(last, data_end), current, previous,
                 last_year, found)


def quiet_streamlit() -> None:
    """Streamlit's caches run here without a server: its 'no runtime' warnings are not for a report job."""
    import streamlit.logger

    # Streamlit sets its loggers' level again from its config when that is first read: set both.
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    streamlit.logger.set_log_level("error")
    for name in list(logging.Logger.manager.loggerDict):
        if name == "streamlit" or name.startswith("streamlit."):
            logging.getLogger(name).setLevel(logging.ERROR)
