"""Boundary files against the database: every unit and grid drawn, nothing drawn that is not there.

Layout (geo/README.md): ``units.geojson`` holds one feature per admin unit,
``grids/<community_code>.geojson`` the grids of one community; each feature
names its unit in the ``code`` property. A missing or malformed file is a
finding, never an exception.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from shapely.errors import GEOSException
from shapely.geometry import shape

AREAL = ("Polygon", "MultiPolygon")

# add(table, column_or_key, message, where): one located problem.
Add = Callable[[str, str, str, str], None]


def check_geo(
    geo_dir: Path, unit_codes: Iterable[str] | None, grids_by_community: dict[str, list[str]] | None, add: Add,
    levels: Mapping[str, str] | None = None,
) -> None:
    """Compare ``geo_dir`` with the units and grids read from the database (None: table unreadable).

    ``levels`` (code -> level) splits the units without a feature by tier: a city's first day has its
    city and district outlines only, and the operator reads "street … 72 rows", not one list of 1,274.
    """
    if not geo_dir.is_dir():
        add("geo", "directory", "boundary directory not found", str(geo_dir))
        return
    if unit_codes is not None:
        _check_file(geo_dir / "units.geojson", "units.geojson", set(unit_codes), "admin_unit", add, levels=levels)
    if grids_by_community is None:
        return
    grid_dir = geo_dir / "grids"
    for community, codes in grids_by_community.items():
        _check_file(
            grid_dir / f"{community}.geojson",
            f"grids/{community}.geojson",
            set(codes),
            "grid",
            add,
            missing_where="grids/<community_code>.geojson",
        )
    if grid_dir.is_dir():
        for path in sorted(grid_dir.glob("*.geojson")):
            if path.stem not in grids_by_community:
                add(f"grids/{path.name}", "file", "no grids of this community in the database", str(path))


def _check_file(
    path: Path, label: str, expected: set[str], db_table: str, add: Add, missing_where: str | None = None,
    levels: Mapping[str, str] | None = None,
) -> None:
    features, error = _read_features(path)
    if features is None:
        add(label, "file", f"{error}; {len(expected)} {db_table} rows have no boundary", str(path))
        return
    seen: set[str] = set()
    for i, feature in enumerate(features):
        code = _code(feature)
        if code is None:
            add(label, "code", "feature has no string 'code' property", f"feature #{i}")
            continue
        where = f"code={code}"
        if code in seen:
            add(label, "code", "appears in more than one feature", where)
        elif code not in expected:
            add(label, "code", f"is not in the database ({db_table})", where)
        seen.add(code)
        problem = _geometry_problem(feature.get("geometry"))
        if problem:
            add(label, "geometry", problem, where)
    for code in sorted(expected - seen):
        # The pages draw the nearest outline above such a unit and rank its children (cockpit.ui.outline).
        level = (levels or {}).get(code)
        message = f"has no feature in {missing_where or label}"
        add(db_table, "boundary", f"{level} {message}" if level else message, f"code={code}")


def _read_features(path: Path) -> tuple[list | None, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, "file missing"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, f"not readable as JSON ({str(exc).splitlines()[0]})"
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        return None, "not a GeoJSON FeatureCollection"
    return data["features"], ""


def _code(feature: object) -> str | None:
    props = feature.get("properties") if isinstance(feature, dict) else None
    code = props.get("code") if isinstance(props, dict) else None
    return code if isinstance(code, str) and code else None


def _geometry_problem(geometry: object) -> str | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in AREAL:
        return "is not a Polygon or MultiPolygon"
    try:
        empty = shape(geometry).is_empty
    except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        return f"cannot be read ({type(exc).__name__})"
    return "is empty" if empty else None
