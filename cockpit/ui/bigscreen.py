"""The big screen (大屏) on the page: a fixed design canvas, a clock, and a fragment that refreshes the figures.

    with ui.page_frame(with_unit=False) as view:   # the frame without header and breadcrumb
        bigscreen.render_screen(view)

What runs where:

* the **full run** draws the canvas, the clock and the browser-side script (scale to the
  viewport, tick the clock every second, the optional scheduled reload), once;
* the **fragment** (``st.fragment(run_every=...)``) redraws the title, the map and the four theme
  panels every ``refresh`` seconds (or every rotation step), without a page reload. It reads
  through ``cockpit.ui.data`` (cached per process, with the last good answers) and is itself
  never cached: Streamlit does not support caching and fragments on one function;
* every fragment run asks for the period end again (``compute_screen_end``), so relative periods
  roll over at midnight, and asks the store whether it answers (once per refresh, on a fresh
  connection): while it does not, the last figures stay with a discreet "数据暂停更新 · 截至 HH:MM",
  and the first refresh after it is back shows fresh figures again.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

import pandas as pd
import pydeck as pdk
import streamlit as st

from cockpit.core.i18n import t
from cockpit.core.model import Unit
from cockpit.domain import facts, hierarchy, metrics
from cockpit.store.engine import STORE_ERRORS
from cockpit.ui import auth, caching, data, frame, outline, ranking
from cockpit.ui.outline import Outline
from cockpit.ui.render import basemap_style, coloured_children
from cockpit.ui.scope import Scope
from cockpit.ui.state import ViewState
from cockpit.views import bigscreen as bsview
from cockpit.views import forecast as forecast_views
from cockpit.views import map as mapview
from cockpit.views import outline as outview
from cockpit.views import ranking as rkview

BENCH_ENV = "COCKPIT_BENCH"  # "1": the memory benchmark may refresh faster than the floor (down to 1 s)
OPTION_NAMES = ("scale", "refresh", "rotate", "every", "reload_hours")
_FULL = "_bs_full_run"  # set by the full run just before it calls the fragment inline
_STEP, _STEP_AT = "_bs_step", "_bs_step_at"
_CHECKED_AT, _DOWN, _OK_AT = "_bs_checked_at", "_bs_down", "_bs_ok_at"
_RUNS, _REFRESHES = "_bs_runs", "_bs_refreshes"
_LAST = "_bs_last_screen"
log = logging.getLogger("cockpit.ui")


def screen_options() -> bsview.ScreenOptions:
    params = {k: v if isinstance(v := st.query_params.get(k), str) else None for k in OPTION_NAMES}
    floor = 1 if os.environ.get(BENCH_ENV) == "1" else bsview.MIN_REFRESH
    return bsview.parse_options(params, floor)


def inject_screen_style() -> None:
    css = resources.files("cockpit.resources").joinpath("bigscreen.css").read_text(encoding="utf-8")
    st.html(f"<style>{css}</style>")


def render_screen(view: ViewState) -> None:
    """The whole screen for the view's unit (store failures are the page frame's to report)."""
    inject_screen_style()
    try:
        base = frame.build_scope(view)  # the frame's own scope (subtree rule included), without header and breadcrumb
    except frame.EmptyStore as exc:
        caching.note_outage(exc)
        return
    except frame.NoAccess:
        st.info(t("au_no_access", view.lang))
        return
    opts = screen_options()
    if "children" in opts.rotate and _refused_children(base):
        st.warning(t("bs_no_children", view.lang))
        auth.note_once(base.access, "kiosk_refused", base.unit.code, "rotate=children")
    ss = st.session_state
    ss[_RUNS] = ss.get(_RUNS, 0) + 1
    with st.container(key="bs-canvas"):
        with st.container(key="bs-clock"):
            st.html(bsview.build_clock_html(datetime.now(), view.lang).replace(
                'class="bs-clock"', f'class="bs-clock" data-runs="{ss[_RUNS]}"', 1))
        with st.container(key="bs-script"):
            st.iframe(bsview.build_script(opts, view.lang), height=1)
        ss[_FULL] = True
        st.fragment(_live, run_every=opts.tick)(base, opts)


@dataclass(frozen=True)
class _Screen:
    """Everything one refresh draws, read before anything is drawn (so the wall never shows half of two refreshes)."""

    unit: Unit
    step: bsview.Step | None
    is_demo: bool
    data_end: datetime | None
    deck: pdk.Deck | None
    legend: str
    panels: dict[str, str]


def _live(base: Scope, opts: bsview.ScreenOptions) -> None:
    """One refresh: the title, the map and the four panels (the fragment's body; reads are cached elsewhere).

    Every read comes first, then the parts are drawn in one go. When a read fails (the store is
    down and this unit was never read), the last screen drawn stays, marked stale; never an error box.
    """
    ss = st.session_state
    full_run = ss.pop(_FULL, False)
    if not full_run:
        caching.clear_outage()  # a fragment run: the outage record is this run's (a full run's frame clears it)
    ss[_REFRESHES] = ss.get(_REFRESHES, 0) + 1
    now = datetime.now()
    down = _store_down(base.url, opts, full_run)
    failed = False
    try:
        screen = _read_screen(base, opts, now)
        ss[_LAST] = screen
    except Exception as exc:  # a refresh that fails keeps the last screen, never the error box
        if isinstance(exc, STORE_ERRORS):
            caching.note_outage(exc)
        else:
            log.exception("big screen refresh failed")
        screen, failed = ss.get(_LAST), True
        if screen is None:  # nothing drawn yet: the frame's notice (a store error) or this line says so
            st.caption(t("section_unavailable" if isinstance(exc, STORE_ERRORS) else "page_problem", base.lang))
            return
    _draw(screen, base, now, _stale_text(down or failed, base.lang))


def _stale_text(down: bool, lang: str) -> str | None:
    ss = st.session_state
    found = caching.outage()
    if not down and found is None:
        ss[_OK_AT] = time.time()
        return None
    since = found.stale_since if found is not None and found.stale_since else ss.get(_OK_AT)
    return bsview.stale_text(datetime.fromtimestamp(since) if since else None, lang)


def _read_screen(base: Scope, opts: bsview.ScreenOptions, now: datetime) -> _Screen:
    step = _rotation_step(base, opts)
    scope = _step_scope(base, step, now)
    if step.theme == bsview.RANKING:  # the month's 考核 in the map's place
        deck, legend = None, _read_ranking(scope)
    else:
        metric = bsview.THEME_METRIC[step.theme] if "themes" in opts.rotate else base.view.metric
        deck, legend = _read_map(scope, metric)
    return _Screen(scope.unit, step if opts.rotate else None, data.cached_meta(scope.url).get("label") == "demo",
                   data.cached_data_end(scope.url), deck, legend, _read_panels(scope, step.theme))


def _draw(screen: _Screen, base: Scope, now: datetime, stale: str | None) -> None:
    with st.container(key="bs-map"):
        if screen.deck is not None:
            st.pydeck_chart(screen.deck, height=bsview.MAP_H, width="stretch")
        if screen.legend:  # without any outline to draw, the notice of what is missing still shows
            st.html(screen.legend)
    for theme, body in screen.panels.items():
        with st.container(key=f"bs-{theme}"):
            st.html(body)
    refreshes = st.session_state[_REFRESHES]
    with st.container(key="bs-head"):
        period = base.view.period_label(base.lang) if base.view.custom else base.view.period_days
        st.html(bsview.build_header_html(screen.unit, screen.is_demo, screen.data_end, period,
                                         base.lang, now, stale, screen.step)
                .replace('class="bs-head"', f'class="bs-head" data-refreshes="{refreshes}"', 1))


def _store_down(url: str, opts: bsview.ScreenOptions, now: bool = False) -> bool:
    """Whether the store failed to answer at the last check; checked again once per refresh interval (or `now`)."""
    ss = st.session_state
    if now or time.time() - ss.get(_CHECKED_AT, 0.0) >= opts.refresh * 0.8:
        ss[_CHECKED_AT] = time.time()
        ss[_DOWN] = not frame.store_answers(url)
    return bool(ss.get(_DOWN))


def _rotation_step(base: Scope, opts: bsview.ScreenOptions) -> bsview.Step:
    ss = st.session_state
    if opts.rotate and _STEP_AT in ss and time.time() - ss[_STEP_AT] >= opts.every * 0.8:
        ss[_STEP] = ss.get(_STEP, 0) + 1
        ss[_STEP_AT] = time.time()
    ss.setdefault(_STEP_AT, time.time())
    n = len(_children(base)) if "children" in opts.rotate else 0
    return bsview.compute_step(ss.get(_STEP, 0), opts.rotate, n, bsview.METRIC_THEME[base.view.metric],
                               ranking=base.child_level is not None)  # a grid has nothing below it to rank


def _children(base: Scope) -> list[tuple[str, str]]:
    """The children the rotation goes through: those the viewer's Access allows (none for a kiosk without --children)."""
    return [c for c in data.children_options(base.url, base.tree, base.unit) if base.access.allows(c[0])]


def _refused_children(base: Scope) -> bool:
    """Whether the unit has children the viewer may not see, so that rotate=children stays on the unit itself."""
    return any(not base.access.allows(code) for code, _ in data.children_options(base.url, base.tree, base.unit))


def _step_scope(base: Scope, step: bsview.Step, now: datetime) -> Scope:
    """The scope this refresh shows: the unit or one of its children, periods ending now (or at the data's end).

    A custom range stays as it is: it does not roll over at midnight.
    """
    unit = base.unit
    if step.child:
        unit = _unit_of(base, _children(base)[step.child - 1][0])
    end = bsview.compute_screen_end(data.cached_data_end(base.url), now)
    current, previous, last_year = base.view.windows(end)
    return Scope(base.settings, base.view, base.tree, unit, hierarchy.child_level(base.tree, unit), end,
                 current, previous, last_year, base.access)


def _unit_of(base: Scope, code: str) -> Unit:
    if base.tree.has(code):
        return base.tree.unit(code)
    row = data.cached_grid(base.url, code)
    return hierarchy.grid_unit(row) if row is not None else base.unit


def _read_ranking(scope: Scope) -> str:
    """The month's 红榜 and 黑榜 of the unit's children per peer group, by the default scheme (the rankings page's defaults)."""
    lang = scope.lang
    view = ranking.default_view(scope) if scope.child_level is not None else None
    if view is None:
        return bsview.build_ranking_html(t("theme_ranking", lang), scope.unit.name, [], lang)
    groups = []
    for group in view.groups:
        found = view.lists(group)
        groups.append((view.group_text(group), _ranked_rows(found.red, lang), _ranked_rows(found.black, lang)))
    title = t("bs_rank_title", lang, month=view.month_text(), unit=scope.unit.name)
    sub = t("bs_rank_sub", lang, scheme=view.scheme.name(lang), tier=t(f"level_{view.tier}", lang))
    return bsview.build_ranking_html(title, sub, groups, lang)


def _ranked_rows(rows: pd.DataFrame, lang: str) -> list[tuple[str, str, str]]:
    return [(rkview.rank_cell(r["rank"], bool(r["tied"]), True, lang), str(r["name"]), f"{float(r['score']):.1f}")
            for _, r in rows.iterrows()]


def _read_map(scope: Scope, metric: str) -> tuple[pdk.Deck | None, str]:
    coloured = coloured_children(scope, metric)
    alert_rows, _venues = data.cached_points(scope.url, scope.unit, scope.current.end)
    alerts = mapview.alert_points(alert_rows, scope.lang)
    if isinstance(coloured, Outline):  # no boundaries below: the nearest outline with the alerts, and what is missing
        if not coloured.fc["features"]:
            return None, outview.notice_html(coloured.fallback, scope.lang, coloured.name, coloured.file)
        deck = bsview.build_screen_deck(outline.outline_features(coloured, scope.lang), coloured.bounds, scope.lang,
                                        alerts, basemap_style(scope.settings))
        legend = mapview.build_legend_html(metric, [], scope.lang, True, False)
        return outview.as_outline(deck), outview.notice_html(coloured.fallback, scope.lang, coloured.name,
                                                             coloured.file) + legend
    features, bounds, legend = coloured
    deck = bsview.build_screen_deck(features, bounds, scope.lang, alerts, basemap_style(scope.settings))
    return deck, mapview.build_legend_html(metric, legend, scope.lang, True, False)


def _read_panels(scope: Scope, theme_on: str) -> dict[str, str]:
    """The four theme panels' HTML: the overview's KPI values and daily series, drawn large."""
    url, unit = scope.url, scope.unit
    current, severities = data.cached_window_values(url, unit, scope.current)
    kpis = metrics.compute_kpis(current, data.comparison_values(url, unit, scope.previous),
                                data.comparison_values(url, unit, scope.last_year))
    daily = data.cached_daily(url, unit, scope.current)
    empty = facts.missing(data.cached_facts(url, unit))  # 暂无数据 for a theme with no fact under the unit (#28)
    panels = {}
    for theme in bsview.THEMES:
        drawn = bsview.has_trend(theme) and theme not in empty
        svg = data.svg_of(bsview.build_trend, daily, theme, scope.lang) if drawn else None
        next7 = None
        if theme in NEXT7 and theme not in empty:  # 未来7天 (#24): nothing where no forecast answers the unit
            next7 = forecast_views.next_days_text(data.cached_forecast(url, unit, NEXT7[theme]), daily, scope.lang)
        panels[theme] = bsview.build_panel_html(theme, kpis, scope.lang, theme == theme_on, severities, svg, theme in empty,
                                                next7)
    return panels


NEXT7 = {"cases": "cases", "alerts": "alerts"}  # the panels with a 未来7天 line: theme -> forecast series
