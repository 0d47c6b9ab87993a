"""Every page's exports outside a browser: the scope a command line names, and each page's parts for it.

`python -m cockpit export` builds the same Scope the page frame builds and asks the page's own
`page_export` (with the page's default filters), so the files are the page's, never a copy.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date, datetime, time

from cockpit.core.model import PERIOD_DAYS, compute_windows
from cockpit.core.settings import Settings
from cockpit.domain import hierarchy
from cockpit.ui import alerts, cases, data, grids, overview, participation
from cockpit.ui.downloads import PageExport
from cockpit.ui.scope import Scope
from cockpit.ui.state import ViewState

PAGE_EXPORTS: dict[str, Callable[[Scope], PageExport]] = {
    "overview": overview.page_export,
    "cases": lambda scope: cases.page_export(cases.default_view(scope)),
    "alerts": lambda scope: alerts.page_export(scope, alerts.Picked(None, None)),
    "participation": participation.page_export,
    "grids": lambda scope: grids.page_export(scope, None),
}


class UnknownUnit(LookupError):
    """No unit or grid with this code in the database."""


def scope_for(settings: Settings, unit_code: str, period_days: int = 30, lang: str = "zh",
              end: date | None = None) -> Scope:
    """The Scope the page frame would build for `?unit=…&period=…&lang=…`; `end` moves the period's last day."""
    if period_days not in PERIOD_DAYS:
        raise ValueError(f"period must be one of {', '.join(map(str, PERIOD_DAYS))} days, not {period_days}")
    url = settings.db_url
    tree = hierarchy.Tree.from_frame(data.cached_units(url))
    if tree.has(unit_code):
        unit = tree.unit(unit_code)
    else:
        row = data.cached_grid(url, unit_code) if len(unit_code) == 15 else None
        if row is None:
            raise UnknownUnit(unit_code)
        unit = hierarchy.grid_unit(row)
    data_end = data.cached_data_end(url) or datetime.now()
    last = datetime.combine(end, time(23, 59, 59)) if end is not None else data_end
    current, previous, last_year = compute_windows(last, period_days)
    view = ViewState(lang, period_days, "open_cases", unit.code, False, True, False)
    return Scope(settings, view, tree, unit, hierarchy.child_level(tree, unit), min(last, data_end), current, previous,
                 last_year)


def quiet_streamlit() -> None:
    """Streamlit's caches run here without a server: its 'no runtime' warnings are not for a report job."""
    import streamlit.logger

    # Streamlit sets its loggers' level again from its config when that is first read: set both.
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    streamlit.logger.set_log_level("error")
    for name in list(logging.Logger.manager.loggerDict):
        if name == "streamlit" or name.startswith("streamlit."):
            logging.getLogger(name).setLevel(logging.ERROR)
