"""`import geojson --level L FILE`: boundaries into the cockpit's files (atomically) and their units' label
points and areas into the database (one transaction).

Files follow geo/README.md: ``units.geojson`` for admin units, ``grids/<community>.geojson`` for grids.
A feature replaces the unit's old one, others stay; each file is written to a temporary file
beside it and moved into place with os.replace, after the database transaction committed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pyproj import Geod
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from cockpit.domain.geometry import round_coords
from cockpit.store import schema
from cockpit.store.boundaries import grids_path, units_path
from cockpit.store.upsert import fetch_in, upsert
from cockpit.tools.importers.geojson_read import Boundaries, read_boundaries
from cockpit.tools.importers.pipeline import Write, Written
from cockpit.tools.importers.report import ImportFailure, Problem, Report

GEOD = Geod(ellps="WGS84")
Files = dict[Path, list[dict]]  # path -> features to put in it (by code)


def _db_units(conn: Connection, level: str, codes: list[str]) -> dict[str, dict]:
    """code -> name, level, parent (community for a grid) of the file's codes that the database knows."""
    if level == "grid":
        return {r["code"]: {"name": r["name"], "level": "grid", "parent_code": r["community_code"]}
                for r in fetch_in(conn, schema.grid, "code", codes, ["code", "name", "community_code"])}
    return {r["code"]: {"name": r["name"], "level": r["level"], "parent_code": r["parent_code"]}
            for r in fetch_in(conn, schema.admin_unit, "code", codes, ["code", "name", "level", "parent_code"])}


def _known(conn: Connection, level: str, found: Boundaries, file: str) -> tuple[dict[str, dict], list[Problem]]:
    codes = sorted(found.geometry)
    known = _db_units(conn, level, codes)
    problems = []
    for code in codes:
        unit = known.get(code)
        label = found.labels[code]
        if unit is None:
            table = "grid" if level == "grid" else "admin_unit"
            problems.append(Problem(file, label, "code", f"not a unit in the database ({table}); not invented", code))
        elif unit["level"] != level:
            problems.append(Problem(file, label, "code", f"is a {unit['level']} in the database, not a {level} "
                                    f"(import it with --level {unit['level']})", code))
    return known, problems


def _label_point(geom: BaseGeometry) -> tuple[float, float, float]:
    point = geom.representative_point()
    area_m2, _ = GEOD.geometry_area_perimeter(geom)
    return round(point.x, 6), round(point.y, 6), round(abs(area_m2) / 1e6, 4)


def _feature(code: str, unit: dict, geom: BaseGeometry) -> dict:
    props = {"code": code, "name": unit["name"], "level": unit["level"], "parent_code": unit["parent_code"]}
    return {"type": "Feature", "properties": props, "geometry": mapping(round_coords(geom, 6))}


def _read_existing(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return list(doc["features"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImportFailure(f"现有边界文件损坏 / {path} exists but cannot be read ({exc}); move it away first") from None


def merged(path: Path, features: list[dict]) -> list[dict]:
    """The file's features with ``features`` replacing those of the same code (new ones appended, in code order)."""
    new = {f["properties"]["code"]: f for f in features}
    kept = []
    for old in _read_existing(path):
        code = str((old.get("properties") or {}).get("code"))
        kept.append(new.pop(code, old))
    return kept + [new[c] for c in sorted(new)]


class StagedFiles:
    """Boundary files written to temporary files beside their targets, moved into place by ``commit``.

    Staged inside the database transaction (a full disk fails the import, which rolls back), moved
    with os.replace once it committed; ``discard`` removes what was staged but not moved.
    """

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path, int]] = []  # temporary file, target, features

    def stage(self, path: Path, features: list[dict]) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                              separators=(",", ":"), allow_nan=False)
            tmp.write_text(text, encoding="utf-8")
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ImportFailure(f"无法写入边界文件，未导入 / cannot write {path}: {exc.strerror}; nothing was imported") from None
        self.staged.append((tmp, path, len(features)))

    def commit(self) -> None:
        for tmp, path, n in self.staged:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise ImportFailure(f"边界文件未替换 / {path} was not replaced ({exc.strerror}); the database already "
                                    "has the new label points and areas: run the same import again") from None
            print(f"{path}: {n:,} features")

    def discard(self) -> None:
        for tmp, _, _ in self.staged:
            tmp.unlink(missing_ok=True)
        self.staged.clear()


def _plan_files(level: str, geo_dir: Path, found: Boundaries, known: dict[str, dict]) -> Files:
    files: Files = {}
    for code, geom in found.geometry.items():
        unit = known[code]
        path = grids_path(geo_dir, unit["parent_code"]) if level == "grid" else units_path(geo_dir)
        files.setdefault(path, []).append(_feature(code, unit, geom))
    return {path: merged(path, feats) for path, feats in files.items()}


def import_geojson(path: Path, level: str, code_property: str | None, gcj02: bool, url: str, geo_dir: Path,
                   report: Report, staged: StagedFiles) -> Write | None:
    """The write step (None: nothing to import); boundary files go to ``staged``, to be committed after the database."""
    del url  # the pipeline opens the database; kept for a uniform signature
    found = read_boundaries(path, level, code_property, gcj02, report)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]

    def write(conn: Connection, excluded: set[str]) -> Written:
        keep = Boundaries({c: g for c, g in found.geometry.items() if found.labels[c] not in excluded},
                          {c: lb for c, lb in found.labels.items() if lb not in excluded})
        known, problems = _known(conn, level, keep, report.file)
        if problems:
            return Written(rejected=problems)
        table = schema.grid if level == "grid" else schema.admin_unit
        rows = [dict(zip(("code", "lon", "lat", "area_km2"), (c, *_label_point(g)))) for c, g in keep.geometry.items()]
        counts = upsert(conn, table, ["code"], ["lon", "lat", "area_km2"], rows, insert_new=False)
        note = {"meta": [{"key": f"boundaries_{level}", "value": f"{len(rows)} features from {path.name} "
                          f"(sha256 {digest}), written to {geo_dir}"}]}
        upsert(conn, schema.meta, ["key"], ["value"], note["meta"])
        staged.discard()
        for file, features in _plan_files(level, geo_dir, keep, known).items():
            staged.stage(file, features)
        return Written({f"{table.name} (label points, areas)": counts})

    return write if found.geometry else None
