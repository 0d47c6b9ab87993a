"""The grids page on screen: the sort choice (in the URL), the ranked table, a row that opens its grid."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from cockpit import queries
from cockpit.core.i18n import fmt_number, t
from cockpit.core.model import Unit, Window
from cockpit.domain import facts, grids, privacy
from cockpit.queries.grids import GRID_SORTS
from cockpit.ui.a11y import render_heading
from cockpit.ui.data import cached_facts, cached_rollup_fresh, data_call, engine
from cockpit.ui.downloads import PageExport, Part, picked_code, show_table
from cockpit.ui.filters import url_choice
from cockpit.ui.scope import Scope
from cockpit.ui.state import set_unit
from cockpit.views import grids as gridview
from cockpit.views.tables import Table

PAGE = "grids"
DEFAULT_SORT = "overdue_cases"  # the grids that need attention first
LIMIT = 50  # rows sent to the browser under a unit: the top of the chosen order
SUPPRESSED = ("households", "residents", "open_cases", "overdue_cases", "active_alerts")  # counts of people or cases
SIBLINGS = 2000  # at a grid: every grid of its community (a community has tens)
TABLE_HEIGHT = 600  # px: header, breadcrumb, the sort box and this fit a 1080-pixel screen


@data_call()
def cached_grid_table(url: str, unit: Unit, w: Window, sort: str, descending: bool, limit: int) -> tuple[pd.DataFrame, int]:
    """The ranked grids of a unit with their medians and shares, and how many grids the unit has."""
    e = engine(url)
    table, total = queries.fetch_grid_table(e, unit, w, sort, descending, limit, rolled=cached_rollup_fresh(url))
    times = queries.fetch_closing_times(e, tuple(table["code"]), w)
    return grids.with_derived(table, times), total


@dataclass(frozen=True)
class GridList:
    """The grids listed for the page's unit in the chosen order (at a grid: its community's, this one marked)."""

    rows: pd.DataFrame
    total: int
    here: str | None
    order: str  # the order's label


def grid_list(scope: Scope, choice: str | None) -> GridList:
    lang, unit = scope.lang, scope.unit
    sort, descending = grids.parse_sort(choice, GRID_SORTS, DEFAULT_SORT)
    order = gridview.sort_label(sort if descending else f"{sort}_asc", lang)
    here = unit.code if unit.level == "grid" else None
    listed = scope.tree.unit(unit.parent_code) if here and unit.parent_code else unit
    rows, total = cached_grid_table(scope.url, listed, scope.current, sort, descending, SIBLINGS if here else LIMIT)
    if here and not scope.access.allows(listed.code):  # a viewer of one grid: its community's other grids are not theirs
        rows = rows[rows["code"].astype(str).map(scope.access.allows)]
        total = len(rows)
    return GridList(rows, total, here, order)


def grids_table(scope: Scope, found: GridList) -> Table:
    """The table as shown; under a unit it is the top of the order, and the file says so."""
    lang = scope.lang
    note = t("ex_top_note", lang, shown=len(found.rows), total=found.total) if found.total > len(found.rows) else ""
    listed = scope.tree.unit(scope.unit.parent_code) if found.here and scope.unit.parent_code else scope.unit
    table = gridview.table_frame(found.rows, lang, found.here, t("grids_title", lang) + " · " + found.order, note,
                                 facts.missing(cached_facts(scope.url, listed)))
    below = scope.settings.suppress_below
    if not below:
        return table
    # The same cells for screen and files: the frame itself carries "<5".
    columns = [t(f"grids_col_{c}", lang) for c in SUPPRESSED]
    frame = privacy.suppress_small(table.frame, columns, below, complete=found.total <= len(found.rows))
    return replace(table, frame=frame, note=" ".join(x for x in (note, t("grids_suppressed", lang, n=below)) if x))


def render_grids(scope: Scope) -> str | None:
    """At a unit its top grids in the chosen order; at a grid its community's grids with this one marked.

    Returns the sort chosen (None: the default), for the page's exports.
    """
    lang, unit = scope.lang, scope.unit
    render_heading(t("grids_title", lang))  # the page's one section, a heading under its h1 (#25)
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    choice = url_choice(PAGE, "sort", grids.sort_options(GRID_SORTS), t("grids_sort", lang), lang,
                        format_func=lambda c: gridview.sort_label(c, lang), container=left,
                        none_label=gridview.sort_label(DEFAULT_SORT, lang))
    found = grid_list(scope, choice)
    if found.total == 0:
        right.info(t("grids_none", lang))
        return choice
    right.caption(_summary(found.rows, found.total, found.here, found.order, lang) + " " + t("grids_period", lang))
    event = show_table(grids_table(scope, found), on_select="rerun", selection_mode="single-row",
                       key=f"grids-table-{unit.code}-{lang}", height=TABLE_HEIGHT)
    if scope.settings.suppress_below:
        st.caption(t("grids_suppressed", lang, n=scope.settings.suppress_below))
    picked = picked_code(event, found.rows)
    if picked and picked != unit.code:
        set_unit(picked)
        st.rerun()
    return choice


def page_export(scope: Scope, choice: str | None) -> PageExport:
    """The page's one table, bounded as on screen."""
    part = Part("table", "grids", t("grids_title", scope.lang), lambda: grids_table(scope, grid_list(scope, choice)))
    sort, descending = grids.parse_sort(choice, GRID_SORTS, DEFAULT_SORT)
    shown = ((t("grids_sort", scope.lang), gridview.sort_label(sort if descending else f"{sort}_asc", scope.lang)),)
    return PageExport(PAGE, scope, (part,), shown)


def _summary(rows: pd.DataFrame, total: int, here: str | None, order: str, lang: str) -> str:
    if here is None:
        return t("grids_total", lang, total=fmt_number(total, lang), shown=len(rows), order=order)
    rank = grids.rank_of(rows, here)
    if rank is None:
        return t("grids_rank_none", lang)
    return t("grids_rank", lang, rank=rank, n=len(rows), order=order)
