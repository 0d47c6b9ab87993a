"""The risk alerts page on screen: its filters, cached reads and parts (cards, map, charts, lists).

Every read is a `data_call` keyed by the unit, the window and the two filters, so drilling back to a
view already seen, or another viewer asking for it, costs no SQL.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import streamlit as st

from cockpit import queries
from cockpit.core import codes
from cockpit.core.i18n import fmt_date, t
from cockpit.core.model import SEVERITIES, Unit, Window, covered
from cockpit.domain import alerts as logic
from cockpit.queries.alerts import BASELINE_DAYS
from cockpit.store.schema import ALERT_TYPES
from cockpit.ui import data, device, outline
from cockpit.ui.data import data_call, engine
from cockpit.ui.downloads import PageExport, Part, show_table
from cockpit.ui.filters import url_choice
from cockpit.ui.nodata import no_data, render_no_data
from cockpit.ui.outline import Outline
from cockpit.ui.render import (
    basemap_style,
    coloured_children,
    drill_on_click,
    render_pan_switch,
    render_ranked,
    show_chart,
)
from cockpit.ui.scope import Scope
from cockpit.ui.state import set_unit
from cockpit.views import alert_map
from cockpit.views import alerts as specs
from cockpit.views import forecast as forecast_views
from cockpit.views import map as mapview
from cockpit.views.tables import Chart, Table

PAGE = "alerts"
LIST_LIMIT = 200  # rows of the active-alert list (the total is shown beside it)
TOP_N = 20
LIST_HEIGHT = 330
# The panel's plot width: with its axis labels the image is about as wide as the page's middle
# column at 1920 px, so its text is drawn at its own size (at the shared 560 it was scaled to 0.6).
PANEL_WIDTH = 330


@dataclass(frozen=True)
class Picked:
    """The page's filters (None: all)."""

    alert_type: str | None
    severity: int | None


# ---------------------------------------------------------------- reads


@data_call()
def cached_active(url: str, unit: Unit, end: datetime, picked: Picked) -> tuple[pd.DataFrame, pd.DataFrame]:
    e = engine(url)
    rows = queries.fetch_active_alerts(e, unit, end, LIST_LIMIT, picked.alert_type, picked.severity)
    return rows, queries.fetch_active_counts(e, unit, end)


@data_call()
def cached_response(url: str, unit: Unit, w: Window, picked: Picked) -> tuple[pd.DataFrame, pd.DataFrame]:
    e = engine(url)
    return (queries.fetch_response_minutes(e, unit, w, picked.alert_type, picked.severity,
                                           rolled=data.cached_rollup_fresh(url)),
            queries.fetch_severity_stats(e, unit, w, picked.alert_type, picked.severity,
                                         rolled=data.cached_rollup_fresh(url)))


@data_call()
def cached_cases(url: str, unit: Unit, w: Window, picked: Picked) -> pd.DataFrame:
    return queries.fetch_alert_cases(engine(url), unit, w, picked.alert_type, picked.severity,
                                     rolled=data.cached_rollup_fresh(url))


@data_call()
def cached_top(url: str, unit: Unit, w: Window, picked: Picked) -> tuple[pd.DataFrame, int, pd.DataFrame, int]:
    e = engine(url)
    grids, n_grids = queries.fetch_grid_hotspots(e, unit, w, TOP_N, picked.alert_type, picked.severity,
                                                 rolled=data.cached_rollup_fresh(url))
    devices, n_devices = queries.fetch_device_hotspots(e, unit, w, TOP_N, picked.alert_type, picked.severity)
    return grids, n_grids, devices, n_devices


@data_call()
def cached_baselines(url: str, unit: Unit, w: Window, picked: Picked) -> pd.DataFrame:
    return queries.fetch_grid_baselines(engine(url), unit, w, picked.alert_type, picked.severity, logic.MIN_ALERTS,
                                        rolled=data.cached_rollup_fresh(url))


