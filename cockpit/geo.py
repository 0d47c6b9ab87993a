"""Boundaries for display: read GeoJSON, pick the features in view, simplify per tier."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from cockpit.demo_geometry import round_coords, simplify_for_display

# Simplification tolerance (degrees) by the level being drawn: about 1/1000 of a typical unit's width.
TOLERANCE = {"city": 0.004, "district": 0.002, "street": 0.0012, "community": 0.0004, "grid": 0.00008}
COORD_DIGITS = 5  # ~1 m: finer is invisible on screen and only fattens the message


class BoundaryError(Exception):
    """A boundary file is missing or unreadable."""


def read_features(path: Path) -> dict[str, dict]:
    """code -> {'name', 'level', 'parent_code', 'geometry' (shapely)}."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        out = {}
        for f in doc["features"]:
            props = f["properties"]
            out[str(props["code"])] = {
                "name": props.get("name"),
                "level": props.get("level"),
                "parent_code": props.get("parent_code"),
                "geometry": shape(f["geometry"]),
            }
        return out
    except FileNotFoundError as exc:
        raise BoundaryError(str(path)) from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BoundaryError(f"{path}: {exc}") from exc


def units_path(geo_dir: Path) -> Path:
    return geo_dir / "units.geojson"


def grids_path(geo_dir: Path, community_code: str) -> Path:
    return geo_dir / "grids" / f"{community_code}.geojson"


def to_display(geoms: dict[str, BaseGeometry], level: str) -> dict[str, BaseGeometry]:
    """Simplified (shared borders kept shared) and rounded geometries for one tier."""
    codes = list(geoms)
    simple = simplify_for_display([geoms[c] for c in codes], TOLERANCE.get(level, 0.001))
    return {c: round_coords(g, COORD_DIGITS) for c, g in zip(codes, simple)}


def feature_collection(geoms: dict[str, BaseGeometry], properties: dict[str, dict]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": mapping(g), "properties": properties.get(code, {"code": code})}
            for code, g in geoms.items()
        ],
    }


def bounds_of(geoms: list[BaseGeometry]) -> tuple[float, float, float, float]:
    return tuple(shapely.total_bounds(np.array(geoms, dtype=object)))  # type: ignore[return-value]
