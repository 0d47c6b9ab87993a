"""`import open311`: the real Bloomington sample, positions, time zones, idempotence by service_request_id."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import import_city as city
import pandas as pd

from cockpit import queries
from cockpit.core.model import Window
from cockpit.domain.cases import WORKLOAD, breakdown, cohort_totals, compliance, follow_up, funnel, totals
from cockpit.domain.hierarchy import Tree
from cockpit.queries.cases import COHORT_COLUMNS
from cockpit.store.engine import make_engine
from cockpit.views.cases import build_funnel_chart

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "open311"
REQUESTS = FIXTURES / "bloomington_requests.json"
SERVICES = FIXTURES / "bloomington_services.json"
GRID = "330681001001001"


def _import(capsys, url: str, tmp_path: Path, requests: Path = REQUESTS, *extra: str) -> tuple[int, str, str]:
    return city.run(capsys, "open311", "--requests", str(requests), "--services", str(SERVICES), "--db", url,
                    "--geo-dir", str(tmp_path / "geo"), *extra)


def test_sample_without_a_default_grid_is_rejected_with_reasons(sqlite_db, tmp_path, capsys):
    city.load_city(capsys, sqlite_db, tmp_path, with_boundaries=True)
    before = city.snapshot(sqlite_db)
    errors = tmp_path / "errors.csv"
    rc, _, err = _import(capsys, sqlite_db, tmp_path, REQUESTS, "--errors", str(errors))
    assert rc == 1 and "nothing was written" in err
    assert city.snapshot(sqlite_db) == before
    text = errors.read_text(encoding="utf-8-sig")
    assert text.count("no usable position (null or 0)") == 8  # 2 null and 6 zero positions in the sample
    assert text.count("no grid boundary in the geo folder contains this point") == 13  # Indiana is in no grid


def test_sample_with_a_default_grid(db, tmp_path, capsys):
    city.load_city(capsys, db, tmp_path, with_boundaries=True)
    rc, out, err = _import(capsys, db, tmp_path, REQUESTS, "--default-grid", GRID)
    assert rc == 0, err
    assert "case_record: 21 new" in out and "case_category: 53 new" in out  # 46 services in 7 groups
    got = city.rows(db, "SELECT external_id, status, received_at, closed_at, registered_at, dispatched_at, "
                        "resolved_at, lon, lat, description, grid_code FROM case_record ORDER BY external_id")
    by_id = {r[0]: r for r in got}
    first = by_id["4fbd40b2b1fe2c4b02000001"]  # requested 2012-05-23T15:55:28-04:00, lat/long null
    assert str(first[2]).startswith("2012-05-24 03:55:28") and first[1] == "received" and first[7] is None
    assert sum(r[1] == "closed" for r in got) == 3 and all(r[3] is not None for r in got if r[1] == "closed")
    assert all(r[4] is None and r[5] is None and r[6] is None for r in got)  # stages Open311 does not carry
    assert sum(r[7] is None for r in got) == 8 and all(r[10] == GRID for r in got)
    assert not any(r[9] == "" for r in got)  # empty descriptions are NULL
    notes = city.rows(db, "SELECT note FROM case_event WHERE action = 'receive' AND note IS NOT NULL")
    assert any("agency_responsible: Street Department" in n[0] for n in notes)
    before = city.snapshot(db)
    rc, out, _ = _import(capsys, db, tmp_path, REQUESTS, "--default-grid", GRID)
    assert rc == 0 and "case_record: 0 new, 0 updated, 21 unchanged" in out
    assert city.snapshot(db) == before
    data = json.loads(REQUESTS.read_text())
    data[0] |= {"status": "closed", "updated_datetime": "2012-05-24T09:00:00-04:00", "status_notes": "Trimmed."}
    changed = tmp_path / "requests.json"
    changed.write_text(json.dumps(data))
    rc, out, _ = _import(capsys, db, tmp_path, changed, "--default-grid", GRID)
    assert rc == 0 and "case_record: 0 new, 1 updated, 20 unchanged" in out
    assert city.rows(db, "SELECT status, closed_at FROM case_record WHERE external_id = '4fbd40b2b1fe2c4b02000001'")[0][0] == "closed"
    assert city.rows(db, "SELECT count(*) FROM case_record") == [(21,)]
    assert any("status_notes: Trimmed." in (n[0] or "") for n in city.rows(db, "SELECT note FROM case_event"))


def test_points_are_placed_in_the_grid_that_contains_them(sqlite_db, tmp_path, capsys):
    city.load_city(capsys, sqlite_db, tmp_path, with_boundaries=True)
    service = json.loads(SERVICES.read_text())[0]["service_code"]
    base = {"status": "open", "service_code": service, "description": ""}
    requests = [
        {**base, "service_request_id": "A", "requested_datetime": "2026-05-01T08:00:00+08:00", "long": 120.205, "lat": 29.705},
        {**base, "service_request_id": "B", "requested_datetime": "2026-05-01T00:00:00Z", "long": 120.215, "lat": 29.715},
        {**base, "service_request_id": "C", "requested_datetime": "2026-05-01 08:00:00", "long": 120.215, "lat": 29.715},
        {**base, "service_request_id": "D", "requested_datetime": "2026-05-01T08:00:00+08:00", "status": "pending"},
    ]
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(requests))
    rc, _, err = _import(capsys, sqlite_db, tmp_path, path, "--skip-bad-rows")
    assert rc == 0, err
    assert "request 3 (C): requested_datetime: has no UTC offset" in err
    assert "request 4 (D): status: is not open or closed" in err
    got = city.rows(sqlite_db, "SELECT external_id, grid_code, received_at FROM case_record ORDER BY external_id")
    assert [(r[0], r[1], str(r[2])[:19]) for r in got] == [
        ("A", "330681001001001", "2026-05-01 08:00:00"), ("B", "330681001005002", "2026-05-01 08:00:00")]


def test_the_cases_page_shows_what_open311_does_not_carry_as_unknown(sqlite_db, tmp_path, capsys):
    city.load_city(capsys, sqlite_db, tmp_path, with_boundaries=True)
    rc, _, err = _import(capsys, sqlite_db, tmp_path, REQUESTS, "--default-grid", GRID)
    assert rc == 0, err
    engine = make_engine(sqlite_db)
    try:
        root = Tree.from_frame(queries.fetch_units(engine)).root
        window = Window(datetime(2012, 5, 1), datetime(2012, 7, 1))
        cohort_frame = queries.fetch_case_cohort(engine, root, window)
        workload_frame = queries.fetch_case_workload(engine, root, window)
    finally:
        engine.dispose()
    cohort, workload = cohort_totals(cohort_frame, COHORT_COLUMNS), totals(workload_frame, WORKLOAD)
    frame = funnel(cohort, {}).set_index("stage")
    assert frame.loc["received", "cases"] == 21 and frame.loc["closed", "cases"] == 3
    assert frame.loc["closed", "share"] == 3 / 21
    for stage in ("registered", "dispatched", "resolved", "verified", "visited"):  # the last stage too
        assert pd.isna(frame.loc[stage, "cases"]) and pd.isna(frame.loc[stage, "share"]), stage
    assert compliance(cohort) == {"review": None, "response": None, "resolve": None}  # unknown, not 0%
    bars = build_funnel_chart(frame.reset_index(), "zh").data  # the layers share the frame
    assert dict(zip(bars["stage"], bars["text"]))["visited"] == "未记录"  # said on the chart, not drawn as 0
    rates = follow_up(cohort, workload)
    assert rates["closure_rate"] == 3 / 21  # open and closed is what Open311 does carry
    assert rates["revisit_rate"] is None and rates["satisfaction"] is None
    assert rates["reopen_rate"] is None and rates["return_rate"] is None
    by_source = breakdown(cohort_frame, workload_frame, "source", COHORT_COLUMNS).set_index("key")
    row = by_source.loc["open311"]
    assert row["received"] == 21 and row["closure_rate"] == 3 / 21
    assert all(pd.isna(row[k]) for k in ("on_time_rate", "satisfaction", "revisit_rate", "reopen_rate", "return_rate"))