@data_call()
def cached_daily(url: str, unit: Unit, w: Window, picked: Picked) -> pd.DataFrame:
    return queries.fetch_alert_daily(engine(url), unit, w, picked.alert_type, picked.severity)


@data_call()
def cached_with_alerts(url: str, unit: Unit, level: str, w: Window, picked: Picked) -> int:
    return queries.fetch_units_with_alerts(engine(url), unit, level, w, picked.alert_type, picked.severity)


@data_call(floor=False)
def cached_hotspots(url: str, unit: Unit, w: Window, picked: Picked) -> pd.DataFrame:
    # Five parts of the page ask; under a city the test runs over some 1,600 grids.
    days = round((w.end - w.start).total_seconds() / 86400)
    return logic.find_hotspots(cached_baselines(url, unit, w, picked), days, BASELINE_DAYS)


def hotspots(scope: Scope, picked: Picked) -> pd.DataFrame:
    return cached_hotspots(scope.url, scope.unit, scope.current, picked)


def last_year_daily(scope: Scope, picked: Picked) -> pd.DataFrame | None:
    if not covered(scope.last_year, data.cached_data_start(scope.url)):
        return None
    return cached_daily(scope.url, scope.unit, scope.last_year, picked)


# ---------------------------------------------------------------- parts


def render_filters(scope: Scope) -> Picked:
    """Type and severity, kept in the URL (`type=gas&severity=1`); an unknown value shows a notice and all."""
    lang = scope.lang
    left, right, _ = st.columns([1, 1, 4])
    kind = url_choice(PAGE, "type", list(ALERT_TYPES), t("al_type", lang), lang,
                      lambda x: t(f"alert_{x}", lang), container=left)
    level = url_choice(PAGE, "severity", [str(s) for s in SEVERITIES], t("al_severity", lang), lang,
                       lambda s: t(f"severity_{s}", lang), container=right)
    return Picked(kind, int(level) if level is not None else None)


def zero_figures(scope: Scope, picked: Picked) -> tuple[str, int, int]:
    """(level counted, units with no alert, units in all): communities above a community, grids below."""
    unit = scope.unit
    level = "community" if unit.level in ("city", "district", "street") else "grid"
    if level == "community":
        total = logic.count_units_at(scope.tree.units, codes.prefix(unit.code, unit.level), "community")
    else:
        total = 1 if unit.level == "grid" else len(data.cached_grids(scope.url, unit.code))
    with_alerts = cached_with_alerts(scope.url, unit, level, scope.current, picked)
    return level, logic.zero_incident(total, with_alerts), total


def card_figures(scope: Scope, picked: Picked) -> dict:
    url, unit, w = scope.url, scope.unit, scope.current
    _, active_counts = cached_active(url, unit, w.end, picked)
    _, stats = cached_response(url, unit, w, picked)
    cases = cached_cases(url, unit, w, picked)
    raised, before, change = logic.year_change(cached_daily(url, unit, w, picked), last_year_daily(scope, picked))
    level, zero, total = zero_figures(scope, picked)
    return {
        "active": logic.active_total(active_counts, picked.alert_type, picked.severity), "raised": raised,
        "last_year": before, "change": change, "in_time": logic.overall_in_time(stats),
        "to_case": int(cases["to_case"].sum()), "case_closed": int(cases["case_closed"].sum()),
        "zero_level": level, "zero": zero, "zero_total": total, "hot": len(hotspots(scope, picked)),
        "alpha": logic.ALPHA,
    }


def render_cards(scope: Scope, picked: Picked) -> None:
    if render_no_data(scope, "alerts"):  # no alert under the unit yet: 暂无数据, not zeros and "all quiet" (#28)
        return
    st.html(specs.build_alert_cards(card_figures(scope, picked), scope.lang))


