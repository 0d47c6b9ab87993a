"""Maps whose shapes are missing (a city's first day: outlines of the city and districts only).

Where the children of the unit in view (or a grid itself) have no boundaries, a page's map draws
the nearest outline that exists — the unit's own, else its nearest ancestor's — with the points it
draws anyway, says in the viewer's words which tier is missing, and ranks the children as bars in
the map's place. Nothing here runs while the shapes are there: the normal map costs what it did.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pydeck as pdk
import streamlit as st

from cockpit.core.i18n import t
from cockpit.domain import geometry, hierarchy
from cockpit.domain.outline import Fallback, choose_fallback
from cockpit.store import boundaries
from cockpit.store.boundaries import BoundaryError
from cockpit.ui import data
from cockpit.ui.a11y import show_chart
from cockpit.ui.nodata import no_data
from cockpit.ui.scope import Scope
from cockpit.views import outline as outview
from cockpit.views.tables import Chart

log = logging.getLogger("cockpit.ui")
_logged: set[str] = set()  # a missing file is said once per process, not on every run of every viewer
_logged_lock = threading.Lock()


@dataclass(frozen=True)
class Outline:
    """The fallback of one unit: what is missing, the outline to draw (simplified GeoJSON), its bounds and name."""

    fallback: Fallback
    fc: dict
    bounds: tuple[float, float, float, float]
    name: str | None
    file: str | None = None  # a broken file's name inside the boundary folder (units.geojson)


def chain_of(scope: Scope) -> tuple[tuple[str, str], ...]:
    """(code, level) of the unit, then its ancestors nearest first (a grid's community included)."""
    return tuple((u.code, u.level) for u in reversed(hierarchy.breadcrumb(scope.tree, scope.unit)))


def read_outline(scope: Scope, error: BoundaryError | None = None) -> Outline:
    """The fallback of the scope's unit; `error` is why the shapes could not be read (None: none in the file)."""
    broken = error is not None and not isinstance(error.__cause__, FileNotFoundError)
    _log_once(scope, error)
    found = cached_outline(str(scope.settings.geo_dir), chain_of(scope), scope.child_level, broken)
    return Outline(found.fallback, found.fc, found.bounds, found.name,
                   boundaries.file_label(error.path) if broken and error is not None else None)


def _log_once(scope: Scope, error: BoundaryError | None) -> None:
    """The server's log gets the path (the page never does), once per file or unit per process."""
    what = str(error) if error is not None else f"{scope.settings.geo_dir}: no {scope.child_level or 'grid'} boundaries " \
        f"under {scope.unit.code}"
    with _logged_lock:
        if what in _logged:
            return
        _logged.add(what)
    log.warning("map fallback (python -m cockpit check lists every missing boundary): %s", what)


@data.data_call(ttl=3600, max_entries=512, floor=False)
def cached_outline(geo_dir: str, chain: tuple[tuple[str, str], ...], child_level: str | None,
                   broken: bool) -> Outline:
    """The nearest outline up `chain` that a boundary file holds, simplified for its tier."""
    gdir = Path(geo_dir)
    units = _features(boundaries.units_path(gdir))
    grids: dict[str, dict] = {}
    if chain[0][1] == "grid" and len(chain) > 1:
        grids = _features(boundaries.grids_path(gdir, chain[1][0]))

    def has_outline(code: str, level: str) -> bool:
        return code in (grids if level == "grid" else units)

    fb = choose_fallback(chain, child_level, has_outline, broken)
    if fb.outline is None:
        return Outline(fb, geometry.feature_collection({}, {}), (0.0, 0.0, 0.0, 0.0), None)
    feature = (grids if fb.outline_level == "grid" else units)[fb.outline]
    shapes = geometry.to_display({fb.outline: feature["geometry"]}, fb.outline_level or "city")
    name = feature.get("name") or fb.outline
    fc = geometry.feature_collection(shapes, {fb.outline: {"code": fb.outline, "name": name}})
    return Outline(fb, fc, geometry.bounds_of(list(shapes.values())), name)


def _features(path: Path) -> dict[str, dict]:
    """A boundary file's features, or none when it is missing or broken (the fallback's notice says so)."""
    try:
        return data.read_boundaries(path)
    except BoundaryError:
        return {}


def outline_features(found: Outline, lang: str) -> dict:
    """The outline as the shapes a deck builder draws (the builder's `features`)."""
    return outview.outline_features(found.fc, lang, found.fallback.outline_level or "city")


def render_outline_map(found: Outline, deck: pdk.Deck | None, lang: str, height: int, key: str,
                       legend_html: str | None) -> None:
    """The notice, then the outline with the page's points (no drill-down: the outline is not a child)."""
    text = outview.fallback_notice(found.fallback, lang, found.name, found.file)
    # A broken file is a fault to fix; boundaries not imported yet is a city's normal first day.
    (st.warning if found.fallback.broken else st.info)(text)
    if deck is None or not found.fc["features"]:
        return
    st.pydeck_chart(outview.as_outline(deck), height=height, key=key, width="stretch")
    if legend_html:
        st.html(legend_html)


def render_ranked_children(scope: Scope, found: Outline, values: pd.Series, metric_label: str,
                           texts: list[str], theme: str) -> None:
    """The children as a ranked bar chart in the map's place: the values the map would have coloured by.

    `values` is indexed by child code; `texts` are the values as the page writes them, in the same order.
    Where `theme` has no fact under the unit yet, every child reads 暂无数据, not a column of zeros (#28).
    """
    if scope.child_level is None:  # a grid has no children to rank
        return
    if theme in no_data(scope):
        values, texts = values * 0.0, [t("no_data", scope.lang)] * len(values)
    names = dict(data.children_options(scope.url, scope.tree, scope.unit))
    labels = hierarchy.short_names(names, scope.unit.name)
    frame = outview.rank_frame(values, names, labels, texts)
    title = outview.rank_title(found.fallback.missing, metric_label, scope.lang)
    chart = Chart("children_ranked", title, outview.build_rank_chart,
                  (frame, found.fallback.missing, metric_label, scope.lang, data.CHART_WIDTH))
    show_chart(chart)


def child_codes(scope: Scope) -> list[str]:
    """The codes of the unit's children (grids for a community), in code order."""
    return [code for code, _ in data.children_options(scope.url, scope.tree, scope.unit)]
