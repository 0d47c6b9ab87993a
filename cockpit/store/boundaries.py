"""Boundary files: where the GeoJSON of units and grids lives, and reading it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry


class BoundaryError(Exception):
    """A boundary file is missing or unreadable; `path` is the file (for the log and `check`, never a page)."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class Boundary(TypedDict):
    """One feature of a boundary file, as its properties say (None where a file leaves one out)."""

    name: str | None
    level: str | None
    parent_code: str | None
    geometry: BaseGeometry


def read_features(path: Path) -> dict[str, Boundary]:
    """The features of one boundary file by their unit's code."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        out = {}
        for f in doc["features"]:
            props = f["properties"]
            out[str(props["code"])] = Boundary(
                name=props.get("name"),
                level=props.get("level"),
                parent_code=props.get("parent_code"),
                geometry=shape(f["geometry"]),
            )
        return out
    except FileNotFoundError as exc:
        raise BoundaryError(str(path), path) from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BoundaryError(f"{path}: {exc}", path) from exc


def units_path(geo_dir: Path) -> Path:
    return geo_dir / "units.geojson"


def grids_path(geo_dir: Path, community_code: str) -> Path:
    return geo_dir / "grids" / f"{community_code}.geojson"



def file_label(path: Path | None) -> str:
    """A boundary file as the layout names it (units.geojson, grids/<code>.geojson): what a page may show.

    The folder it sits in is the server's business (COCKPIT_GEO_DIR): it goes to the log, not to viewers.
    """
    if path is None:
        return "units.geojson"
    return f"grids/{path.name}" if path.parent.name == "grids" else path.name