def render_map(scope: Scope, picked: Picked) -> None:
    """Children coloured by active alerts, the alerts by severity, hotspot rings; a click on a child drills."""
    unit, lang = scope.unit, scope.lang
    coloured = coloured_children(scope, "active_alerts")
    if isinstance(coloured, Outline):  # the children have no boundaries: the nearest outline, the same points
        features, bounds, legend = outline.outline_features(coloured, lang), coloured.bounds, []
    else:
        features, bounds, legend = coloured
    rows, _ = cached_active(scope.url, unit, scope.current.end, picked)
    hot = alert_map.hotspot_points(hotspots(scope, picked), lang)
    height = device.map_height(alert_map.MAP_HEIGHT)  # a phone's map leaves the page around it in view
    deck = alert_map.build_alert_deck(features, bounds, lang, mapview.alert_points(rows, lang), hot,
                                      basemap_style(scope.settings), device.map_width(mapview.MAP_WIDTH), height)
    if isinstance(coloured, Outline):
        outline.render_outline_map(coloured, deck, lang, height, f"alert-map-{unit.code}",
                                   alert_map.build_alert_legend(legend, lang, len(hot) > 0))
        render_ranked(scope, coloured, "active_alerts")
        return
    event = st.pydeck_chart(deck, height=height, on_select="rerun", selection_mode="single-object",
                            key=f"alert-map-{unit.code}", width="stretch")
    render_pan_switch(lang)
    st.html(alert_map.build_alert_legend(legend, lang, len(hot) > 0))
    drill_on_click(scope, event, features)


def panel_chart(scope: Scope, picked: Picked) -> Chart:
    url, unit, w = scope.url, scope.unit, scope.current
    _, active_counts = cached_active(url, unit, w.end, picked)
    shown = logic.filter_counts(active_counts, picked.alert_type, picked.severity)
    daily = cached_daily(url, unit, w, picked)
    trend = logic.aligned_trend(daily, last_year_daily(scope, picked))
    return Chart("charts", t("al_panel", scope.lang), specs.build_alert_panel,
                 (shown, trend, scope.lang, PANEL_WIDTH, trend_band(scope, picked, daily)))


def trend_band(scope: Scope, picked: Picked, daily: pd.DataFrame) -> pd.DataFrame:
    """The forecast of alerts raised the trend continues into (#24): all alerts, so only without a filter."""
    if picked.alert_type is not None or picked.severity is not None:
        return forecast_views.empty_band()
    return forecast_views.band_frame(daily, {"alerts_raised": data.cached_forecast(scope.url, scope.unit, "alerts")})


def render_charts(scope: Scope, picked: Picked) -> None:
    if "alerts" in no_data(scope):  # the card above says 暂无数据
        return
    chart = panel_chart(scope, picked)
    show_chart(chart, scope.memo_key(PAGE, picked))
    band = chart.args[-1]
    if not band.empty:  # what the band is and the method's backtest, as under the overview's trends
        backtest = data.cached_backtest(scope.url, scope.unit, "alerts")
        st.caption(forecast_views.band_caption(band, {"alerts": backtest}, scope.lang))


def _open_grid(key: str) -> None:
    code = st.session_state.get(key)
    if code:
        set_unit(code)


def _grid_table(table: Table, codes_in_order: list[str], key: str) -> None:
    """A list of grids; selecting a row opens that grid."""
    event = show_table(table, height=LIST_HEIGHT, key=key, on_select="rerun", selection_mode="single-row")
    chosen = getattr(getattr(event, "selection", None), "rows", None) or []
    if chosen and chosen[0] < len(codes_in_order):
        set_unit(codes_in_order[chosen[0]])
        st.rerun()


