"""The phone home (我的): the viewer's own unit — open and overdue cases, newest active alerts, links on.

A phone that opens the bare app (no unit in the link) lands here (`open_on_phone`, called by
app.py); any other link opens where it points. Every read is one the other pages already make
(and cache), so the home costs the store nothing new. See docs/mobile.md.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from cockpit.core.i18n import t
from cockpit.core.model import Unit
from cockpit.domain import hierarchy, metrics
from cockpit.ui import data, device, search
from cockpit.ui.a11y import render_heading
from cockpit.ui.alerts import Picked, cached_active
from cockpit.ui.cases import cached_case_categories, cached_case_list
from cockpit.ui.nodata import no_data
from cockpit.ui.scope import Scope
from cockpit.views import home as views

HOME_PAGE = "pages/home.py"
CASES_SHOWN = 6
ALERTS_SHOWN = 5
CASES_READ = 40  # the list is overdue first, then by due time: enough rows to find the open ones


def home_unit(scope: Scope) -> Unit:
    """The unit the home is about: the signed-in viewer's own one (the root of their Access:
    their grid, community or street), wherever the link or the session had wandered inside it.

    The open demo, a whole-city account, or an account whose unit is not in the database (the
    frame has already refused that one) get the unit the page frame resolved from the link.
    """
    code = scope.access.root_code
    if code is None or code == scope.unit.code:
        return scope.unit
    own = data.find_unit(scope.url, scope.tree, code)
    return scope.unit if own is None else own


def home_scope(scope: Scope) -> Scope:
    """The page's Scope moved to `home_unit` (the same one while it is the frame's unit)."""
    unit = home_unit(scope)
    if unit.code == scope.unit.code:
        return scope
    return replace(scope, unit=unit, child_level=hierarchy.child_level(scope.tree, unit))


def open_on_phone(page: object) -> None:
    """Once a session: a phone opening the app's default page without a unit in the link goes to its home."""
    ss = st.session_state
    if ss.get("_home_checked"):
        return
    ss["_home_checked"] = True
    if getattr(page, "url_path", None) == "" and "unit" not in st.query_params and device.kind() == device.PHONE:
        try:
            st.switch_page(HOME_PAGE)
        except StreamlitAPIException:  # the home is not in this session's navigation (signed out, a kiosk)
            return


def render_figures(scope: Scope) -> None:
    url, unit = scope.url, scope.unit
    current, _ = data.cached_window_values(url, unit, scope.current)
    kpis = metrics.compute_kpis(current, data.comparison_values(url, unit, scope.previous),
                                data.comparison_values(url, unit, scope.last_year))
    st.html(views.build_home_figures_html(kpis, scope.lang, no_data(scope), scope.access.sees_import_hints))


def open_cases(scope: Scope) -> tuple[pd.DataFrame, int]:
    """The unit's cases still open at the period's end, overdue first, and how many the list held."""
    cases, total = cached_case_list(scope.url, scope.unit, scope.current, None, None, None)
    head = cases.head(CASES_READ)
    still_open = head[head["closed_at"].isna() | (head["closed_at"] >= scope.current.end)]
    return still_open.head(CASES_SHOWN), total


def render_cases(scope: Scope) -> None:
    lang = scope.lang
    render_heading(t('mb_cases_title', lang))
    cases, _ = open_cases(scope)
    if cases.empty:
        st.caption(t("mb_cases_none", lang))
        return
    cats = cached_case_categories(scope.url)
    names = dict(zip(cats["code"].astype(str), cats["name" if lang == "zh" else "name_en"].fillna(cats["name"]).astype(str)))
    st.html(views.build_case_rows_html(cases, names, lang))


def newest_alerts(scope: Scope) -> pd.DataFrame:
    rows, _ = cached_active(scope.url, scope.unit, scope.current.end, Picked(None, None))
    return rows.sort_values(["raised_at", "id"], ascending=False).head(ALERTS_SHOWN)


def render_alerts(scope: Scope) -> None:
    lang = scope.lang
    render_heading(t('mb_alerts_title', lang))
    alerts = newest_alerts(scope)
    if alerts.empty:
        st.caption(t("mb_alerts_none", lang))
        return
    st.html(views.build_alert_rows_html(alerts, lang))


def render_links(scope: Scope) -> None:
    """On to the full overview and the two theme pages a grid worker needs, for the same unit."""
    lang = scope.lang
    st.page_link("pages/overview.py", label=t("mb_full_overview", lang), icon=":material/map:", width="stretch")
    left, right = st.columns(2)
    left.page_link("pages/cases.py", label=t("mb_cases_page", lang), icon=":material/assignment:", width="stretch")
    right.page_link("pages/alerts.py", label=t("mb_alerts_page", lang), icon=":material/warning:", width="stretch")
    st.caption(t("mb_unit_note", lang))


def render_search(scope: Scope) -> None:
    """The unit search inline: on a phone the sidebar, where every other page has it, stays shut."""
    search.render_unit_search(scope, key="home_search")
