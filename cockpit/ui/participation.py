"""The participation page on screen: map of participation and venues, the charts, votes and top communities."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cockpit import queries
from cockpit.core.i18n import fmt_number, fmt_percent, t
from cockpit.core.model import Unit, Window
from cockpit.domain import participation
from cockpit.domain.hierarchy import short_names
from cockpit.ui import device, outline
from cockpit.ui.a11y import render_heading
from cockpit.ui.data import (
    CHART_WIDTH,
    cached_grids,
    cached_rollup_fresh,
    data_call,
    engine,
    memo,
)
from cockpit.ui.downloads import PageExport, Part, show_table
from cockpit.ui.nodata import no_data, render_no_data
from cockpit.ui.outline import Outline
from cockpit.ui.render import basemap_style, drill_on_click, render_pan_switch, scope_shapes, show_chart
from cockpit.ui.scope import Scope
from cockpit.views import participation as partview
from cockpit.views import participation_map as partmap
from cockpit.views.tables import Chart, Table

PAGE = "participation"
MAP_ROWS = 430  # px of the map here: the two lists below it must still fit a 1080-pixel screen
LIST_HEIGHT = 230


@data_call()
def cached_points_series(url: str, unit: Unit, w: Window) -> pd.DataFrame:
    rolled = queries.fetch_rolled_points_series(engine(url), unit, w) if _rolled(url, unit) else None
    return rolled if rolled is not None else queries.fetch_points_series(engine(url), unit, w)


@data_call()
def cached_rates(url: str, unit: Unit, level: str, w: Window) -> pd.Series:
    """Active participants per 1,000 residents per child of `unit` at `level`."""
    e = engine(url)
    people = queries.fetch_rolled_child_participants(e, unit, level, w) if _rolled(url, unit) else None
    if people is None:
        people = queries.fetch_child_participants(e, unit, level, w)
    return participation.per_1000(people, queries.fetch_child_population(e, unit, level, w.end))


@data_call()
def cached_venue_use(url: str, unit: Unit, w: Window) -> pd.DataFrame:
    return queries.fetch_venue_use(engine(url), unit, w)


@data_call()
def cached_activity_stats(url: str, unit: Unit, w: Window) -> pd.DataFrame:
    return queries.fetch_activity_stats(engine(url), unit, w)


@data_call()
def cached_votes(url: str, unit: Unit, w: Window) -> pd.DataFrame:
    return queries.fetch_votes(engine(url), unit, w)


@data_call()
def cached_top_communities(url: str, unit: Unit, w: Window) -> pd.DataFrame:
    top = queries.fetch_rolled_top_communities(engine(url), unit, w) if _rolled(url, unit) else None
    return top if top is not None else queries.fetch_top_communities(engine(url), unit, w)


def _rolled(url: str, unit: Unit) -> bool:
    """The rollups answer units above the grid once built for the data shown (the overview's rule)."""
    return unit.level != "grid" and cached_rollup_fresh(url)


def _rate_scope(scope: Scope) -> tuple[Unit, str]:
    """The unit whose children are compared, and their level: a grid is compared with its siblings."""
    if scope.child_level is None and scope.unit.parent_code:
        return scope.tree.unit(scope.unit.parent_code), "grid"
    return scope.unit, scope.child_level or "grid"


def _names(scope: Scope, codes: list[str]) -> dict[str, str]:
    units = scope.tree.units
    found = {c: str(units.at[c, "name"]) for c in codes if c in units.index}
    missing = [c for c in codes if c not in found and len(c) == 15]
    for community in {c[:12] for c in missing}:
        grids = cached_grids(scope.url, community)
        found |= dict(zip(grids["code"], grids["name"]))
    return found


@data_call(floor=False)
def cached_venue_records(url: str, unit: Unit, w: Window, lang: str) -> list[dict]:
    # A city's thousands of venues: made into the layer's records once, not on every run.
    return partmap.venue_records(cached_venue_use(url, unit, w), lang)


def render_map(scope: Scope) -> None:
    """Children by participants per 1,000 and the venues by their use; a click on a child drills into it."""
    unit, lang = scope.unit, scope.lang
    shapes = scope_shapes(scope)
    parent, level = _rate_scope(scope)
    rates = cached_rates(scope.url, parent, level, scope.current)
    if isinstance(shapes, Outline):  # the children have no boundaries: the nearest outline, the same venues
        fc, bounds = outline.outline_features(shapes, lang), shapes.bounds
        features, legend = fc, []
    else:
        fc, bounds = shapes
        features, legend = partmap.colour_children(fc, rates, lang)
    venues = cached_venue_records(scope.url, unit, scope.current, lang)
    height = device.map_height(MAP_ROWS)  # a phone's map leaves the page around it in view
    deck = partmap.build_deck(features, bounds, venues, basemap_style(scope.settings), height,
                              device.map_width(partmap.MAP_WIDTH))
    if isinstance(shapes, Outline):
        outline.render_outline_map(shapes, deck, lang, height, f"part-map-{unit.code}",
                                   partmap.legend_html(legend, lang) if venues else None)
        codes = outline.child_codes(scope)
        shown = rates.reindex(codes).fillna(0.0)
        outline.render_ranked_children(scope, shapes, shown, t("part_per_1000", lang), [f"{v:,.1f}" for v in shown],
                                       "points")
        return
    event = st.pydeck_chart(deck, height=height, on_select="rerun", selection_mode="single-object",
                            key=f"part-map-{unit.code}", width="stretch")
    render_pan_switch(lang)
    st.html(partmap.legend_html(legend, lang))
    drill_on_click(scope, event, fc)


def _rates_frame(scope: Scope) -> pd.DataFrame:
    parent, level = _rate_scope(scope)
    rates = cached_rates(scope.url, parent, level, scope.current)
    names = _names(scope, list(rates.index))
    labels = short_names(names, parent.name)
    return pd.DataFrame({"code": rates.index, "per_1000": rates.to_numpy(),
                         "name": [names.get(c, c) for c in rates.index],
                         "label": [labels.get(c, c) for c in rates.index]})


def panel_chart(scope: Scope) -> Chart:
    lang, w = scope.lang, scope.current
    series = memo(participation.by_day, scope.memo_key(PAGE, "by_day"), cached_points_series(scope.url, scope.unit, w),
                  w.start, w.end, scope.view.period_days)
    return Chart("charts", t("part_panel", lang), partview.build_panel,
                 (series, cached_activity_stats(scope.url, scope.unit, w), _rates_frame(scope), lang, CHART_WIDTH))


def render_charts(scope: Scope) -> None:
    if render_no_data(scope, "points"):  # no points entry under the unit yet: 暂无数据, not flat zero lines (#28)
        return
    show_chart(panel_chart(scope), scope.memo_key(PAGE))


def rates_table(scope: Scope) -> Table:
    return partview.rates_table(_rates_frame(scope), scope.lang, t("part_rates", scope.lang))


def activities_table(scope: Scope) -> Table:
    stats = cached_activity_stats(scope.url, scope.unit, scope.current)
    return partview.activities_table(stats, scope.lang, t("part_activities", scope.lang))


def votes_table(scope: Scope) -> Table:
    votes = cached_votes(scope.url, scope.unit, scope.current)
    names = _names(scope, sorted(set(votes["community_code"])))
    return partview.votes_frame(votes, names, participation.turnout(votes), participation.yes_share(votes), scope.lang,
                                t("part_votes_title", scope.lang))


def top_table(scope: Scope) -> Table:
    top = cached_top_communities(scope.url, scope.unit, scope.current)
    return partview.top_frame(top, _names(scope, list(top["community_code"])), scope.lang, t("part_top_title", scope.lang))


def render_lists(scope: Scope) -> None:
    """The period's votes with their turnout, and the communities that earned the most points."""
    lang, w = scope.lang, scope.current
    votes = cached_votes(scope.url, scope.unit, w)
    stats = cached_activity_stats(scope.url, scope.unit, w)
    turnout = participation.turnout(votes)
    # Before any participation fact (no points, no activity, no vote) the card above says 暂无数据: no "0 场" line (#28).
    if not ("points" in no_data(scope) and int(stats["activities"].sum()) == 0 and votes.empty):
        st.caption(t("part_summary", lang, activities=fmt_number(int(stats["activities"].sum()), lang),
                     participants=fmt_number(int(stats["participants"].sum()), lang), votes=len(votes),
                     turnout=fmt_percent(turnout.mean() if len(votes) else None)))
    left, right = st.columns([1.6, 1])
    with left:
        render_heading(t('part_votes_title', lang))
        if votes.empty:
            st.caption(t("part_votes_none", lang))
        else:
            show_table(votes_table(scope), height=LIST_HEIGHT, key=f"part-votes-{lang}")
    with right:
        render_heading(t('part_top_title', lang))
        if cached_top_communities(scope.url, scope.unit, w).empty:
            st.caption(t("part_top_none", lang))
        else:
            show_table(top_table(scope), height=LIST_HEIGHT, key=f"part-top-{lang}")


def page_export(scope: Scope) -> PageExport:
    """The page's tables and chart as the downloads and `python -m cockpit export` write them."""
    lang = scope.lang
    parts = (
        Part("table", "rates", t("part_rates", lang), lambda: rates_table(scope)),
        Part("table", "activities", t("part_activities", lang), lambda: activities_table(scope)),
        Part("table", "votes", t("part_votes_title", lang), lambda: votes_table(scope)),
        Part("table", "top_communities", t("part_top_title", lang), lambda: top_table(scope)),
        Part("chart", "charts", t("part_panel", lang), lambda: panel_chart(scope)),
    )
    return PageExport("participation", scope, parts)
