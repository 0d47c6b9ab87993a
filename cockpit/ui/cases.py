"""The cases page (事件诉求) on screen: its filters, cached reads and the parts the page lays out.

Every read is a `data_call` (cached, last good answer in an outage, recorded for the bench); the
figures come from cockpit.domain.cases and the specs from cockpit.views.cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd
import streamlit as st

from cockpit import queries
from cockpit.core.i18n import t
from cockpit.core.model import Unit, Window
from cockpit.core.settings import SupervisionRules
from cockpit.domain import cases as metrics
from cockpit.domain import supervision
from cockpit.domain.hierarchy import short_names
from cockpit.domain.privacy import mask_text
from cockpit.queries.cases import COHORT_COLUMNS
from cockpit.store.schema import CASE_STATUSES
from cockpit.ui import data
from cockpit.ui import supervision as sv_data
from cockpit.ui.a11y import render_heading
from cockpit.ui.data import data_call, engine
from cockpit.ui.downloads import PageExport, Part, show_table
from cockpit.ui.filters import url_choice
from cockpit.ui.nodata import no_data, render_no_data
from cockpit.ui.render import show_chart
from cockpit.ui.scope import Scope
from cockpit.ui.state import literal
from cockpit.views import cases as views
from cockpit.views import supervision as sv_views
from cockpit.views.tables import Chart, Table

PAGE = "cases"
PANEL_WIDTH = 420  # px of the SVG's own layout; CSS scales it to the column
TABLE_HEIGHT = 300
LIST_HEIGHT = 250
ROW_PX = 35  # a dataframe row's height on screen
VIEWS = ("list", "supervision")  # the page's views: the case handling (default) and 督办; URL ?view=supervision


# ---------------------------------------------------------------- cached reads

Codes = tuple[str, ...] | None


@data_call()
def cached_case_categories(url: str) -> pd.DataFrame:
    return queries.fetch_case_categories(engine(url))


@data_call()
def cached_case_cohort(url: str, unit: Unit, w: Window, child_level: str | None, categories: Codes,
                       source: str | None) -> pd.DataFrame:
    """The cases received in the window by source, category and child: the per-window rollup above the
    street when built for the data shown (None where it cannot answer), the facts otherwise."""
    args = (engine(url), unit, w, child_level, categories, source)
    rolled = queries.fetch_rolled_case_cohort(*args) if data.cached_rollup_fresh(url) else None
    return rolled if rolled is not None else queries.fetch_case_cohort(*args)


@data_call()
def cached_case_workload(url: str, unit: Unit, w: Window, child_level: str | None, categories: Codes,
                         source: str | None) -> pd.DataFrame:
    """The window's workload by source, category and child, from the rollup as cached_case_cohort."""
    args = (engine(url), unit, w, child_level, categories, source)
    rolled = queries.fetch_rolled_case_workload(*args) if data.cached_rollup_fresh(url) else None
    return rolled if rolled is not None else queries.fetch_case_workload(*args)


@data_call()
def cached_case_overdue_trend(url: str, unit: Unit, w: Window, categories: Codes, source: str | None) -> pd.DataFrame:
    """Overdue at each day's end: the rollups answer it unfiltered above the grid, the facts otherwise."""
    if categories is None and source is None and unit.level != "grid" and data.cached_rollup_fresh(url):
        return queries.fetch_case_overdue_rollup(engine(url), unit, w)
    return metrics.overdue_series(queries.fetch_case_overdue_days(engine(url), unit, w, categories, source), w)


@data_call()
def cached_case_stage_times(url: str, unit: Unit, w: Window, categories: Codes, source: str | None) -> pd.DataFrame:
    return queries.fetch_case_stage_times(engine(url), unit, w, categories, source)


@data_call()
def cached_case_list(url: str, unit: Unit, w: Window, status: str | None, categories: Codes,
                     source: str | None) -> tuple[pd.DataFrame, int]:
    return queries.fetch_case_list(engine(url), unit, w, status, categories, source)


@data_call()
def cached_case_events(url: str, case_id: int) -> pd.DataFrame:
    return queries.fetch_case_events(engine(url), case_id)


# ---------------------------------------------------------------- filters and the page's frames


