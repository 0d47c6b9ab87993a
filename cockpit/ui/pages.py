"""The app's pages, in one list: app.py's navigation and the bench both read it."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from cockpit.core.i18n import t


@dataclass(frozen=True)
class PageSpec:
    key: str  # the text key of its title and its URL path
    path: str  # the page file, relative to the project
    icon: str  # a Material icon: drawn from Streamlit's own font, nothing fetched
    with_unit: bool = True  # shows a unit (so the bench measures it at every tier)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/overview.py", ":material/map:"),
    PageSpec("cases", "pages/cases.py", ":material/assignment:"),
    PageSpec("alerts", "pages/alerts.py", ":material/warning:"),
    PageSpec("participation", "pages/participation.py", ":material/volunteer_activism:"),
    PageSpec("grids", "pages/grids.py", ":material/grid_view:"),
    PageSpec("about", "pages/about.py", ":material/info:", with_unit=False),
)


def navigation(lang: str) -> st.navigation:  # type: ignore[valid-type]
    """st.navigation over PAGES in the viewer's language; the first page is the default."""
    return st.navigation([
        st.Page(p.path, title=t(p.key, lang), icon=p.icon, url_path=p.key, default=i == 0)
        for i, p in enumerate(PAGES)
    ])
