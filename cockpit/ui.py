"""The pages' building blocks: first run, header, breadcrumb, KPI cards, map, charts.

With cockpit.ui_data (cached data) and cockpit.ui_state (view state) these are the only
library modules that import Streamlit; pages import this one and find all three here.
"""

from __future__ import annotations

import html
import json
import threading
from datetime import datetime
from importlib import resources
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from cockpit import geo, hierarchy, metrics, views
from cockpit.config import Settings
from cockpit.db import DatabaseError, sqlite_path
from cockpit.i18n import fmt_date, t
from cockpit.queries import Unit, Window
from cockpit.ui_data import (  # noqa: F401 - re-exported for the pages
    CHART_WIDTH,
    TTL,
    cached_child_metrics,
    cached_daily,
    cached_data_end,
    cached_data_start,
    cached_display_geometry,
    cached_grid,
    cached_grids,
    cached_meta,
    cached_points,
    cached_rollup_fresh,
    cached_svg,
    cached_tiers,
    cached_units,
    cached_window_values,
    children_options,
    comparison_values,
    engine,
    period_windows,
    read_boundaries,
    safe_url,
    settings,
    tree,
)
from cockpit.ui_state import (  # noqa: F401 - re-exported for the pages
    ViewState,
    current_lang,
    current_view,
    ensure_entry,
    init_state,
    render_sidebar,
    resolve_unit,
    set_unit,
    sync_url,
)

_build_lock = threading.Lock()


# ---------------------------------------------------------------- first run and health

def ensure_database(s: Settings) -> None:
    """Build the demo on first run; stop with a clear message if the database is unusable."""
    lang = current_lang()
    try:
        path = sqlite_path(s.db_url)
    except SQLAlchemyError:  # an unparsable URL: make_engine reports it below like any unreachable database
        path = None
    if path is not None and not path.exists() and s.build_demo:
        _build_demo_with_progress(s, path, lang)
    try:
        units = cached_units(s.db_url)
    except (DatabaseError, SQLAlchemyError, OSError):
        st.error(t("db_unreachable", lang, url=safe_url(s.db_url)))
        st.stop()
    if units.empty or units["parent_code"].isna().sum() == 0:
        st.error(t("db_empty", lang, url=safe_url(s.db_url)))
        st.stop()


def _build_demo_with_progress(s: Settings, path: Path, lang: str) -> None:
    from cockpit.demo import run_demo

    with _build_lock:
        if path.exists():  # another session built it while we waited
            return
        bar = st.progress(0.0, text=t("building_demo", lang))

        def progress(message: str, fraction: float) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=f"{t('building_demo', lang)} {message}")

        try:
            run_demo(s.demo_preset, 1, s.db_url, s.geo_dir, progress=progress)
        except DatabaseError as exc:
            st.error(str(exc))
            st.stop()
        bar.empty()
        st.cache_data.clear()


# ---------------------------------------------------------------- rendering

def inject_style() -> None:
    css = resources.files("cockpit.resources").joinpath("style.css").read_text(encoding="utf-8")
    st.html(f"<style>{css}</style>")


def render_header(unit: Unit, meta: dict[str, str], end: datetime, w: Window, lang: str) -> None:
    badge = f'<span class="ck-badge">{t("demo_badge", lang)}</span>' if meta.get("label") == "demo" else ""
    period = f"{fmt_date(w.start, lang)} – {fmt_date(w.end - pd.Timedelta(seconds=1), lang)}"
    st.html(
        f'<h1 class="ck-title">{t("app_title", lang)} · {html.escape(unit.name)}{badge}</h1>'
        f'<div class="ck-sub">{t(f"level_{unit.level}", lang)} {unit.code} · {t("period", lang)} {period} · '
        f'{t("as_of", lang)} {fmt_date(end, lang)}</div>'
    )


def render_breadcrumb(tr: hierarchy.Tree, unit: Unit, children: list[tuple[str, str]], lang: str) -> None:
    """Ancestors as buttons (any number of levels up) and a selectbox to drill into a child."""
    chain = tr.ancestors(unit) if unit.level != "grid" else [*tr.ancestors(tr.unit(unit.parent_code)), unit]
    cols = st.columns([1.3] * len(chain) + [max(1.0, 9 - 1.3 * len(chain)), 3.2], vertical_alignment="center")
    for i, (col, u) in enumerate(zip(cols, chain)):
        label = ("› " if i else "") + u.name
        col.button(label, key=f"crumb-{u.code}", on_click=set_unit, args=(u.code,), disabled=u.code == unit.code,
                   width="stretch", type="tertiary" if u.code == unit.code else "secondary")
    if children:
        names = dict(children)
        cols[-1].selectbox(
            # The language is in the key so a language switch redraws the placeholder too.
            t("drill_to", lang), [None, *names], key=f"drill-{unit.code}-{lang}", label_visibility="collapsed",
            format_func=lambda c: t("choose_child", lang) if c is None else names[c],
            on_change=_drill_from_select, args=(f"drill-{unit.code}-{lang}",),
        )
    else:
        cols[-1].caption(t("grid_view_note", lang))


