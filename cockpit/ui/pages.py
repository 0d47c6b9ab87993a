"""The app's pages, in one list: app.py's navigation and the bench both read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from cockpit.core.i18n import t
from cockpit.domain import access as rules
from cockpit.domain.access import Access
from cockpit.ui import auth


@dataclass(frozen=True)
class PageSpec:
    key: str  # the text key of its title and its URL path
    path: str  # the page file, relative to the project
    icon: str  # a Material icon: drawn from Streamlit's own font, nothing fetched
    with_unit: bool = True  # shows a unit (so the bench measures it at every tier)
    roles: frozenset[str] | None = None  # who may use it (None: every valid role but a kiosk)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/overview.py", ":material/map:"),
    PageSpec("home", "pages/home.py", ":material/home:"),  # 我的: the phone home (docs/mobile.md)
    PageSpec("cases", "pages/cases.py", ":material/assignment:"),
    PageSpec("alerts", "pages/alerts.py", ":material/warning:"),
    PageSpec("participation", "pages/participation.py", ":material/volunteer_activism:"),
    PageSpec("grids", "pages/grids.py", ":material/grid_view:"),
    PageSpec("ranking", "pages/ranking.py", ":material/leaderboard:"),  # 考核排名 (#21)
    PageSpec("compare", "pages/compare.py", ":material/compare_arrows:"),  # 对比分析 (#23)
    PageSpec("bigscreen", "pages/bigscreen.py", ":material/tv:",
             roles=frozenset({*rules.ROLES, rules.OPEN, rules.KIOSK})),  # 大屏: its own canvas, no sidebar shown
    # The data source page names the database: for those who see the whole city.
    PageSpec("about", "pages/about.py", ":material/info:", with_unit=False,
             roles=frozenset({*rules.WHOLE_CITY, rules.OPEN})),
)


def _sign_in_for(spec: PageSpec) -> Callable[[], None]:
    def page() -> None:
        auth.sign_in_page(spec.path)

    page.__name__ = f"sign_in_{spec.key}"  # st.Page tells pages apart by their callable's name
    return page


def _no_access_for(spec: PageSpec) -> Callable[[], None]:
    def page() -> None:
        auth.no_access_page()

    page.__name__ = f"no_access_{spec.key}"
    return page


def allowed_pages(found: Access) -> tuple[PageSpec, ...]:
    """The pages an Access may use; the others are left out of the navigation (so cannot be routed to)."""
    if not found.valid:
        return ()
    default = frozenset({*rules.ROLES, rules.OPEN})
    return tuple(p for p in PAGES if found.role in (p.roles if p.roles is not None else default))


def navigation(lang: str, found: Access | None = None) -> st.navigation:  # type: ignore[valid-type]
    """st.navigation over the pages this viewer may use, in their language; the first page is the default.

    Nobody signed in yet: only the sign-in page. A signed-in account with no valid role: only a notice.
    """
    if found is None:  # every page's address shows the sign-in, and leads to that page once signed in
        return st.navigation([st.Page(_sign_in_for(p), title=t("au_sign_in", lang), url_path=p.key, default=i == 0)
                              for i, p in enumerate(PAGES)], position="hidden")
    pages = allowed_pages(found)
    if not pages:  # every page's address shows the notice: an unknown path would add Streamlit's English "Page not found"
        return st.navigation([st.Page(_no_access_for(p), title=t("app_title", lang), url_path=p.key, default=i == 0)
                              for i, p in enumerate(PAGES)], position="hidden")
    if found.role == rules.KIOSK:  # a wall has its big screen at every page's address: its default page has no
        # path of its own ("/"), so /bigscreen, the link kiosk-add prints, would be Streamlit's "Page not found"
        [screen] = pages
        return st.navigation([st.Page(screen.path, title=t(screen.key, lang), icon=screen.icon, url_path=p.key,
                                      default=i == 0) for i, p in enumerate(PAGES)], position="hidden")
    return st.navigation([
        st.Page(p.path, title=t(p.key, lang), icon=p.icon, url_path=p.key, default=i == 0)
        for i, p in enumerate(pages)
    ], position="sidebar")
