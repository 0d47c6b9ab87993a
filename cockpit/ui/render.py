"""The pages' building blocks on screen: header, breadcrumb, KPI cards, map, charts.

Each `render_*` reads through cockpit.ui.data, hands the numbers to the pure builders in
cockpit.views and puts the result on the page; none of them computes a figure.
"""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd
import streamlit as st

from cockpit.core.errors import safe_url
from cockpit.core.i18n import t
from cockpit.core.settings import PROJECT_DIR, Settings
from cockpit.domain import hierarchy, metrics
from cockpit.store.boundaries import BoundaryError
from cockpit.store.engine import STORE_ERRORS
from cockpit.ui import caching, data, device, outline
from cockpit.ui.a11y import show_chart
from cockpit.ui.nodata import no_data
from cockpit.ui.outline import Outline
from cockpit.ui.scope import Scope
from cockpit.ui.state import set_unit
from cockpit.ui.supervision import cached_supervision_count
from cockpit.views import basemap, cards, charts
from cockpit.views import forecast as forecast_views
from cockpit.views import map as mapview
from cockpit.views.bigscreen import METRIC_THEME
from cockpit.views.tables import Chart, Table

STATIC_DIR = PROJECT_DIR / "static"
BASEMAP_FILE = "cockpit-basemap.json"


def inject_style() -> None:
    """The shared CSS: style.css (the desk and big-screen look) and mobile.css (phones and tablets, docs/mobile.md)."""
    files = resources.files("cockpit.resources")
    css = "\n".join(files.joinpath(name).read_text(encoding="utf-8") for name in ("style.css", "mobile.css"))
    st.html(f"<style>{css}</style>")


def render_header(scope: Scope) -> None:
    meta = data.cached_meta(scope.url)
    # 数据截至 is the newest fact (scope.end falls back to now for the windows when there is none: #28)
    end = data.cached_data_end(scope.url)
    period = scope.view.period_label(scope.lang) if scope.view.custom else None
    st.html(cards.build_header_html(scope.unit, meta.get("label") == "demo", end, scope.current, scope.lang, period))


def render_breadcrumb(scope: Scope) -> None:
    """Ancestors as buttons (any number of levels up) and a selectbox to drill into a child."""
    tr, unit, lang = scope.tree, scope.unit, scope.lang
    chain = hierarchy.breadcrumb(tr, unit)
    try:
        children: list[tuple[str, str]] | None = data.children_options(scope.url, tr, unit)
    except STORE_ERRORS as exc:  # the way up still works from the cached tree; the way down waits
        caching.note_outage(exc)
        children = None
    # The keyed container lets mobile.css wrap the buttons into a row and widen the picker on narrow screens.
    crumbs = st.container(key="ck-crumbs")
    cols = crumbs.columns([1.3] * len(chain) + [max(1.0, 9 - 1.3 * len(chain)), 3.2], vertical_alignment="center")
    for i, (col, u) in enumerate(zip(cols, chain)):
        label = ("› " if i else "") + u.name
        if not scope.access.allows(u.code):  # above the viewer's own unit: a name, not a way there
            col.caption(label)
            continue
        col.button(label, key=f"crumb-{u.code}", on_click=set_unit, args=(u.code,), disabled=u.code == unit.code,
                   width="stretch", type="tertiary" if u.code == unit.code else "secondary")
    if children:
        names = dict(children)
        key = f"drill-{unit.code}-{lang}"  # the language is in the key so a switch redraws the placeholder too
        cols[-1].selectbox(
            t("drill_to", lang), [None, *names], key=key, label_visibility="collapsed",
            placeholder=t("choose_child", lang), format_func=lambda c: t("choose_child", lang) if c is None else names[c],
            on_change=_drill_from_select, args=(key,),
        )
    elif children is not None:
        cols[-1].caption(t("grid_view_note", lang))


def _drill_from_select(key: str) -> None:
    code = st.session_state.get(key)
    if code:
        set_unit(code)


