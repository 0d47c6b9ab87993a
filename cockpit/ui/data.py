"""Data for the pages, cached per process: queries (rollups when fresh), boundaries, chart images.

Every data function is a `data_call`: an ``st.cache_data`` wrapper that also

* keeps the last answer it gave for each argument tuple, so that when the database goes
  away mid-session the page shows those figures, marked with their time, instead of an
  error (`outage` records that it happened, for the page frame's notice);
* can record the calls a page makes (`record_calls`), so the bench times the bare
  functions behind exactly the calls the page ran — the page's own code, not a copy.

The answers are shared by every session of the process, not pickled copies (st.cache_data): a
page run reads 20-40 of them, and unpickling Arrow-backed frames and hashing the arguments
cost a loaded server more than the page's own arithmetic (#20, py-spy under bench-load). A frame
is handed out as a shallow copy — with pandas' copy-on-write, a page that changes its copy never
changes the shared one — and containers one level deep likewise; nested objects are shared and
must be treated as read-only (`pickled=True` keeps st.cache_data for answers that callers edit).
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import cachetools
import pandas as pd
import streamlit as st

from cockpit import queries
from cockpit.core.model import Unit, Window, compute_windows, covered
from cockpit.core.settings import Settings, load_settings
from cockpit.domain import geometry, hierarchy, metrics
from cockpit.queries import rollup
from cockpit.store import boundaries
from cockpit.store.engine import STORE_ERRORS, Engine, make_engine
from cockpit.views import charts, draw_pool
from cockpit.views.tables import Chart

CHART_WIDTH = 560  # px of the SVG's own layout; CSS scales it to the column
TTL = 300  # seconds: fresh enough for a command centre, cheap enough for many viewers
LAST_GOOD_ENTRIES = 4096
SHARED_ENTRIES = 8192  # per function: a city's units, and the grids viewers opened within the TTL


# ---------------------------------------------------------------- outages and the last good answers

@dataclass
class Outage:
    """What the current script run saw of a failing store: the first error, and the age of what it showed."""

    error: BaseException
    stale_since: float | None = None  # time.time() of the oldest last-good answer shown instead


_last_good: OrderedDict[tuple, tuple[Any, float]] = OrderedDict()
_last_good_lock = threading.Lock()
_OUTAGE_KEY = "_store_outage"


def _remember(key: tuple, value: Any) -> None:
    with _last_good_lock:
        _last_good[key] = (value, time.time())
        _last_good.move_to_end(key)
        while len(_last_good) > LAST_GOOD_ENTRIES:
            _last_good.popitem(last=False)


def _recall(key: tuple) -> tuple[Any, float] | None:
    with _last_good_lock:
        return _last_good.get(key)


def note_outage(exc: BaseException, stale_at: float | None = None) -> None:
    """Record for the page frame that the store failed in this run (and the age of a last good answer shown)."""
    found = st.session_state.get(_OUTAGE_KEY)
    if found is None:
        found = st.session_state[_OUTAGE_KEY] = Outage(exc)
    if stale_at is not None:
        found.stale_since = stale_at if found.stale_since is None else min(found.stale_since, stale_at)


def outage() -> Outage | None:
    """The store failure seen by this script run, if any."""
    return st.session_state.get(_OUTAGE_KEY)


def clear_outage() -> None:
    st.session_state.pop(_OUTAGE_KEY, None)


# ---------------------------------------------------------------- recording the calls a page makes

_recording = threading.local()
_recorders: list[list] = []
_recorders_lock = threading.Lock()


@contextmanager
def record_calls() -> Iterator[list[tuple[str, Callable, tuple]]]:
    """Collect (name, bare function, args) of every top-level data call any page makes meanwhile."""
    calls: list[tuple[str, Callable, tuple]] = []
    with _recorders_lock:
        _recorders.append(calls)
    try:
        yield calls
    finally:
        with _recorders_lock:
            _recorders.remove(calls)


# ---------------------------------------------------------------- answers shared by the process's sessions

_shared: list[tuple[cachetools.Cache, threading.Condition]] = []
_shared_lock = threading.Lock()


def _isolated(value: Any, depth: int = 2) -> Any:
    """What a caller may change without changing the shared answer (see the module docstring):
    frames shallow-copied, containers copied two levels deep (a tuple of frames, a list of rows)."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if depth == 0:
        return value
    if isinstance(value, tuple):
        return tuple(_isolated(v, depth - 1) for v in value)
    if isinstance(value, list):
        return [_isolated(v, depth - 1) for v in value]
    if isinstance(value, dict):
        return {k: _isolated(v, depth - 1) for k, v in value.items()}
    return value


