"""Data for the pages, cached per process: queries (rollups when fresh), boundaries, chart images."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from cockpit import geo, hierarchy, metrics, queries, rollup, views
from cockpit.config import Settings, load_settings
from cockpit.db import make_engine
from cockpit.queries import Unit, Window

CHART_WIDTH = 560  # px of the SVG's own layout; CSS scales it to the column
TTL = 300  # seconds: fresh enough for a command centre, cheap enough for many viewers


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
    pop = queries.fetch_population(e, unit, w.end)
    if _rolled(url, unit):
        cases, alerts, points = rollup.fetch_window_stats(e, unit, w)
    else:
        cases, alerts, points = queries.fetch_case_stats(e, unit, w), queries.fetch_alert_stats(e, unit, w), None
    points = points or queries.fetch_points_stats(e, unit, w)
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



@st.cache_data(ttl=TTL, show_spinner=False, max_entries=4096)
def cached_svg(spec_json: str) -> str:
    return views.to_svg(alt.VConcatChart.from_json(spec_json))


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