def render_kpis(scope: Scope) -> None:
    url, unit = scope.url, scope.unit
    current, severities = data.cached_window_values(url, unit, scope.current)
    kpis = metrics.compute_kpis(current, data.comparison_values(url, unit, scope.previous),
                                data.comparison_values(url, unit, scope.last_year))
    missing = no_data(scope)
    st.html(cards.build_kpi_html(kpis, scope.lang, severities, missing, scope.access.sees_import_hints,
                                 supervision_line(scope) if "cases" not in missing else ""))


def supervision_line(scope: Scope) -> str:
    """The cases card's 督办 count (the cases page's 督办 total for the unit, unfiltered), linking to that view."""
    count = cached_supervision_count(scope.url, scope.unit, scope.current, scope.settings.supervision)
    r = scope.view.day_range
    href = cards.supervision_href(scope.unit.code, scope.view.period_days, scope.lang,
                                  (r.first.isoformat(), r.last.isoformat()) if r else None)
    return cards.build_supervision_html(count, href, scope.lang)



def render_map(scope: Scope) -> None:
    """The children coloured by the chosen metric; a click on one drills into it.

    Where the children have no boundaries: the nearest outline with the same points, and the children ranked.
    """
    vs, lang, unit = scope.view, scope.lang, scope.unit
    coloured = coloured_children(scope, vs.metric)
    if isinstance(coloured, Outline):
        features, bounds, legend = outline.outline_features(coloured, lang), coloured.bounds, []
    else:
        features, bounds, legend = coloured
    alerts = venues = None
    if vs.show_alerts or vs.show_venues:
        alert_rows, venue_rows = data.cached_points(scope.url, unit, scope.current.end)
        alerts = mapview.alert_points(alert_rows, lang) if vs.show_alerts else None
        venues = mapview.venue_points(venue_rows, lang) if vs.show_venues else None
    height = device.map_height(mapview.MAP_HEIGHT)  # a phone's map leaves the page around it in view
    deck = mapview.build_deck(features, bounds, lang, vs.extrude, alerts, venues,
                              basemap_style(scope.settings), device.map_width(mapview.MAP_WIDTH), height)
    legend_html = mapview.build_legend_html(vs.metric, legend, lang, alerts is not None, venues is not None,
                                            no_data=METRIC_THEME[vs.metric] in no_data(scope))
    if isinstance(coloured, Outline):
        outline.render_outline_map(coloured, deck, lang, height, f"map-{unit.code}", legend_html)
        render_ranked(scope, coloured, vs.metric)
        return
    event = st.pydeck_chart(deck, height=height, on_select="rerun", selection_mode="single-object",
                            key=f"map-{unit.code}", width="stretch")
    render_pan_switch(lang)
    st.html(legend_html)
    drill_on_click(scope, event, features)


def render_ranked(scope: Scope, found: Outline, metric: str) -> None:
    """The children ranked by one of the overview's map metrics (where the map cannot colour them)."""
    if scope.child_level is None:
        return
    codes = outline.child_codes(scope)
    values = data.map_values(scope.url, scope.tree, scope.unit, scope.child_level, scope.current, codes)
    shown = values[metric].reindex(codes).fillna(0.0) if metric in values else pd.Series(0.0, index=codes)
    texts = [mapview.format_metric(float(v), metric, scope.lang) for v in shown]
    outline.render_ranked_children(scope, found, shown, t(f"m_{metric}", scope.lang), texts, METRIC_THEME[metric])


def render_pan_switch(lang: str) -> None:
    """On touch screens one finger scrolls the page over a map; this switch gives pan and zoom back to the maps.

    Pure HTML and CSS (mobile.css): flipping it needs no rerun, and it shows on touch screens only.
    """
    st.html(mapview.build_pan_switch_html(t("mb_pan_map", lang)))


def coloured_children(scope: Scope, metric: str) -> tuple[dict, tuple, list] | Outline:
    """The shapes in view coloured by one of the overview's map metrics, their bounds and legend.

    Where those shapes are missing, the fallback (outline.Outline) instead: every map draws it.
    """
    shapes = scope_shapes(scope)
    if isinstance(shapes, Outline):
        return shapes
    fc, bounds = shapes
    codes = [f["properties"]["code"] for f in fc["features"]]
    values = data.map_values(scope.url, scope.tree, scope.unit, scope.child_level, scope.current, codes)
    features, legend = mapview.colour_features(fc, values, metric, scope.lang)
    return features, bounds, legend