@dataclass(frozen=True)
class CaseFilter:
    category: str | None  # a 大类 code
    categories: Codes  # the codes it selects
    source: str | None
    status: str | None  # the case list's own filter
    view: str = "list"  # one of VIEWS


class CaseView:
    """The scope, the filter and the page's shared frames, each read once per run (the bench counts every call)."""

    def __init__(self, scope: Scope, f: CaseFilter, categories: pd.DataFrame) -> None:
        self.scope, self.f, self.categories = scope, f, categories

    def _args(self) -> tuple:
        s = self.scope
        return s.url, s.unit, s.current, s.child_level, self.f.categories, self.f.source

    def key(self, part: str) -> tuple:
        """What decides every frame of this view's `part` (see data.memo); names follow the language."""
        return (part, *self._args(), self.scope.lang)

    @cached_property
    def cohort(self) -> pd.DataFrame:
        return cached_case_cohort(*self._args())

    @cached_property
    def workload(self) -> pd.DataFrame:
        return cached_case_workload(*self._args())

    @cached_property
    def listed(self) -> tuple[pd.DataFrame, int]:
        s = self.scope
        return cached_case_list(s.url, s.unit, s.current, self.f.status, self.f.categories, self.f.source)

    @property
    def supervising(self) -> bool:
        return self.f.view == "supervision"

    @property
    def rules(self) -> SupervisionRules:
        return self.scope.settings.supervision

    def _sv_args(self) -> tuple:
        s, f = self.scope, self.f
        return s.url, s.unit, s.current, s.child_level, self.rules, f.status, f.categories, f.source

    @cached_property
    def sv_units(self) -> pd.DataFrame:
        """督办 per responsible unit, named and ordered (cockpit.domain.supervision.by_unit)."""
        grouped = sv_data.cached_supervision_units(*self._sv_args())
        return supervision.by_unit(grouped, self.unit_names(), self.scope.current.end)

    @cached_property
    def sv_listed(self) -> tuple[pd.DataFrame, int]:
        """The 督办 cases (top N), with their reasons, days overdue and times returned/reopened, and the total."""
        cases, total = sv_data.cached_supervision_list(*self._sv_args())
        return supervision.annotate(cases, self.rules, self.scope.current.end), total

    def unit_names(self) -> dict[str, str]:
        """The responsible units' names: the children's (a grid: itself)."""
        unit = self.scope.unit
        return short_names(self.child_names, unit.name) if self.child_names else {unit.code: unit.name}

    @cached_property
    def child_names(self) -> dict[str, str]:
        s = self.scope
        return {} if s.child_level is None else dict(data.children_options(s.url, s.tree, s.unit))

    def category_names(self) -> dict[str, str]:
        cats = self.categories
        return dict(zip(cats["code"], cats["name"] if self.scope.lang == "zh" else cats["name_en"]))


def render_filters(scope: Scope) -> CaseView:
    """Category, source and status select boxes, each kept in the URL; a value not known gives a notice."""
    lang = scope.lang
    cats = cached_case_categories(scope.url)
    names = dict(zip(cats["code"], cats["name"] if lang == "zh" else cats["name_en"]))
    tops = list(cats.loc[cats["parent_code"].isna(), "code"])
    cols = st.columns(3)
    category = url_choice(PAGE, "category", tops, t("cs_filter_category", lang), lang,
                          format_func=lambda c: names.get(c, c), container=cols[0])
    source = url_choice(PAGE, "source", list(views.KNOWN_SOURCES), t("cs_filter_source", lang), lang,
                        format_func=lambda s: views.source_label(s, lang), container=cols[1])
    status = url_choice(PAGE, "status", list(CASE_STATUSES), t("cs_filter_status", lang), lang,
                        format_func=lambda s: t(f"cs_status_{s}", lang), container=cols[2])
    view = url_view(lang)
    return CaseView(scope, CaseFilter(category, metrics.category_codes(cats, category), source, status, view), cats)


