"""The only library module that imports Streamlit: state, caching wrappers and render functions."""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from cockpit import geo, hierarchy, metrics, queries, rollup, views
from cockpit.config import Settings, load_settings
from cockpit.db import DatabaseError, make_engine, sqlite_path
from cockpit.i18n import LANGS, fmt_date, t
from cockpit.queries import Unit, Window

CHART_WIDTH = 560  # px of the SVG's own layout; CSS scales it to the column
TTL = 300  # seconds: fresh enough for a command centre, cheap enough for many viewers
_build_lock = threading.Lock()


# ---------------------------------------------------------------- settings and data access

def settings() -> Settings:
    return load_settings()


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given, minus nothing secret
        return "<invalid URL>"


@st.cache_resource(show_spinner=False)
def engine(url: str) -> Engine:
    return make_engine(url)


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_meta(url: str) -> dict[str, str]:
    return queries.fetch_meta(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_units(url: str) -> pd.DataFrame:
    return queries.fetch_units(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_data_end(url: str) -> datetime | None:
    return queries.fetch_data_end(engine(url))


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_grid(url: str, code: str) -> dict | None:
    return queries.fetch_grid(engine(url), code)


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_grids(url: str, community_code: str) -> pd.DataFrame:
    return queries.fetch_grids(engine(url), community_code)


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_rollup_fresh(url: str) -> bool:
    return rollup.rollup_is_fresh(engine(url), cached_data_end(url))


def _rolled(url: str, unit: Unit) -> bool:
    """Rollups answer every unit above the grid once built for the current data; a grid reads its facts."""
    return unit.level != "grid" and cached_rollup_fresh(url)


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_window_values(url: str, unit: Unit, w: Window) -> tuple[dict, tuple[int, int, int, int]]:
    e = engine(url)
    src = rollup if _rolled(url, unit) else queries
    pop = queries.fetch_population(e, unit, w.end)
    cases = src.fetch_case_stats(e, unit, w)
    alerts = src.fetch_alert_stats(e, unit, w)
    points = (rollup.fetch_points_stats(e, unit, w) if src is rollup else None) or queries.fetch_points_stats(e, unit, w)
    severities = tuple(alerts[f"active_s{s}"] for s in (1, 2, 3, 4))
    return metrics.compute_theme_values(pop, cases, alerts, points), severities  # type: ignore[return-value]


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_child_metrics(url: str, unit: Unit, level: str, w: Window) -> pd.DataFrame:
    e = engine(url)
    if level != "grid" and _rolled(url, unit):
        return rollup.fetch_child_metrics(e, unit, level, w, queries.fetch_child_population(e, unit, level, w.end))
    return queries.fetch_child_metrics(e, unit, level, w)


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_daily(url: str, unit: Unit, w: Window) -> pd.DataFrame:
    return (rollup if _rolled(url, unit) else queries).fetch_daily(engine(url), unit, w)


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_tiers(url: str, unit: Unit, w: Window) -> pd.DataFrame:
    return (rollup if _rolled(url, unit) else queries).fetch_tier_breakdown(engine(url), unit, w)


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_points(url: str, unit: Unit, end: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    e = engine(url)
    return queries.fetch_active_alerts(e, unit, end), queries.fetch_venues(e, unit)


@st.cache_resource(show_spinner=False)
def _features(path: str, mtime: float) -> dict[str, dict]:  # noqa: ARG001 - mtime keys the cache
    return geo.read_features(Path(path))


def read_boundaries(path: Path) -> dict[str, dict]:
    return _features(str(path), path.stat().st_mtime if path.exists() else 0.0)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=512)
def cached_display_geometry(geo_dir: str, unit_code: str, unit_level: str, child_level: str | None,
                            community_code: str | None) -> tuple[dict, tuple]:
    """Simplified child shapes of a unit (or the grid itself), as GeoJSON and bounds."""
    gdir = Path(geo_dir)
    if child_level is None:  # a grid: draw itself
        feats = read_boundaries(geo.grids_path(gdir, community_code or ""))
        wanted = {unit_code: feats[unit_code]} if unit_code in feats else {}
        level = "grid"
    elif child_level == "grid":
        feats = read_boundaries(geo.grids_path(gdir, unit_code))
        wanted = feats
        level = "grid"
    else:
        feats = read_boundaries(geo.units_path(gdir))
        wanted = {c: f for c, f in feats.items() if f.get("parent_code") == unit_code}
        level = child_level
    shapes = geo.to_display({c: f["geometry"] for c, f in wanted.items()}, level)
    props = {c: {"code": c, "name": wanted[c]["name"]} for c in shapes}
    bounds = geo.bounds_of(list(shapes.values())) if shapes else (0.0, 0.0, 0.0, 0.0)
    return geo.feature_collection(shapes, props), bounds


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


# ---------------------------------------------------------------- state: language, period, metric, unit

@dataclass(frozen=True)
class ViewState:
    lang: str
    period_days: int
    metric: str
    unit_code: str | None
    extrude: bool
    show_alerts: bool
    show_venues: bool


def _param(name: str) -> str | None:
    pending = st.session_state.get("_pending_params") or {}
    value = pending.get(name, st.query_params.get(name))
    return value if isinstance(value, str) else None


def ensure_entry() -> None:
    """Send a page that runs without app.py back through it, keeping the link's parameters.

    On a fresh server Streamlit's legacy discovery of the `pages/` folder can run a page file
    alone (until app.py's st.navigation has run once); it would then have no sidebar, no
    first-run build and no deep link. app.py seeds the session, so its absence tells.
    """
    if st.session_state.get("_seeded"):
        return
    st.session_state["_pending_params"] = {k: st.query_params.get(k) for k in st.query_params}
    st.switch_page("app.py")


def init_state() -> None:
    """Seed session state from the URL once per session, so deep links open where they point."""
    ss = st.session_state
    if ss.get("_seeded"):
        return
    lang = _param("lang")
    ss["lang"] = lang if lang in LANGS else "zh"
    period = _param("period")
    ss["period"] = int(period) if period and period.isdigit() and int(period) in metrics.PERIOD_DAYS else 30
    metric = _param("metric")
    ss["metric"] = metric if metric in metrics.MAP_METRICS else "open_cases"
    raw_unit = _param("unit")
    ss["unit"] = hierarchy.parse_unit_param(raw_unit)
    ss["bad_unit"] = raw_unit if raw_unit and ss["unit"] is None else None
    ss.setdefault("extrude", False)
    ss.setdefault("show_alerts", True)
    ss.setdefault("show_venues", False)
    ss["_seeded"] = True
    ss.pop("_pending_params", None)


def current_lang() -> str:
    lang = st.session_state.get("lang") or _param("lang")
    return lang if lang in LANGS else "zh"


def set_unit(code: str | None) -> None:
    st.session_state["unit"] = code


def render_sidebar() -> ViewState:
    """Shared controls; their values survive drilling because they live in session state."""
    ss = st.session_state
    # Re-own the values before the widgets exist: the first script run after `streamlit run` starts
    # gives widgets made before st.navigation other ids than later runs, so without this the first
    # click after a server start reset period, metric and layers to their defaults (seen in Chromium).
    for key in ("lang", "period", "metric", "extrude", "show_alerts", "show_venues"):
        if key in ss:
            ss[key] = ss[key]
    with st.sidebar:
        st.radio(t("language", ss["lang"]), LANGS, key="lang", horizontal=True,
                 format_func=lambda x: "中文" if x == "zh" else "English")
        lang = ss["lang"]
        st.selectbox(t("period", lang), metrics.PERIOD_DAYS, key="period", format_func=lambda d: t(f"period_{d}", lang))
        st.selectbox(t("metric", lang), metrics.MAP_METRICS, key="metric", format_func=lambda m: t(f"m_{m}", lang))
        st.toggle(t("extrude", lang), key="extrude")
        st.toggle(t("show_alerts", lang), key="show_alerts")
        st.toggle(t("show_venues", lang), key="show_venues")
    return ViewState(lang, int(ss["period"]), ss["metric"], ss.get("unit"), ss["extrude"], ss["show_alerts"], ss["show_venues"])


def sync_url(vs: ViewState, unit: Unit) -> None:
    """The URL follows the user, so any view can be sent as a link."""
    wanted = {"unit": unit.code, "period": str(vs.period_days), "metric": vs.metric, "lang": vs.lang}
    if {k: st.query_params.get(k) for k in wanted} != wanted:
        st.query_params.update(wanted)


def resolve_unit(url: str, tree: hierarchy.Tree, code: str | None, lang: str) -> Unit:
    """The unit for a code, or the root with a notice when the code is unknown."""
    if code is None:
        bad = st.session_state.pop("bad_unit", None)
        if bad:
            st.warning(t("unknown_unit", lang, code=_literal(str(bad)[:40])))
        return tree.root
    if tree.has(code):
        return tree.unit(code)
    if len(code) == 15:
        row = cached_grid(url, code)
        if row is not None:
            return hierarchy.grid_unit(row)
    st.warning(t("unknown_unit", lang, code=_literal(code)))
    st.session_state["unit"] = None
    return tree.root


def _literal(text: str) -> str:
    """Text from a URL shown verbatim in markdown: a code span, so a crafted link renders no link or image."""
    return "`" + text.replace("`", "'") + "`"


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


def render_breadcrumb(tree: hierarchy.Tree, unit: Unit, children: list[tuple[str, str]], lang: str) -> None:
    """Ancestors as buttons (any number of levels up) and a selectbox to drill into a child."""
    chain = tree.ancestors(unit) if unit.level != "grid" else [*tree.ancestors(tree.unit(unit.parent_code)), unit]
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


def render_map(url: str, s: Settings, tree: hierarchy.Tree, unit: Unit, child_level: str | None, vs: ViewState,
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
        parent = tree.unit(unit.parent_code)
        child = cached_child_metrics(url, parent, "grid", w).reindex(codes).fillna(0.0)
        areas = pd.Series({unit.code: unit.area_km2 or 0.0})
    else:
        child = cached_child_metrics(url, unit, child_level, w).reindex(codes).fillna(0.0)
        areas = tree.units["area_km2"] if child_level != "grid" else cached_grids(url, unit.code).set_index("code")["area_km2"]
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
    daily = cached_daily(url, unit, w)
    charts = [
        (views.build_trend_chart(daily, ["cases_received", "cases_closed"], t("trend_cases", lang), lang), 175),
        (views.build_trend_chart(daily, ["alerts_raised"], t("trend_alerts", lang), lang), 125),
        (views.build_trend_chart(daily, ["points_earned"], t("trend_points", lang), lang), 125),
        (views.build_tier_chart(cached_tiers(url, unit, w), lang), 175),
    ]
    for chart, height in charts:
        # st.html sanitises inline SVG away; st.image serves the SVG as an image.
        st.image(cached_svg(chart.to_json(), height), width="stretch")


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=4096)
def cached_svg(spec_json: str, height: int) -> str:
    return views.to_svg(alt.Chart.from_json(spec_json), CHART_WIDTH, height)


def current_view() -> ViewState:
    ss = st.session_state
    return ViewState(ss.get("lang", "zh"), int(ss.get("period", 30)), ss.get("metric", "open_cases"), ss.get("unit"),
                     bool(ss.get("extrude")), bool(ss.get("show_alerts", True)), bool(ss.get("show_venues")))


def tree(url: str) -> hierarchy.Tree:
    return hierarchy.Tree.from_frame(cached_units(url))


def children_options(url: str, tr: hierarchy.Tree, unit: Unit) -> list[tuple[str, str]]:
    if unit.level == "grid":
        return []
    if unit.level == "community":
        grids = cached_grids(url, unit.code)
        return list(zip(grids["code"], grids["name"]))
    kids = tr.children(unit.code)
    return list(zip(kids["code"], kids["name"]))


def period_windows(url: str, days: int) -> tuple[datetime, Window, Window, Window]:
    end = cached_data_end(url) or datetime.now()
    return (end, *metrics.compute_windows(end, days))


@st.cache_data(ttl=TTL, show_spinner=False)
def cached_data_start(url: str) -> datetime | None:
    return queries.fetch_data_start(engine(url))


def comparison_values(url: str, unit: Unit, w: Window) -> dict:
    """KPI values of a comparison window, or none when the data does not cover it (the change shows "—")."""
    if not metrics.covered(w, cached_data_start(url)):
        return {}
    return cached_window_values(url, unit, w)[0]