def render_open_grid(scope: Scope, picked: Picked) -> None:
    """The hotspot and top grids in a picker: an equally direct way to open one (and what AppTest can drive)."""
    if scope.unit.level == "grid":
        return
    grids, _, _, _ = cached_top(scope.url, scope.unit, scope.current, picked)
    hot = hotspots(scope, picked)
    names = dict(zip(hot["grid_code"], hot["name"])) | dict(zip(grids["grid_code"], grids["name"]))
    if not names:
        return
    lang = scope.lang
    key = f"al-open-{scope.unit.code}-{lang}"
    st.selectbox(t("al_open_grid", lang), [None, *names], key=key, label_visibility="collapsed",
                 placeholder=t("al_choose_grid", lang), format_func=lambda c: t("al_choose_grid", lang) if c is None else f"{names[c]} · {c}",
                 on_change=_open_grid, args=(key,))


def _shown_note(shown: int, total: int, lang: str) -> str:
    return t("ex_top_note", lang, shown=shown, total=total) if total > shown else ""


def active_table(scope: Scope, picked: Picked) -> Table:
    rows, active_counts = cached_active(scope.url, scope.unit, scope.current.end, picked)
    total = logic.active_total(active_counts, picked.alert_type, picked.severity)
    return specs.active_frame(rows, scope.lang, t("al_tab_active", scope.lang), _shown_note(len(rows), total, scope.lang))


def hotspot_table(scope: Scope, picked: Picked) -> Table:
    hot = hotspots(scope, picked)
    shown = hot.head(TOP_N * 5)
    return specs.hotspot_frame(shown, scope.lang, t("al_tab_hot", scope.lang), _shown_note(len(shown), len(hot), scope.lang))


def forecast_level(scope: Scope) -> str | None:
    """The level the 高于预测 list tests (#24): the page's children, where forecasts reach them (not grids)."""
    return scope.child_level if scope.child_level not in (None, "grid") else None


def above_forecast_table(scope: Scope, picked: Picked) -> Table:  # noqa: ARG001 - a part of the page's exports
    """The children whose last 7 days of alerts ran above the upper 95% band of the forecast made before them."""
    level, lang = forecast_level(scope), scope.lang
    # no level (a community's grids, a grid): the data call answers an empty frame for grids
    above = data.cached_above_band(scope.url, scope.unit, level or "grid", "alerts")
    names = dict(data.children_options(scope.url, scope.tree, scope.unit)) if level else {}
    return forecast_views.above_band_frame(above, names, lang, t("fc_above", lang))


def render_above_forecast(scope: Scope, picked: Picked) -> None:
    """Beside the baseline test, read the same way: what is tested, then the list (or why there is none)."""
    lang = scope.lang
    forecast = data.cached_forecast(scope.url, scope.unit, "alerts")
    made = forecast_views.above_band_made_on(forecast)
    if made is None or forecast_level(scope) is None:
        st.caption(t("fc_above_absent", lang) if forecast_level(scope) else t("fc_above_grids", lang))
        return
    st.caption(t("fc_above_note", lang, made=fmt_date(made, lang)))
    table = above_forecast_table(scope, picked)
    if table.frame.empty:
        st.caption(t("fc_above_none", lang))
        return
    codes_in_order = list(table.frame[t("code", lang)])
    event = show_table(table, height=LIST_HEIGHT, key=f"al-fc-{scope.unit.code}", on_select="rerun",
                       selection_mode="single-row")
    chosen = getattr(getattr(event, "selection", None), "rows", None) or []
    if chosen and chosen[0] < len(codes_in_order):
        set_unit(codes_in_order[chosen[0]])
        st.rerun()


def top_grids_table(scope: Scope, picked: Picked) -> Table:
    grids, n_grids, _, _ = cached_top(scope.url, scope.unit, scope.current, picked)
    return specs.grids_frame(grids, scope.lang, t("al_tab_grids", scope.lang), _shown_note(len(grids), n_grids, scope.lang))


def top_devices_table(scope: Scope, picked: Picked) -> Table:
    _, _, devices, n_devices = cached_top(scope.url, scope.unit, scope.current, picked)
    return specs.devices_frame(devices, scope.lang, t("al_tab_devices", scope.lang),
                               _shown_note(len(devices), n_devices, scope.lang))