def _register(cache: cachetools.Cache) -> threading.Condition:
    condition = threading.Condition()
    with _shared_lock:
        _shared.append((cache, condition))
    return condition


def shared_cache(*, ttl: float | None = TTL, max_entries: int | None = None) -> Callable:
    """Memoise fn(*args) for every session of the process, keyed on the (hashable) arguments.

    One caller computes a missing answer while the others asking for it wait (a wall of viewers
    opening the same unit at 9 a.m. costs one query, not fifty); errors are not cached.
    """

    def wrap(fn: Callable) -> Callable:
        size = max_entries or SHARED_ENTRIES
        cache = cachetools.TTLCache(size, ttl) if ttl else cachetools.LRUCache(size)
        memoised = cachetools.cached(cache, condition=_register(cache))(fn)

        @functools.wraps(fn)
        def call(*args: Any) -> Any:
            return _isolated(memoised(*args))

        call.clear = memoised.cache_clear  # type: ignore[attr-defined]
        return call

    return wrap


def data_call(*, ttl: int | None = TTL, max_entries: int | None = None, floor: bool = True,
              pickled: bool = False) -> Callable:
    """Cache a data function (see the module docstring).

    `floor=False`: file, image or arithmetic work, not SQL; the data calls it makes inside are
    recorded for the bench's floor as if the page had made them. `pickled=True`: each caller gets
    its own deep copy (st.cache_data), for answers whose nested parts callers edit.
    """

    def wrap(fn: Callable) -> Callable:
        if pickled:
            cached = st.cache_data(ttl=ttl, max_entries=max_entries, show_spinner=False)(fn)
        else:
            cached = shared_cache(ttl=ttl, max_entries=max_entries)(fn)

        @functools.wraps(fn)
        def call(*args: Any) -> Any:
            depth = getattr(_recording, "depth", 0)
            if depth == 0 and floor and _recorders:
                with _recorders_lock:
                    for calls in _recorders:
                        calls.append((fn.__name__, fn, args))
            _recording.depth = depth + 1 if floor else depth
            key = (fn.__name__, *args)
            try:
                value = cached(*args)
            except STORE_ERRORS as exc:
                good = _recall(key)
                note_outage(exc, good[1] if good else None)
                if good is None:
                    raise
                return good[0]
            finally:
                _recording.depth = depth
            _remember(key, value)
            return value

        call.bare = fn  # type: ignore[attr-defined]
        call.clear = cached.clear  # type: ignore[attr-defined]
        return call

    return wrap


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
    return rollup.rollup_is_fresh(engine(url), cached_data_end(url))


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


_memo_cache: cachetools.TTLCache = cachetools.TTLCache(SHARED_ENTRIES, TTL)
_memo_condition = _register(_memo_cache)


def _memo_key(name: str, key: tuple, *_: Any) -> tuple:
    return (name, *key)


@cachetools.cached(_memo_cache, key=_memo_key, condition=_memo_condition)
def _memo(name: str, key: tuple, fn: Callable[..., Any], inputs: tuple) -> Any:  # noqa: ARG001 - the key
    return fn(*inputs)


def memo(fn: Callable[..., Any], key: tuple, *inputs: Any) -> Any:
    """fn(*inputs), cached under `key` instead of the inputs' contents (hashing a city's frames on
    every run costs what the arithmetic does).

    The caller promises that `key` decides the inputs: they are the cached reads of that scope and
    filter. During an outage the inputs may be last good answers, so nothing is memoised then.
    """
    if outage() is not None:
        return fn(*inputs)
    return _isolated(_memo(f"{fn.__module__}.{fn.__qualname__}", key, fn, inputs))


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
    with _shared_lock:
        shared = list(_shared)
    for cache, condition in shared:
        with condition:
            cache.clear()
