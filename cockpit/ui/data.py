"""Data for the pages, cached per process: queries (rollups when fresh), boundaries, chart images.

Every function here is a `data_call` or built on them; how they are cached, shared between
sessions and kept for an outage is cockpit.ui.caching's business.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from cockpit import queries
from cockpit.core.model import Unit, Window, compute_windows, covered
from cockpit.core.settings import Settings, load_settings
from cockpit.domain import geometry, hierarchy, metrics
from cockpit.queries import rollup
from cockpit.queries.forecast import ABOVE_BAND_FRAME, BACKTEST_FRAME, FORECAST_FRAME
from cockpit.store import boundaries
from cockpit.store.engine import Engine, make_engine
from cockpit.ui.caching import clear_shared, data_call, memo
from cockpit.views import charts, draw_pool
from cockpit.views.tables import Chart

CHART_WIDTH = 560  # px of the SVG's own layout; CSS scales it to the column


# ---------------------------------------------------------------- settings and data access

def settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner=False)
def engine(url: str) -> Engine:
    """The process's one engine for `url`, shared by every session's thread (its pool sized by the settings)."""
    return make_engine(url, pool=settings().pool)


@data_call()
def cached_meta(url: str) -> dict[str, str]:
    return queries.fetch_meta(engine(url))


@data_call()
def cached_units(url: str) -> pd.DataFrame:
    return queries.fetch_units(engine(url))


@data_call()
def cached_tree(url: str) -> hierarchy.Tree:
    """The unit tree, built and indexed once per process (not once per page run)."""
    return hierarchy.Tree.from_frame(cached_units(url))


@data_call()
def cached_data_end(url: str) -> datetime | None:
    return queries.fetch_data_end(engine(url))


@data_call()
def cached_data_start(url: str) -> datetime | None:
    return queries.fetch_data_start(engine(url))


@data_call()
def cached_facts(url: str, unit: Unit) -> dict[str, bool]:
    """Per theme, whether any fact lies under the unit (one statement of four EXISTS; #28)."""
    return queries.fetch_facts(engine(url), unit)


@data_call()
def cached_grid(url: str, code: str) -> dict | None:
    return queries.fetch_grid(engine(url), code)


@data_call()
def cached_grids(url: str, community_code: str) -> pd.DataFrame:
    return queries.fetch_grids(engine(url), community_code)


@data_call()
def cached_rollup_fresh(url: str) -> bool:
    fresh = rollup.rollup_is_fresh(engine(url), cached_data_end(url))
    if not fresh:  # the test answers "no" also when the store is away: ask once more, so an outage raises
        queries.fetch_data_end(engine(url))  # rather than "not fresh" being kept for the TTL after it ends
    return fresh


def _rolled(url: str, unit: Unit) -> bool:
    """Rollups answer every unit above the grid once built for the current data; a grid reads its facts."""
    return unit.level != "grid" and cached_rollup_fresh(url)


@data_call()
def cached_window_values(url: str, unit: Unit, w: Window) -> tuple[metrics.ThemeValues, tuple[int, int, int, int]]:
    e = engine(url)
    pop = queries.fetch_population(e, unit, w.end)
    if _rolled(url, unit):
        cases, alerts, points = rollup.fetch_window_stats(e, unit, w)
    else:
        cases, alerts, points = queries.fetch_case_stats(e, unit, w), queries.fetch_alert_stats(e, unit, w), None
    points = points or queries.fetch_points_stats(e, unit, w)
    severities = (alerts["active_s1"], alerts["active_s2"], alerts["active_s3"], alerts["active_s4"])
    return metrics.compute_theme_values(pop, cases, alerts, points), severities


@data_call()
def cached_child_metrics(url: str, unit: Unit, level: str, w: Window) -> pd.DataFrame:
    e = engine(url)
    if level != "grid" and _rolled(url, unit):
        return rollup.fetch_child_metrics(e, unit, level, w, queries.fetch_child_population(e, unit, level, w.end))
    return queries.fetch_child_metrics(e, unit, level, w)


@data_call()
def cached_daily(url: str, unit: Unit, w: Window) -> pd.DataFrame:
    return (rollup if _rolled(url, unit) else queries).fetch_daily(engine(url), unit, w)


@data_call()
def cached_tiers(url: str, unit: Unit, w: Window) -> pd.DataFrame:
    return (rollup if _rolled(url, unit) else queries).fetch_tier_breakdown(engine(url), unit, w)


def _forecast_ready(url: str, unit: Unit) -> bool:
    """Forecasts (#24) are made by the rollup refresh for units down to the community: read only while the
    rollups answer the data's current end (a stale forecast would continue a chart from the wrong day)."""
    return unit.level != "grid" and cached_rollup_fresh(url)


def _none_or_away(url: str, columns: list[str]) -> pd.DataFrame:
    """No forecast to show. The forecast reads (and the freshness test) answer "none" also when the store is
    away: ask the store once more, so that an outage raises and the last forecast shown stays (caching)."""
    queries.fetch_data_end(engine(url))
    return _empty_like(columns)


@data_call()
def cached_forecast(url: str, unit: Unit, series: str) -> pd.DataFrame:
    """The unit's newest forecast of `series` ("cases", "alerts", "cases:<code>"): empty where there is none."""
    found = queries.fetch_forecast(engine(url), unit, series) if _forecast_ready(url, unit) else None
    return found if found is not None and not found.empty else _none_or_away(url, FORECAST_FRAME)


@data_call()
def cached_above_band(url: str, unit: Unit, level: str, series: str) -> pd.DataFrame:
    """The units of `level` in `unit` whose last 7 days ran above the upper 95% band of the forecast made before them."""
    ready = _forecast_ready(url, unit) and level != "grid"
    found = queries.fetch_above_band(engine(url), unit, level, series) if ready else None
    return found if found is not None and not found.empty else _none_or_away(url, ABOVE_BAND_FRAME)


@data_call()
def cached_backtest(url: str, unit: Unit, series: str) -> pd.DataFrame:
    """The forecast's 12-week backtest of `series` for the unit and its tier: empty where there is none."""
    found = queries.fetch_backtest(engine(url), unit, series) if _forecast_ready(url, unit) else None
    return found if found is not None and not found.empty else _none_or_away(url, BACKTEST_FRAME)


def _empty_like(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@data_call()
def cached_points(url: str, unit: Unit, end: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    e = engine(url)
    return queries.fetch_active_alerts(e, unit, end), queries.fetch_venues(e, unit)


# ---------------------------------------------------------------- boundaries and images

@st.cache_resource(show_spinner=False)
def _features(path: str, mtime: float) -> dict[str, dict]:  # noqa: ARG001 - mtime keys the cache
    return boundaries.read_features(Path(path))


def read_boundaries(path: Path) -> dict[str, dict]:
    return _features(str(path), path.stat().st_mtime if path.exists() else 0.0)


@data_call(ttl=3600, max_entries=512, floor=False, pickled=True)  # the map writes its figures into the features
def cached_display_geometry(geo_dir: str, unit_code: str, unit_level: str, child_level: str | None,  # noqa: ARG001
                            community_code: str | None) -> tuple[dict, tuple]:
    """Simplified child shapes of a unit (or the grid itself), as GeoJSON and bounds."""
    gdir = Path(geo_dir)
    if child_level is None:  # a grid: draw itself
        feats = read_boundaries(boundaries.grids_path(gdir, community_code or ""))
        wanted = {unit_code: feats[unit_code]} if unit_code in feats else {}
        level = "grid"
    elif child_level == "grid":
        wanted = read_boundaries(boundaries.grids_path(gdir, unit_code))
        level = "grid"
    else:
        feats = read_boundaries(boundaries.units_path(gdir))
        wanted = {c: f for c, f in feats.items() if f.get("parent_code") == unit_code}
        level = child_level
    shapes = geometry.to_display({c: f["geometry"] for c, f in wanted.items()}, level)
    props = {c: {"code": c, "name": wanted[c]["name"]} for c in shapes}
    bounds = geometry.bounds_of(list(shapes.values())) if shapes else (0.0, 0.0, 0.0, 0.0)
    return geometry.feature_collection(shapes, props), bounds


@data_call(max_entries=4096, floor=False)
def cached_svg(spec_json: str) -> str:
    return charts.json_to_svg(spec_json)


@st.cache_data(max_entries=1024, show_spinner=False)
def cached_chart_svg(builder: str, _build: Callable[..., Any], *args: Any) -> str:  # noqa: ARG001 - the key
    """The SVG of _build(*args), cached on the builder's name and its inputs (by content).

    Building and serialising an Altair chart costs a warm page more than all its cached reads.
    Hashing the inputs' contents is not free either (a city's daily series): pages pass a key
    instead where they have one (chart_svg). (Streamlit cannot hash a function: the leading
    underscore keeps it out of the key, its qualified name stands in.)
    """
    return draw_pool.draw(_build, args, settings().chart_workers)


def svg_of(build: Callable[..., Any], *args: Any) -> str:
    """The SVG of the chart build(*args) makes, cached on the builder and its inputs."""
    return cached_chart_svg(f"{build.__module__}.{build.__qualname__}", build, *args)


def _draw(chart: Chart) -> str:
    return draw_pool.draw(chart.build, chart.args, settings().chart_workers)


def chart_svg(chart: Chart, key: tuple | None = None) -> str:
    """The chart as SVG, cached on its inputs' contents, or under `key` when the caller has one
    that decides them (see memo): big inputs, a city's daily series, are then not hashed each run."""
    if key is not None:
        return memo(_draw, (chart.key, *key), chart)
    return svg_of(chart.build, *chart.args)


# ---------------------------------------------------------------- derived, uncached

def children_options(url: str, tr: hierarchy.Tree, unit: Unit) -> list[tuple[str, str]]:
    if unit.level == "grid":
        return []
    if unit.level == "community":
        grids = cached_grids(url, unit.code)
        return list(zip(grids["code"], grids["name"]))
    kids = tr.children(unit.code)
    return list(zip(kids["code"], kids["name"]))


def find_unit(url: str, tr: hierarchy.Tree, code: str) -> Unit | None:
    """The unit of a code: one of the tree's, a grid (read on demand), or None."""
    if tr.has(code):
        return tr.unit(code)
    row = cached_grid(url, code) if len(code) == 15 else None
    return hierarchy.grid_unit(row) if row is not None else None


def period_windows(url: str, days: int) -> tuple[datetime, Window, Window, Window]:
    end = cached_data_end(url) or datetime.now()
    return (end, *compute_windows(end, days))


def map_values(url: str, tr: hierarchy.Tree, unit: Unit, child_level: str | None, w: Window,
               codes: list[str]) -> pd.DataFrame:
    """Every map metric for the shapes drawn (`codes`): the unit's children, or a grid among its siblings."""
    if child_level is None:  # a grid colours itself by its own figures, read with its siblings
        child = cached_child_metrics(url, tr.unit(unit.parent_code), "grid", w)
        areas = pd.Series({unit.code: unit.area_km2 or 0.0})
    else:
        child = cached_child_metrics(url, unit, child_level, w)
        areas = tr.units["area_km2"] if child_level != "grid" else cached_grids(url, unit.code).set_index("code")["area_km2"]
    return metrics.compute_map_values(child.reindex(codes).fillna(0.0), areas)


def comparison_values(url: str, unit: Unit, w: Window) -> metrics.ThemeValues:
    """KPI values of a comparison window, or none when the data does not cover it (the change shows "—")."""
    if not covered(w, cached_data_start(url)):
        return {}
    return cached_window_values(url, unit, w)[0]


def clear_caches() -> None:
    """Forget cached answers (not the last good ones): the next run reads the store again."""
    st.cache_data.clear()
    clear_shared()
