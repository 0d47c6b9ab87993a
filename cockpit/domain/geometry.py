"""Display geometry: simplify the shapes in view per tier, keep shared borders shared, round coordinates."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

# Simplification tolerance (degrees) by the level being drawn: about 1/1000 of a typical unit's width.
TOLERANCE = {"city": 0.004, "district": 0.002, "street": 0.0012, "community": 0.0004, "grid": 0.00008}

COORD_DIGITS = 5  # ~1 m: finer is invisible on screen and only fattens the message


def to_display(geoms: dict[str, BaseGeometry], level: str) -> dict[str, BaseGeometry]:
    """Simplified (shared borders kept shared) and rounded geometries for one tier."""
    codes = list(geoms)
    simple = simplify_for_display([geoms[c] for c in codes], TOLERANCE.get(level, 0.001))
    return {c: round_coords(g, COORD_DIGITS) for c, g in zip(codes, simple)}


def feature_collection(geoms: dict[str, BaseGeometry], properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": mapping(g), "properties": properties.get(code, {"code": code})}
            for code, g in geoms.items()
        ],
    }


def bounds_of(geoms: list[BaseGeometry]) -> tuple[float, float, float, float]:
    return tuple(shapely.total_bounds(np.array(geoms, dtype=object)))  # type: ignore[return-value]


def round_coords(geom: BaseGeometry, ndigits: int = 6) -> BaseGeometry:
    """`geom` with coordinates rounded to `ndigits` decimals (6 ≈ 0.1 m).

    Snapping can collapse a sliver or a narrow neck; shapely.set_precision
    repairs that, and if even the repaired result would be empty the plain
    rounded (or finally the original) geometry is returned instead, because a
    unit that vanishes from the map is worse than a few extra digits.
    """
    if geom.is_empty:
        return geom
    snapped = shapely.set_precision(geom, 10.0**-ndigits)
    if not snapped.is_empty and snapped.is_valid:
        return snapped
    rounded = shapely.transform(geom, lambda c: np.round(c, ndigits))
    if not rounded.is_empty and rounded.is_valid:
        return rounded
    return geom


def simplify_for_display(geoms: list[BaseGeometry], tolerance_deg: float) -> list[BaseGeometry]:
    """Simplify adjacent polygons together so shared borders stay shared.

    Simplifying each polygon on its own would move a shared border differently
    on either side and open gaps/overlaps between neighbours on the map;
    coverage simplification removes the same vertices from both sides.

    Units partitioned from different parents meet along borders whose
    vertices differ by float noise (each side clipped the parent border
    separately), which is not an exact coverage; shapely.coverage_clean nodes
    and snaps such input first. Only if that fails too does it fall back to
    per-polygon, topology-preserving simplification. Never returns an empty
    geometry: a polygon that would vanish or turn invalid is returned as given.
    """
    if tolerance_deg < 0:
        raise ValueError(f"tolerance_deg must be >= 0, got {tolerance_deg}")
    if not geoms:
        return []
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    if tolerance_deg == 0:
        return list(arr)
    coverage = _as_coverage(arr)
    if coverage is not None:
        out = shapely.coverage_simplify(coverage, tolerance_deg)
    else:
        out = shapely.simplify(arr, tolerance_deg, preserve_topology=True)
    bad = shapely.is_empty(out) | ~shapely.is_valid(out)
    out[bad] = arr[bad]
    return list(out)


def _as_coverage(arr: np.ndarray) -> np.ndarray | None:
    """`arr` itself if it is an exact polygon coverage, else a cleaned copy, else None."""
    if not np.isin(shapely.get_type_id(arr), (3, 6)).all():  # only (Multi)Polygons qualify
        return None
    if shapely.coverage_is_valid(arr):
        return arr
    try:
        cleaned = shapely.coverage_clean(arr)
    except shapely.errors.GEOSException:
        return None
    # Cleaning may hand a sliver of one polygon to its neighbour; accept it only
    # if nothing vanished and the result is a genuine coverage.
    ok = (
        len(cleaned) == len(arr)
        and not shapely.is_empty(cleaned).any()
        and shapely.is_valid(cleaned).all()
        and np.isin(shapely.get_type_id(cleaned), (3, 6)).all()
        and shapely.coverage_is_valid(cleaned)
    )
    return cleaned if ok else None