@data_call(floor=False)
def cached_response_times(url: str, unit: Unit, w: Window, picked: Picked) -> pd.DataFrame:
    # Sixteen weighted quantiles over a city's minute distribution: arithmetic worth keeping.
    return logic.response_table(*cached_response(url, unit, w, picked))


def response_table(scope: Scope, picked: Picked) -> Table:
    times = cached_response_times(scope.url, scope.unit, scope.current, picked)
    return specs.response_frame(times, scope.lang, t("al_tab_response", scope.lang))


def to_cases_table(scope: Scope, picked: Picked) -> Table:
    cases = cached_cases(scope.url, scope.unit, scope.current, picked)
    return specs.cases_frame(cases, scope.lang, t("al_tab_cases", scope.lang))


def _shown_caption(shown: int, total: int, lang: str) -> None:
    if total:  # an empty list says so itself (show_table)
        st.caption(t("al_shown", lang, shown=shown, total=total))


def render_lists(scope: Scope, picked: Picked) -> None:
    url, unit, w, lang = scope.url, scope.unit, scope.current, scope.lang
    tabs = st.tabs([t(k, lang) for k in ("al_tab_active", "al_tab_hot", "fc_above", "al_tab_grids", "al_tab_devices",
                                          "al_tab_response", "al_tab_cases")])
    rows, active_counts = cached_active(url, unit, w.end, picked)
    with tabs[0]:
        _shown_caption(len(rows), logic.active_total(active_counts, picked.alert_type, picked.severity), lang)
        show_table(active_table(scope, picked), height=LIST_HEIGHT)
    with tabs[1]:
        st.caption(t("al_hot_note", lang, alpha=logic.ALPHA))
        _grid_table(hotspot_table(scope, picked), list(hotspots(scope, picked)["grid_code"]), f"al-hot-{unit.code}")
    with tabs[2]:  # the forecast's test beside the baseline's (#24)
        render_above_forecast(scope, picked)
    grids, n_grids, devices, n_devices = cached_top(url, unit, w, picked)
    with tabs[3]:
        _shown_caption(len(grids), n_grids, lang)
        _grid_table(top_grids_table(scope, picked), list(grids["grid_code"]), f"al-grids-{unit.code}")
    with tabs[4]:
        _shown_caption(len(devices), n_devices, lang)
        show_table(top_devices_table(scope, picked), height=LIST_HEIGHT)
    with tabs[5]:
        show_table(response_table(scope, picked))
    with tabs[6]:
        show_table(to_cases_table(scope, picked))


# ---------------------------------------------------------------- exports

def page_export(scope: Scope, picked: Picked) -> PageExport:
    """The page's tables and chart as the downloads and `python -m cockpit export` write them."""
    lang = scope.lang
    tables: tuple[tuple[str, str, Callable[[Scope, Picked], Table]], ...] = (
        ("summary", "al_summary", lambda s, p: specs.summary_table(card_figures(s, p), s.lang, t("al_summary", s.lang))),
        ("active", "al_tab_active", active_table), ("above_baseline", "al_tab_hot", hotspot_table),
        ("above_forecast", "fc_above", above_forecast_table),
        ("top_grids", "al_tab_grids", top_grids_table), ("top_devices", "al_tab_devices", top_devices_table),
        ("response", "al_tab_response", response_table), ("to_cases", "al_tab_cases", to_cases_table),
    )
    parts = [Part("table", key, t(title, lang), functools.partial(build, scope, picked)) for key, title, build in tables]
    parts.append(Part("chart", "charts", t("al_panel", lang), functools.partial(panel_chart, scope, picked)))
    shown = []
    if picked.alert_type is not None:
        shown.append((t("al_type", lang), t(f"alert_{picked.alert_type}", lang)))
    if picked.severity is not None:
        shown.append((t("al_severity", lang), t(f"severity_{picked.severity}", lang)))
    return PageExport(PAGE, scope, tuple(parts), tuple(shown))