def url_view(lang: str) -> str:
    """The page's view (事件办理 / 督办) as a row of radio buttons kept in the URL as `view` like the filters
    (cockpit.ui.filters): seeded once per session from the link; the default view leaves the URL without it."""
    key, ss = f"filter-{PAGE}-view", st.session_state
    if key not in ss:
        raw = st.query_params.get("view") or (ss.get("_entry_params") or {}).get("view")
        if raw is not None and raw not in VIEWS:
            st.warning(t("unknown_filter", lang, name=t("cs_view", lang), value=literal(str(raw)[:40])))
            raw = None
        ss[key] = raw or VIEWS[0]
    value = st.radio(t("cs_view", lang), VIEWS, key=key, horizontal=True, label_visibility="collapsed",
                     format_func=lambda v: t(f"cs_view_{v}", lang))
    if value == VIEWS[0]:
        if "view" in st.query_params:
            del st.query_params["view"]
    elif st.query_params.get("view") != value:
        st.query_params["view"] = value
    return str(value)


# ---------------------------------------------------------------- the parts


def render_kpis(v: CaseView) -> None:
    if render_no_data(v.scope, "cases"):  # no case under the unit yet: 暂无数据, not a card of zeros (#28)
        return
    st.html(views.build_kpi_html(kpi_values(v), v.scope.lang))


def kpi_values(v: CaseView) -> dict[str, float | None]:
    c = data.memo(metrics.cohort_totals, v.key("totals"), v.cohort, COHORT_COLUMNS)
    wl = data.memo(metrics.totals, v.key("workload"), v.workload, metrics.WORKLOAD)
    return {"received": c["received"], **metrics.compliance(c), **metrics.follow_up(c, wl), "open": wl["open"],
            "overdue": wl["overdue"]}


def _funnel(cohort: pd.DataFrame, times: pd.DataFrame) -> pd.DataFrame:
    return metrics.funnel(metrics.cohort_totals(cohort, COHORT_COLUMNS), metrics.stage_medians(times))


def _svg(chart: Chart, v: CaseView) -> None:
    # st.html sanitises inline SVG away; st.image serves the SVG as an image. Cached under the
    # view's key: hashing the cohort's frames each run cost a loaded server more than drawing.
    show_chart(chart, v.key(chart.key))


def funnel_chart(v: CaseView) -> tuple[Chart, int]:
    """The lifecycle funnel with median stage times over the overdue trend, and the cases the medians come from."""
    s, f = v.scope, v.f
    times = cached_case_stage_times(s.url, s.unit, s.current, f.categories, f.source)
    funnel = data.memo(_funnel, v.key("funnel"), v.cohort, times)
    series = cached_case_overdue_trend(s.url, s.unit, s.current, f.categories, f.source)
    return Chart("funnel", t("cs_funnel_title", s.lang), views.build_left_panel, (funnel, series, s.lang, PANEL_WIDTH)), len(times)


def render_funnel(v: CaseView) -> None:
    if "cases" in no_data(v.scope):  # the card above says 暂无数据; empty charts would only repeat zeros
        return
    chart, sampled = funnel_chart(v)
    _svg(chart, v)
    st.caption(t("cs_sample_note", v.scope.lang, n=sampled))


def tier_chart(v: CaseView) -> Chart:
    """Where cases were solved, for the unit and each child side by side."""
    unit = v.scope.unit
    names = {unit.code: unit.name, **short_names(v.child_names, unit.name)}
    shares = data.memo(metrics.tier_shares, v.key("tiers"), v.cohort, unit.code, v.child_names)
    return Chart("tiers", t("cs_tiers_title", v.scope.lang), views.build_tier_panel, (shares, names, v.scope.lang, PANEL_WIDTH))


def render_tiers(v: CaseView) -> None:
    if "cases" in no_data(v.scope):
        return
    _svg(tier_chart(v), v)


def by_source_table(v: CaseView) -> Table:
    lang = v.scope.lang
    frame = data.memo(metrics.breakdown, v.key("by_source"), v.cohort, v.workload, "source", COHORT_COLUMNS)
    labels = {s: views.source_label(s, lang) for s in frame["key"]}
    return views.breakdown_table(frame, labels, lang, "by_source", t("cs_by_source", lang))