def _drill_from_select(key: str) -> None:
    code = st.session_state.get(key)
    if code:
        set_unit(code)


def render_kpis(values: tuple[dict, tuple], previous: dict, last_year: dict, lang: str) -> None:
    current, severities = values
    kpis = metrics.compute_kpis(current, previous, last_year)
    st.html(views.build_kpi_html(kpis, lang, severities))


def render_map(url: str, s: Settings, tr: hierarchy.Tree, unit: Unit, child_level: str | None, vs: ViewState,
               w: Window) -> None:
    lang = vs.lang
    try:
        fc, bounds = cached_display_geometry(str(s.geo_dir), unit.code, unit.level, child_level,
                                             unit.parent_code if unit.level == "grid" else None)
    except geo.BoundaryError as exc:
        st.warning(t("geo_missing", lang, path=str(exc)))
        return
    if not fc["features"]:
        st.warning(t("geo_missing", lang, path=str(s.geo_dir)))
        return
    codes = [f["properties"]["code"] for f in fc["features"]]
    if child_level is None:  # a grid colours itself by its own figures, read with its siblings
        parent = tr.unit(unit.parent_code)
        child = cached_child_metrics(url, parent, "grid", w).reindex(codes).fillna(0.0)
        areas = pd.Series({unit.code: unit.area_km2 or 0.0})
    else:
        child = cached_child_metrics(url, unit, child_level, w).reindex(codes).fillna(0.0)
        areas = tr.units["area_km2"] if child_level != "grid" else cached_grids(url, unit.code).set_index("code")["area_km2"]
    vals = metrics.compute_map_values(child, areas)
    values = vals[vs.metric].reindex(codes).fillna(0.0)
    fills, legend = views.compute_fill(values, vs.metric)
    label = t(f"m_{vs.metric}", lang)
    for f, fill, v in zip(fc["features"], fills, values):
        f["properties"].update(fill=fill, value=float(v), label=label, value_text=views.format_metric(float(v), vs.metric, lang))
    alerts = venues = None
    if vs.show_alerts or vs.show_venues:
        alert_rows, venue_rows = cached_points(url, unit, w.end)
        alerts = views.alert_points(alert_rows, lang) if vs.show_alerts else None
        venues = views.venue_points(venue_rows, lang) if vs.show_venues else None
    deck = views.build_deck(fc, vs.metric, bounds, lang, vs.extrude, alerts, venues, basemap_style(s))
    event = st.pydeck_chart(deck, height=views.MAP_HEIGHT, on_select="rerun", selection_mode="single-object",
                            key=f"map-{unit.code}", width="stretch")
    st.html(views.build_legend_html(vs.metric, legend, lang, alerts is not None, venues is not None))
    picked = _picked_code(event)
    if picked and picked != unit.code and child_level is not None and picked in codes:
        set_unit(picked)
        st.rerun()


STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
BASEMAP_FILE = "cockpit-basemap.json"


def basemap_style(s: Settings) -> str | None:
    """The map style URL: a configured style, or one written here for a configured tile template.

    The style for a tile template is served by Streamlit's static file serving
    (server.enableStaticServing) at app/static/, a URL relative to the page so that it also
    works behind a proxy path.
    """
    if s.basemap_style:
        return s.basemap_style
    if not s.basemap_tiles:
        return None
    _write_basemap_style(s.basemap_tiles)
    return f"app/static/{BASEMAP_FILE}"


@st.cache_resource(show_spinner=False)
def _write_basemap_style(tiles_url: str) -> None:
    text = json.dumps(views.build_basemap_style(tiles_url), ensure_ascii=False)
    STATIC_DIR.mkdir(exist_ok=True)
    path = STATIC_DIR / BASEMAP_FILE
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)


def _picked_code(event: object) -> str | None:
    try:
        objects = event.selection["objects"].get("units") or []  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return None
    if not objects:
        return None
    obj = objects[0]
    props = obj.get("properties", obj) if isinstance(obj, dict) else {}
    code = props.get("code") if isinstance(props, dict) else None
    return code if isinstance(code, str) else None


def render_trends(url: str, unit: Unit, w: Window, lang: str) -> None:
    panel = views.build_trend_panel(cached_daily(url, unit, w), cached_tiers(url, unit, w), lang, CHART_WIDTH)
    # st.html sanitises inline SVG away; st.image serves the SVG as an image.
    st.image(cached_svg(panel.to_json()), width="stretch")