def drill_on_click(scope: Scope, event: object, features: dict) -> None:
    """A click on one of the drawn children makes it the page's unit (every map of every page)."""
    picked = mapview.picked_code(event)
    codes = {f["properties"]["code"] for f in features["features"]}
    if picked and picked != scope.unit.code and scope.child_level is not None and picked in codes:
        set_unit(picked)
        st.rerun()


def scope_shapes(scope: Scope) -> tuple[dict, tuple] | Outline:
    """The shapes every map of a page draws (the unit's children, or a grid itself).

    Where none are there (no file, none in the file, a broken file), the nearest outline that is,
    with what is missing (cockpit.ui.outline); only then is anything more read.
    """
    unit = scope.unit
    try:
        fc, bounds = data.cached_display_geometry(str(scope.settings.geo_dir), unit.code, unit.level,
                                                  scope.child_level, unit.parent_code if unit.level == "grid" else None)
    except BoundaryError as exc:
        return outline.read_outline(scope, exc)
    if not fc["features"]:
        return outline.read_outline(scope)
    return fc, bounds


# The trend panel's lines continued by a forecast (#24): the daily column -> the forecast's series.
BANDED = {"cases_received": ("cases", "cases"), "alerts_raised": ("alerts", "alerts")}  # column: (theme, series)


def trend_band(scope: Scope, daily: pd.DataFrame) -> pd.DataFrame:
    """The forecast rows the trend panel draws: empty (the panel as before) where no forecast answers the unit."""
    missing = no_data(scope)
    forecasts = {column: data.cached_forecast(scope.url, scope.unit, series)
                 for column, (theme, series) in BANDED.items() if theme not in missing}
    return forecast_views.band_frame(daily, forecasts)


def trend_chart(scope: Scope) -> Chart:
    url, unit, w = scope.url, scope.unit, scope.current
    daily = data.cached_daily(url, unit, w)
    return Chart("trends", t("ov_trends", scope.lang), charts.build_trend_panel,
                 (daily, data.cached_tiers(url, unit, w), scope.lang, data.CHART_WIDTH,
                  tuple(sorted(no_data(scope))), trend_band(scope, daily)))


def forecast_table(scope: Scope) -> Table | None:
    """The trend panel's forecast as a table for the exports: None where the panel draws none."""
    chart = trend_chart(scope)
    return forecast_views.band_table(chart.args[-1], scope.lang, t("fc_table", scope.lang))


def render_trends(scope: Scope) -> None:
    chart = trend_chart(scope)
    show_chart(chart, scope.memo_key("overview"))
    band = chart.args[-1]
    if not band.empty:  # what the band is and how well the method did (its backtest), under the chart
        series = {theme: data.cached_backtest(scope.url, scope.unit, s) for column, (theme, s) in BANDED.items()
                  if column in set(band["series"])}
        st.caption(forecast_views.band_caption(band, series, scope.lang))


def render_data_source(lang: str) -> None:
    """The database's meta table and its address (password masked)."""
    url = data.settings().db_url
    meta = data.cached_meta(url)
    st.table(pd.DataFrame({t("key", lang): list(meta), t("value", lang): list(meta.values())}))
    st.caption(safe_url(url))


def basemap_style(settings: Settings) -> str | None:
    """The map style URL: a configured style, or one written here for a configured tile template.

    The style for a tile template is served by Streamlit's static file serving
    (server.enableStaticServing) at app/static/, a URL relative to the page so that it also
    works behind a proxy path.
    """
    if settings.basemap_style:
        return settings.basemap_style
    if not settings.basemap_tiles:
        return None
    _write_basemap_style(settings.basemap_tiles)
    return f"app/static/{BASEMAP_FILE}"


@st.cache_resource(show_spinner=False)
def _write_basemap_style(tiles_url: str) -> None:
    text = json.dumps(basemap.build_basemap_style(tiles_url), ensure_ascii=False)
    STATIC_DIR.mkdir(exist_ok=True)
    path = STATIC_DIR / BASEMAP_FILE
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