def by_category_table(v: CaseView) -> Table:
    frame = data.memo(metrics.breakdown, v.key("by_category"), v.cohort, v.workload, "category", COHORT_COLUMNS,
                      metrics.category_parents(v.categories))
    return views.breakdown_table(frame, v.category_names(), v.scope.lang, "by_category", t("cs_by_category", v.scope.lang))


def ranking_table(v: CaseView) -> Table | None:
    if v.scope.child_level is None:
        return None
    ranked = data.memo(metrics.rank_children, v.key("ranking"), v.workload, v.child_names)
    return views.ranking_table(ranked, v.scope.lang, t("cs_ranking", v.scope.lang))


def render_breakdowns(v: CaseView) -> None:
    """By source, by category (counts and every rate) and the children ranked by open and overdue cases, in tabs."""
    lang = v.scope.lang
    by_source, by_category, ranking = st.tabs([t("cs_by_source", lang), t("cs_by_category", lang), t("cs_ranking", lang)])
    with by_source:
        show_table(by_source_table(v), height=TABLE_HEIGHT)
    with by_category:
        show_table(by_category_table(v), height=TABLE_HEIGHT)
    with ranking:
        ranked = ranking_table(v)
        if ranked is None:
            st.caption(t("cs_no_children", lang))
        else:
            show_table(ranked, height=TABLE_HEIGHT)


def case_list_table(v: CaseView) -> Table:
    lang = v.scope.lang
    cases, total = v.listed
    note = t("ex_top_note", lang, shown=len(cases), total=total) if total > len(cases) else ""
    return views.case_table(cases, v.category_names(), lang, t("cs_list_title", lang), note)


def render_case_list(v: CaseView) -> int | None:
    """The unit's workload, overdue first, top N with the total; the id of the row selected, if any."""
    lang = v.scope.lang
    cases, total = v.listed
    render_heading(t('cs_list_title', lang))
    if cases.empty:
        st.caption(t("cs_list_empty", lang))
        return None
    st.caption(t("cs_list_total", lang, total=f"{total:,}", shown=len(cases)))
    event = show_table(case_list_table(v), height=LIST_HEIGHT, on_select="rerun", selection_mode="single-row",
                       key=list_key(v))
    picked = list(event.selection.rows) if event is not None else []  # type: ignore[attr-defined]
    if not picked or picked[0] >= len(cases):
        return None
    return int(cases["id"].iloc[picked[0]])


def list_key(v: CaseView) -> str:
    """The list's widget key: a new unit, period or filter starts without a selection."""
    return f"cs-list-{v.scope.unit.code}-{v.scope.view.period_key}-{v.f.category}-{v.f.source}-{v.f.status}"


def timeline_table(v: CaseView, case_id: int) -> Table:
    return views.timeline_table(cached_case_events(v.scope.url, case_id), v.scope.lang, case_id)


def render_timeline(v: CaseView, case_id: int | None) -> None:
    """The selected case's masked description and its steps (case_event)."""
    lang = v.scope.lang
    if case_id is None:
        if not (v.supervising and v.sv_listed[0].empty):  # no 督办 case: nothing to pick
            st.caption(t("cs_timeline_hint", lang))
        return
    render_heading(t('cs_timeline_title', lang, id=case_id))
    cases, _ = v.sv_listed if v.supervising else v.listed
    found = cases.loc[cases["id"] == case_id, "description"]
    if not found.empty and not pd.isna(found.iloc[0]):
        st.caption(t("cs_description", lang, text=mask_text(found.iloc[0])))
    show_table(timeline_table(v, case_id), height=LIST_HEIGHT - 30)


# ---------------------------------------------------------------- 督办 (supervision, #22)


def supervision_units_table(v: CaseView) -> Table:
    lang = v.scope.lang
    return sv_views.units_table(v.sv_units, v.rules, lang, t("sv_units_title", lang))


def supervision_list_table(v: CaseView) -> Table:
    lang = v.scope.lang
    cases, total = v.sv_listed
    notes = [t("ex_top_note", lang, shown=len(cases), total=total)] if total > len(cases) else []
    note = "；".join([*notes, t("sv_chased_note", lang)])
    return sv_views.list_table(cases, v.unit_names(), v.category_names(), v.rules, lang, t("sv_list_title", lang), note)


