"""The overview's sub-units list and exports: its KPI cards and the map's figures as tables, its trend panel as a chart."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from cockpit.core.i18n import t
from cockpit.domain import metrics
from cockpit.store.engine import STORE_ERRORS
from cockpit.ui import data, device, ranking
from cockpit.ui.downloads import PageExport, Part, show_table
from cockpit.ui.nodata import no_data
from cockpit.ui.render import forecast_table, trend_chart
from cockpit.ui.scope import Scope
from cockpit.views import overview as views
from cockpit.views.tables import Table

PAGE = "overview"


def kpis_table(scope: Scope) -> Table:
    """The cards' figures, read by the same calls as render_kpis."""
    url, unit = scope.url, scope.unit
    current, _ = data.cached_window_values(url, unit, scope.current)
    kpis = metrics.compute_kpis(current, data.comparison_values(url, unit, scope.previous),
                                data.comparison_values(url, unit, scope.last_year))
    return views.kpi_table(kpis, scope.lang, t("ov_kpis", scope.lang), no_data(scope))


def sub_units_table(scope: Scope, sort: str = "code", scores: bool = True) -> Table:
    """What the map colours: every child (a grid: itself) with every map metric and (`scores`) the month's 考核."""
    unit = scope.unit
    names = dict(data.children_options(scope.url, scope.tree, unit)) if scope.child_level else {unit.code: unit.name}
    values = data.map_values(scope.url, scope.tree, unit, scope.child_level, scope.current, list(names))
    title = t("ov_children" if scope.child_level else "ov_self", scope.lang)
    return views.children_table(values, names, scope.lang, title, child_scores(scope) if scores else None, sort)


def child_scores(scope: Scope) -> pd.DataFrame | None:
    """The children's place, its peer group and 综合分 in the month the rankings page opens on (its default scheme), by code."""
    if scope.child_level is None:
        return None
    view = ranking.default_view(scope)
    if view is None or view.tier != scope.child_level or view.table.empty:
        return None
    found = view.table.set_index("code")[["rank", "tied", "ranked", "score", "group"]]
    # Places are per peer group (街道 apart from 镇): name the group where there is more than one.
    return found.assign(group=found["group"].map(view.group_text) if len(view.groups) > 1 else "")


def render_children(scope: Scope) -> None:
    """The sub-units in the sidebar, ordered by any map figure or by the month's 考核综合分.

    In the sidebar because the overview fits one 1920×1080 screen without scrolling (tests/browser/test_map.py);
    a compact list there — name, the figure ordered by, place and score — and every column in the exports.
    """
    if scope.child_level is None or device.kind() != device.DESK:  # a phone's sidebar stays shut: its list is the exports'
        return
    lang = scope.lang
    with st.sidebar, st.expander(t("ov_children_list", lang), icon=":material/format_list_numbered:"):
        sort = st.selectbox(t("ov_sort", lang), views.SORTS, key="ov_child_sort",
                            format_func=lambda s: t(f"ov_sort_{s}", lang) if s in ("code", "score") else t(f"m_{s}", lang))
        table = sub_units_table(scope, sort, scores=sort == "score")  # the month's ranking only when asked for:
        # it costs the overview's first run ~0.15 s at a 嘉兴 city
        frame = table.frame
        keep = [t("name", lang)] + ([t(f"m_{sort}", lang)] if sort not in ("code", "score") else [])
        keep += [c for c in (t("ov_rank", lang), t("ov_score", lang)) if c in frame.columns]
        if t("ov_score", lang) in frame.columns:
            st.caption(t("ov_score_note", lang))
        show_table(replace(table, frame=frame[keep]), height=min(420, 38 + 35 * len(frame)))


def has_band(scope: Scope) -> bool:
    try:
        return not trend_chart(scope).args[-1].empty
    except STORE_ERRORS:  # the page's own reads will say what is wrong
        return False


def page_export(scope: Scope) -> PageExport:
    lang = scope.lang
    parts = (
        Part("table", "indicators", t("ov_kpis", lang), lambda: kpis_table(scope)),
        Part("table", "sub_units", t("ov_children" if scope.child_level else "ov_self", lang), lambda: sub_units_table(scope)),
        # the trend panel's forecast columns (#24), where the panel draws a forecast
        *([Part("table", "forecast", t("fc_table", lang), lambda: forecast_table(scope))] if has_band(scope) else []),
        Part("chart", "trends", t("ov_trends", lang), lambda: trend_chart(scope)),
    )
    return PageExport(PAGE, scope, parts)
