"""`cockpit.tools.check.database` against small real SQLite files: clean, then broken one way at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from check_fixtures import (
    COMMUNITY_A,
    COMMUNITY_B,
    STREET,
    T0,
    TOWN,
    VILLAGE,
    clean_rows,
    metadata_without,
    read_features,
    write_db,
    write_features,
    write_geo,
)

from cockpit.store.engine import make_engine
from cockpit.tools.check.database import Problem, check_database, format_problems, main_check

Rows = dict[str, list[dict]]


def run_check(
    tmp_path: Path, rows: Rows, geo: bool = True, metadata=None, break_geo: Callable[[Path], None] | None = None
) -> list[Problem]:
    url = write_db(tmp_path / "city.sqlite", rows, **({"metadata": metadata} if metadata is not None else {}))
    geo_dir = write_geo(tmp_path / "geo", rows) if geo else None
    if break_geo:
        break_geo(geo_dir)
    engine = make_engine(url)  # read-only, as the CLI opens it
    try:
        return check_database(engine, geo_dir)
    finally:
        engine.dispose()


def row(rows: Rows, table: str, **match) -> dict:
    return next(r for r in rows[table] if all(r[k] == v for k, v in match.items()))


def reported(problems: list[Problem], table: str, column: str, where: str, message: str) -> bool:
    return any(
        p.table == table and p.column_or_key == column and where in p.where and message in p.message for p in problems
    )


def assert_only(problems: list[Problem], expected: list[tuple[str, str, str, str]]) -> None:
    """Nothing else is reported: the checks do not cry wolf on the neighbours of a broken row."""
    got = {(p.table, p.column_or_key) for p in problems}
    assert got == {(t, c) for t, c, _, _ in expected}, format_problems(problems)


def test_clean_fixture_has_no_problems(tmp_path):
    problems = run_check(tmp_path, clean_rows())
    assert problems == [], format_problems(problems)


# -- one corruption at a time: (break the rows, the problems expected) ---------------------------


def _add_grid(rows: Rows, code: str, community: str) -> None:
    rows["grid"].append({**rows["grid"][0], "code": code, "community_code": community})


def _set(table: str, match: dict, **values) -> Callable[[Rows], None]:
    return lambda rows: row(rows, table, **match).update(values)


DB_CASES = [
    pytest.param(
        lambda rows: _add_grid(rows, "330681001001009", COMMUNITY_B),
        [("grid", "code", "code=330681001001009", "does not start with its community_code")],
        id="grid-not-nested",
    ),
    pytest.param(
        lambda rows: _add_grid(rows, "33068100100100A", COMMUNITY_A),
        [("grid", "code", "code=33068100100100A", "15-digit")],
        id="grid-code-not-digits",
    ),
    pytest.param(
        lambda rows: _add_grid(rows, "330681001001", COMMUNITY_A),
        [("grid", "code", "code=330681001001", "15-digit")],
        id="grid-code-too-short",
    ),
    pytest.param(
        lambda rows: _add_grid(rows, "330681001000001", STREET),
        [("grid", "community_code", "code=330681001000001", "not a community-level unit")],
        id="grid-under-a-street",
    ),
    pytest.param(
        _set("case_record", {"id": 3}, status="closed", closed_at=T0 - timedelta(hours=1)),
        [("case_record", "closed_at", "id=3", "is before received_at")],
        id="closed-before-received",
    ),
    pytest.param(
        _set("case_record", {"id": 1}, visited_at=T0 + timedelta(hours=6, minutes=30)),
        [("case_record", "visited_at", "id=1", "is before closed_at")],
        id="visit-before-close",
    ),
    pytest.param(
        _set("case_record", {"id": 1}, closed_at=None),
        [("case_record", "closed_at", "id=1", "NULL but status is closed")],
        id="closed-without-time",
    ),
    pytest.param(
        _set("case_record", {"id": 2}, status="open"),
        [("case_record", "status", "id=2", "is not one of")],
        id="case-status",
    ),
    pytest.param(
        _set("case_record", {"id": 1}, satisfaction=6, resolved_tier="province"),
        [
            ("case_record", "satisfaction", "id=1", "outside 1..5"),
            ("case_record", "resolved_tier", "id=1", "is not one of"),
        ],
        id="satisfaction-tier",
    ),
    pytest.param(
        _set("case_record", {"id": 2}, grid_code="330681001001099"),
        [("case_record", "grid_code", "id=2", "not found in grid.code")],
        id="orphan-case-grid",
    ),
    pytest.param(
        _set("case_record", {"id": 2}, category_code="X99"),
        [("case_record", "category_code", "id=2", "not found in case_category.code")],
        id="orphan-case-category",
    ),
    pytest.param(
        _set("case_record", {"id": 2}, lat=0, lon=0), [("case_record", "lon/lat", "id=2", "0,0")], id="null-island"
    ),
    pytest.param(
        _set("case_event", {"case_id": 1, "seq": 3}, at=T0 + timedelta(hours=9)),
        [("case_event", "at", "case_id=1 seq=3", "after the next event")],
        id="event-order",
    ),
    pytest.param(
        _set("population_stat", {"grid_code": "330681001002001"}, registered=-5),
        [("population_stat", "registered", "grid_code=330681001002001 as_of=2024-06-30", "negative")],
        id="negative-population",
    ),
    pytest.param(
        _set("population_stat", {"grid_code": "330681101201001"}, elderly_alone=500),
        [("population_stat", "elderly_alone", "grid_code=330681101201001", "greater than elderly_60p")],
        id="elderly-alone",
    ),
    pytest.param(
        _set("alert", {"id": 2}, severity=7), [("alert", "severity", "id=2", "outside 1..4")], id="alert-severity-7"
    ),
    pytest.param(
        _set("alert", {"id": 1}, type="flood", acknowledged_at=T0 - timedelta(minutes=1)),
        [("alert", "type", "id=1", "is not one of"), ("alert", "acknowledged_at", "id=1", "before raised_at")],
        id="alert-type-and-order",
    ),
    pytest.param(
        _set("alert", {"id": 2}, device_id=42),
        [("alert", "device_id", "id=2", "not found in device.id")],
        id="orphan-alert-device",
    ),
    pytest.param(
        _set("points_ledger", {"id": 1}, delta=-10),
        [("points_ledger", "delta", "id=1", "not positive in an earn entry")],
        id="earn-negative",
    ),
    pytest.param(
        _set("points_ledger", {"id": 2}, entry_type="gift"),
        [("points_ledger", "entry_type", "id=2", "is not one of")],
        id="ledger-type",
    ),
    pytest.param(
        _set("activity", {"id": 1}, participants=-1),
        [("activity", "participants", "id=1", "negative")],
        id="negative-participants",
    ),
    pytest.param(
        _set("vote", {"id": 1}, community_code="330681009009"),
        [("vote", "community_code", "id=1", "not found in admin_unit.code")],
        id="orphan-vote",
    ),
    pytest.param(
        _set("case_category", {"code": "C0101"}, parent_code="C99"),
        [("case_category", "parent_code", "code=C0101", "not found")],
        id="category-parent",
    ),
    pytest.param(
        _set("admin_unit", {"code": VILLAGE}, parent_code="330681001000"),
        [("admin_unit", "code", f"code={VILLAGE}", "does not start with its parent's prefix")],
        id="unit-not-nested",
    ),
    pytest.param(
        _set("admin_unit", {"code": VILLAGE}, parent_code="330681000000"),
        [("admin_unit", "level", f"code={VILLAGE}", "a community cannot sit under a city")],
        id="unit-level-skipped",
    ),
    pytest.param(
        _set("admin_unit", {"code": TOWN}, parent_code=None),
        [("admin_unit", "parent_code", f"code={TOWN}", "only a city may be a root")],
        id="unit-no-parent",
    ),
    pytest.param(
        _set("admin_unit", {"code": TOWN}, parent_code="330682000000"),
        [("admin_unit", "parent_code", f"code={TOWN}", "not found")],
        id="unit-parent-missing",
    ),
    pytest.param(
        _set("admin_unit", {"code": TOWN}, level="town", kind="镇"),
        [("admin_unit", "level", f"code={TOWN}", "is not one of")],
        id="unit-level-unknown",
    ),
    pytest.param(
        _set("admin_unit", {"code": COMMUNITY_A}, kind="村"),
        [("admin_unit", "kind", f"code={COMMUNITY_A}", "does not fit the level")],
        id="unit-kind",
    ),
]


@pytest.mark.parametrize(("corrupt", "expected"), DB_CASES)
def test_each_corruption_is_reported_where_it_is(tmp_path, corrupt, expected):
    rows = clean_rows()
    corrupt(rows)
    problems = run_check(tmp_path, rows)
    for table, column, where, message in expected:
        assert reported(problems, table, column, where, message), format_problems(problems)
    assert_only(problems, expected)


def _drop_grid_feature(geo_dir: Path) -> None:
    path = geo_dir / "grids" / f"{COMMUNITY_A}.geojson"
    write_features(path, [f for f in read_features(path) if f["properties"]["code"] != "330681001001002"])


def _add_unit_feature(geo_dir: Path) -> None:
    path = geo_dir / "units.geojson"
    features = read_features(path)
    write_features(path, [*features, {**features[0], "properties": {"code": "330681999000"}}])


def _point_geometry(geo_dir: Path) -> None:
    path = geo_dir / "grids" / f"{VILLAGE}.geojson"
    features = read_features(path)
    features[0]["geometry"] = {"type": "Point", "coordinates": [120.0, 29.0]}
    write_features(path, features)


GEO_CASES = [
    pytest.param(
        _drop_grid_feature, [("grid", "boundary", "code=330681001001002", "has no feature")], id="grid-without-boundary"
    ),
    pytest.param(
        lambda d: (d / "units.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8"),
        [("units.geojson", "file", "units.geojson", "not readable as JSON")],
        id="malformed-units",
    ),
    pytest.param(
        lambda d: (d / "units.geojson").write_text('{"type": "Feature"}', encoding="utf-8"),
        [("units.geojson", "file", "units.geojson", "not a GeoJSON FeatureCollection")],
        id="units-not-a-collection",
    ),
    pytest.param(
        lambda d: (d / "units.geojson").unlink(),
        [("units.geojson", "file", "units.geojson", "file missing; 6 admin_unit rows")],
        id="units-missing",
    ),
    pytest.param(
        _add_unit_feature,
        [("units.geojson", "code", "code=330681999000", "not in the database")],
        id="feature-not-in-db",
    ),
    pytest.param(
        lambda d: (d / "grids" / f"{VILLAGE}.geojson").unlink(),
        [(f"grids/{VILLAGE}.geojson", "file", VILLAGE, "file missing; 1 grid rows")],
        id="grid-file-missing",
    ),
    pytest.param(
        lambda d: write_features(d / "grids" / "330681101299.geojson", []),
        [("grids/330681101299.geojson", "file", "330681101299", "no grids of this community")],
        id="grid-file-unknown-community",
    ),
    pytest.param(
        _point_geometry,
        [(f"grids/{VILLAGE}.geojson", "geometry", "code=330681101201001", "Polygon")],
        id="point-geometry",
    ),
]


@pytest.mark.parametrize(("break_geo", "expected"), GEO_CASES)
def test_each_boundary_problem_is_reported(tmp_path, break_geo, expected):
    problems = run_check(tmp_path, clean_rows(), break_geo=break_geo)
    for table, column, where, message in expected:
        assert reported(problems, table, column, where, message), format_problems(problems)
    assert_only(problems, expected)


def test_missing_geo_dir_is_a_problem_not_an_exception(tmp_path):
    rows = clean_rows()
    url = write_db(tmp_path / "city.sqlite", rows)
    problems = check_database(make_engine(url), tmp_path / "no-such-dir")
    assert [(p.table, p.message) for p in problems] == [("geo", "boundary directory not found")]


def test_without_geo_dir_boundaries_are_not_checked(tmp_path):
    assert run_check(tmp_path, clean_rows(), geo=False) == []


def test_missing_column_is_reported_and_its_checks_skipped(tmp_path):
    rows = clean_rows()
    row(rows, "population_stat", grid_code="330681001001001")["households"] = -1
    problems = run_check(tmp_path, rows, metadata=metadata_without("case_record", "satisfaction"))
    assert reported(problems, "case_record", "satisfaction", "table", "column is missing")
    assert reported(problems, "population_stat", "households", "grid_code=330681001001001", "negative")
    assert not any("could not run" in p.message for p in problems), format_problems(problems)
    assert len(problems) == 2, format_problems(problems)


def test_missing_table_is_reported_and_the_rest_still_checked(tmp_path):
    rows = clean_rows()
    row(rows, "alert", id=2)["severity"] = 0
    problems = run_check(tmp_path, rows, metadata=metadata_without("vote"))
    assert reported(problems, "vote", "(table)", "database", "table is missing")
    assert reported(problems, "alert", "severity", "id=2", "outside 1..4")
    assert len(problems) == 2, format_problems(problems)


def test_codes_stored_as_numbers_are_reported(tmp_path):
    from sqlalchemy import BigInteger, Column, MetaData, Table

    from cockpit.store import schema

    md = MetaData()
    for table in schema.metadata.sorted_tables:
        if table.name != "admin_unit":
            table.to_metadata(md)
    cols = [Column("code", BigInteger, primary_key=True)] + [
        c._copy() for c in schema.admin_unit.columns if c.name != "code"
    ]
    Table("admin_unit", md, *cols)
    problems = run_check(tmp_path, clean_rows(), metadata=md)
    assert reported(problems, "admin_unit", "code", "table", "is not a text type"), format_problems(problems)


def test_duplicate_codes_are_reported_when_the_city_has_no_primary_key(tmp_path):
    from sqlalchemy import Column, MetaData, Table

    from cockpit.store import schema

    md = MetaData()
    for table in schema.metadata.sorted_tables:
        if table.name != "case_category":
            table.to_metadata(md)
    Table("case_category", md, *[Column(c.name, c.type, nullable=c.nullable) for c in schema.case_category.columns])
    rows = clean_rows()
    rows["case_category"].append({**rows["case_category"][0], "name": "重复"})
    problems = run_check(tmp_path, rows, metadata=md)
    assert [(p.table, p.column_or_key, p.where, p.message) for p in problems] == [
        ("case_category", "code", "code=C01", "is not unique")
    ]


def test_several_problems_are_all_reported(tmp_path):
    rows = clean_rows()
    _add_grid(rows, "330681001001009", COMMUNITY_B)
    row(rows, "case_record", id=3).update(status="closed", closed_at=T0 - timedelta(hours=1))
    row(rows, "case_record", id=2)["grid_code"] = "330681001001099"
    row(rows, "alert", id=2)["severity"] = 7
    row(rows, "population_stat", grid_code="330681001002001")["registered"] = -5
    problems = run_check(tmp_path, rows, break_geo=_drop_grid_feature)
    expected = [
        ("grid", "code", "code=330681001001009", "does not start with its community_code"),
        ("case_record", "closed_at", "id=3", "is before received_at"),
        ("case_record", "grid_code", "id=2", "not found in grid.code"),
        ("alert", "severity", "id=2", "outside 1..4"),
        ("population_stat", "registered", "grid_code=330681001002001", "negative"),
        ("grid", "boundary", "code=330681001001002", "has no feature"),
    ]
    for table, column, where, message in expected:
        assert reported(problems, table, column, where, message), format_problems(problems)
    assert len(problems) == len(expected), format_problems(problems)
    text = format_problems(problems)
    assert text.count("\n") == len(expected) + len({p.table for p in problems})  # header + one line each


def test_many_bad_rows_are_counted_with_a_few_examples(tmp_path):
    rows = clean_rows()
    rows["points_ledger"] += [
        {
            "id": i,
            "participant_ref": "P9",
            "grid_code": "330681001001001",
            "at": T0,
            "entry_type": "earn",
            "delta": 0,
            "activity_id": None,
            "venue_id": None,
        }
        for i in range(10, 35)
    ]
    problems = run_check(tmp_path, rows, geo=False)
    [problem] = problems
    assert problem.where.startswith("25 rows; first: id=10, id=11")
    assert problem.where.count("id=") == 20


def test_main_check_exit_codes(tmp_path, capsys):
    rows = clean_rows()
    clean_url = write_db(tmp_path / "clean.sqlite", rows)
    geo_dir = write_geo(tmp_path / "geo", rows)
    assert main_check(clean_url, geo_dir) == 0
    assert "No problems found" in capsys.readouterr().out

    row(rows, "alert", id=2)["severity"] = 7
    broken_url = write_db(tmp_path / "broken.sqlite", rows)
    assert main_check(broken_url, geo_dir) == 1
    out = capsys.readouterr().out
    assert "alert:" in out and "severity" in out and "id=2" in out


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent/dir/x.sqlite",
        "postgresql://cockpit:s3cret@127.0.0.1:1/cockpit",
        "not a url",
    ],
)
def test_main_check_unreachable_database(url, capsys):
    assert main_check(url, None) == 2
    captured = capsys.readouterr()
    message = captured.err.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert "s3cret" not in captured.out + captured.err
    if url.startswith("postgresql"):
        assert "postgresql://cockpit:***@127.0.0.1:1/cockpit" in message


def test_formula_and_markup_text_is_counted_as_information_not_a_problem(tmp_path, capsys):
    rows = clean_rows()
    cases = rows["case_record"]
    cases[0]["description"] = "=cmd|' /C calc'!A0"
    cases[1]["description"] = "<img src=x onerror=alert(1)>"
    cases[2]["description"] = "-2+3 <b>急</b>"  # both kinds in one row
    row(rows, "admin_unit", code=STREET)["name"] = "@SUM(1)"
    rows["venue"][0]["name"] = "\u202e场馆"
    url = write_db(tmp_path / "city.sqlite", rows)
    geo_dir = write_geo(tmp_path / "geo", rows)
    assert main_check(url, geo_dir) == 0  # information, not a failure
    out = capsys.readouterr().out
    assert "No problems found" in out and "For information (not a problem)" in out
    assert "case_record.description: 2 row(s) begin with a formula character" in out
    assert "case_record.description: 2 row(s) contain markup" in out
    assert "admin_unit.name: 1 row(s) begin with a formula character" in out
    assert "venue.name: 1 row(s) contain a right-to-left override" in out
    assert "grid.name" not in out  # nothing to say about clean columns


def test_clean_text_prints_no_information(tmp_path, capsys):
    rows = clean_rows()
    assert main_check(write_db(tmp_path / "city.sqlite", rows), write_geo(tmp_path / "geo", rows)) == 0
    assert "For information" not in capsys.readouterr().out