def render_supervision_units(v: CaseView) -> None:
    """The rules in force, then the 督办 cases per responsible unit: by rule, returned/reopened, longest overdue."""
    lang = v.scope.lang
    if render_no_data(v.scope, "cases"):  # no case under the unit yet: 暂无数据, not a table of zeros
        return
    render_heading(t("sv_units_title", lang))
    st.caption(sv_views.rules_line(v.rules, v.scope.current.end, lang))
    if v.sv_units.empty:  # said once, here; the list below then stays away
        st.caption(t("sv_empty", lang))
        return
    table = supervision_units_table(v)
    show_table(table, height=min(TABLE_HEIGHT, ROW_PX * (len(table.frame) + 1) + 3))  # no blank rows under a few units


def render_supervision_list(v: CaseView) -> int | None:
    """The 督办 cases, longest overdue first, top N with the total; the id of the row selected, if any."""
    lang = v.scope.lang
    if "cases" in no_data(v.scope):
        return None
    cases, total = v.sv_listed
    if cases.empty:  # the table above said so
        return None
    render_heading(t("sv_list_title", lang))
    st.caption(t("sv_total", lang, total=f"{total:,}", shown=len(cases)))
    event = show_table(supervision_list_table(v), height=min(LIST_HEIGHT + 100, ROW_PX * (len(cases) + 1) + 3), on_select="rerun",
                       selection_mode="single-row", key=f"sv-{list_key(v)}")
    st.caption(t("sv_chased_note", lang))
    picked = list(event.selection.rows) if event is not None else []  # type: ignore[attr-defined]
    if not picked or picked[0] >= len(cases):
        return None
    return int(cases["id"].iloc[picked[0]])


# ---------------------------------------------------------------- exports

def page_export(v: CaseView) -> PageExport:
    """The page's tables and charts as the downloads and `python -m cockpit export` write them: the view's own
    (the downloads hold what the screen shows; the 督办 view's two tables, masked, recorded in the audit log)."""
    lang = v.scope.lang
    if v.supervising:
        parts: tuple[Part, ...] = (
            Part("table", "supervision_units", t("sv_units_title", lang), lambda: supervision_units_table(v)),
            Part("table", "supervision_list", t("sv_list_title", lang), lambda: supervision_list_table(v)),
        )
        return PageExport(PAGE, v.scope, parts, filters_shown(v))
    parts = (
        Part("table", "summary", t("cs_kpi_title", lang), lambda: summary_table(v)),
        Part("table", "by_source", t("cs_by_source", lang), lambda: by_source_table(v)),
        Part("table", "by_category", t("cs_by_category", lang), lambda: by_category_table(v)),
        *((Part("table", "ranking", t("cs_ranking", lang), lambda: ranking_table(v)),) if v.scope.child_level else ()),
        Part("table", "case_list", t("cs_list_title", lang), lambda: case_list_table(v)),
        Part("chart", "funnel", t("cs_funnel_title", lang), lambda: funnel_chart(v)[0]),
        Part("chart", "tiers", t("cs_tiers_title", lang), lambda: tier_chart(v)),
    )
    return PageExport(PAGE, v.scope, parts, filters_shown(v))


def summary_table(v: CaseView) -> Table:
    return views.kpi_table(kpi_values(v), v.scope.lang, t("cs_kpi_title", v.scope.lang))


def filters_shown(v: CaseView) -> tuple[tuple[str, str], ...]:
    lang, f = v.scope.lang, v.f
    shown = []
    if f.category is not None:
        shown.append((t("cs_filter_category", lang), v.category_names().get(f.category, f.category)))
    if f.source is not None:
        shown.append((t("cs_filter_source", lang), views.source_label(f.source, lang)))
    if f.status is not None:
        shown.append((t("cs_filter_status", lang), t(f"cs_status_{f.status}", lang)))
    if v.supervising:
        shown.append((t("cs_view", lang), t("cs_view_supervision", lang)))
    return tuple(shown)


def default_view(scope: Scope) -> CaseView:
    """The page without filters (what `python -m cockpit export` writes)."""
    cats = cached_case_categories(scope.url)
    return CaseView(scope, CaseFilter(None, None, None, None), cats)
