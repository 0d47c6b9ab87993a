"""Property-based: malformed bytes, rows and documents never crash a reader; a valid file always round-trips."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.tools.importers.csv_tables import read_csv_rows
from cockpit.tools.importers.geojson_read import read_boundaries
from cockpit.tools.importers.open311 import Open311Options, read_open311
from cockpit.tools.importers.report import ImportFailure, Report

SETTINGS = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = "网格编码,社区代码,网格名称,城乡类型,星级,经度,纬度\n"


def _file(data: bytes, suffix: str = ".csv") -> Path:
    f = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    f.write(data)
    f.close()
    return Path(f.name)


def _read_csv(data: bytes, table: str | None = "grid") -> Report:
    report = Report("f.csv")
    path = _file(data)
    try:
        read_csv_rows(path, table, None, report)
    except ImportFailure:
        pass  # a clear one-line refusal is an allowed answer; any other exception fails the test
    finally:
        path.unlink()
    return report


@SETTINGS
@given(st.binary(max_size=400))
def test_any_bytes(data):
    _read_csv(data, None)


@SETTINGS
@given(st.lists(st.lists(st.text(max_size=20), max_size=9), max_size=8),
       st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_any_rows_under_a_real_header(rows, encoding):
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    try:
        data = (HEADER + buf.getvalue()).encode(encoding)
    except UnicodeEncodeError:
        return
    report = _read_csv(data)
    assert all(p.line and p.field and p.reason for p in report.rejected)


grid_rows = st.lists(st.tuples(
    st.integers(1, 999), st.sampled_from(["urban", "rural"]), st.one_of(st.none(), st.integers(1, 5)),
    st.text(alphabet="网格社区第一二三ABC 12", min_size=1, max_size=20).map(str.strip).filter(bool),
    st.one_of(st.none(), st.tuples(st.floats(73.5, 135, allow_nan=False), st.floats(3.5, 53.5, allow_nan=False))),
), min_size=1, max_size=20, unique_by=lambda r: r[0])


@SETTINGS
@given(grid_rows, st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_valid_rows_round_trip(rows, encoding):
    buf = io.StringIO()
    w = csv.writer(buf)
    for serial, kind, stars, name, pos in rows:
        lon, lat = pos if pos else ("", "")
        w.writerow([f"330681001001{serial:03d}", "330681001001", name, kind, "" if stars is None else stars,
                    repr(lon) if pos else "", repr(lat) if pos else ""])
    path = _file((HEADER + buf.getvalue()).encode(encoding))
    report = Report("f.csv")
    try:
        parsed = read_csv_rows(path, None, None, report)
    finally:
        path.unlink()
    assert not report.rejected, report.rejected
    assert parsed.table.name == "grid"
    for (serial, kind, stars, name, pos), row in zip(rows, parsed.rows):
        assert row["code"] == f"330681001001{serial:03d}" and row["kind"] == kind and row["name"] == name
        assert row["worker_stars"] == stars and (row["lon"], row["lat"]) == (pos or (None, None))


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["type", "features", "geometry", "properties", "coordinates", "code", "id", "crs", "Feature",
         "Polygon", "FeatureCollection"]), inner, max_size=5)),
    max_leaves=25,
)


@SETTINGS
@given(json_values)
def test_any_json_as_geojson(doc):
    for candidate in (doc, {"type": "FeatureCollection", "features": doc if isinstance(doc, list) else [doc]}):
        path = _file(json.dumps(candidate).encode(), ".geojson")
        report = Report("f")
        try:
            read_boundaries(path, "grid", None, False, report)
        except ImportFailure:
            pass
        finally:
            path.unlink()


@SETTINGS
@given(st.lists(st.dictionaries(st.sampled_from(
    ["service_request_id", "status", "service_code", "requested_datetime", "updated_datetime", "lat", "long",
     "description", "expected_datetime"]),
    st.one_of(st.none(), st.integers(-1000, 1000), st.floats(allow_nan=True), st.text(max_size=30),
              st.sampled_from(["open", "closed", "S1", "2012-05-23T15:55:28-04:00", "0"])), max_size=9), max_size=6))
def test_any_requests(requests):
    req = _file(json.dumps(requests).encode(), ".json")
    svc = _file(json.dumps([{"service_code": "S1", "service_name": "Potholes", "group": "Streets"}]).encode(), ".json")
    report = Report("r")
    try:
        read_open311(req, svc, None, Open311Options(default_grid="330681001001001"), report)
    except ImportFailure:
        pass
    finally:
        req.unlink()
        svc.unlink()
    assert all(p.line and p.field and p.reason for p in report.rejected)
