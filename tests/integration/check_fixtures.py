"""A tiny, hand-written city that satisfies the data contract, for `cockpit.tools.check.database` tests.

诸暨市 (330681) with two streets (a 街道 and a 镇), three communities and four
grids, a few cases, alerts and ledger rows, and square boundaries for every
unit. Tests copy `clean_rows()`, break one thing, and write the result with
`write_db` / `write_geo`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, MetaData, Table, create_engine

from cockpit.store import schema

CITY = "330681000000"
STREET, TOWN = "330681001000", "330681101000"
COMMUNITY_A, COMMUNITY_B, VILLAGE = "330681001001", "330681001002", "330681101201"
GRIDS = {  # grid code -> community code
    "330681001001001": COMMUNITY_A,
    "330681001001002": COMMUNITY_A,
    "330681001002001": COMMUNITY_B,
    "330681101201001": VILLAGE,
}
T0 = datetime(2024, 6, 1, 9, 0)


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _unit(code: str, name: str, level: str, parent: str | None, kind: str) -> dict:
    return {
        "code": code,
        "name": name,
        "level": level,
        "parent_code": parent,
        "kind": kind,
        "area_km2": 1.0,
        "lon": 120.2,
        "lat": 29.7,
    }


def _case(id_: int, grid: str, status: str, **times: datetime) -> dict:
    row = {
        "id": id_,
        "external_id": f"EXT-{id_}",
        "source": "grid_worker",
        "category_code": "C0101",
        "grid_code": grid,
        "lon": 120.21,
        "lat": 29.71,
        "description": "井盖缺失",
        "status": status,
        "received_at": T0,
        "review_due_at": _at(6),
        "response_due_at": _at(15),
        "due_at": _at(72),
        "resolved_tier": None,
        "satisfaction": None,
        "reopen_count": 0,
        "return_count": 0,
    }
    row.update(times)
    return row


def clean_rows() -> dict[str, list[dict]]:
    """Rows per table name; every check passes on them."""
    closed = dict(
        registered_at=_at(1),
        dispatched_at=_at(2),
        resolved_at=_at(5),
        verified_at=_at(6),
        closed_at=_at(7),
        visited_at=_at(30),
    )
    return {
        "meta": [{"key": "label", "value": "test"}, {"key": "as_of", "value": "2024-06-30"}],
        "admin_unit": [
            _unit(CITY, "诸暨市", "city", None, "市"),
            _unit(STREET, "暨阳街道", "street", CITY, "街道"),
            _unit(TOWN, "店口镇", "street", CITY, "镇"),
            _unit(COMMUNITY_A, "东一社区", "community", STREET, "居委会"),
            _unit(COMMUNITY_B, "东二社区", "community", STREET, "居委会"),
            _unit(VILLAGE, "湄池村", "community", TOWN, "村委会"),
        ],
        "grid": [
            {
                "code": code,
                "community_code": community,
                "name": f"第{code[-1]}网格",
                "area_km2": 0.2,
                "kind": "rural" if community == VILLAGE else "urban",
                "lon": 120.2,
                "lat": 29.7,
                "worker_ref": f"W{code[-4:]}",
                "worker_stars": 4,
            }
            for code, community in GRIDS.items()
        ],
        "population_stat": [
            {
                "grid_code": code,
                "as_of": date(2024, 6, 30),
                "registered": 900,
                "floating": 120,
                "households": 380,
                "elderly_60p": 210,
                "elderly_alone": 18,
            }
            for code in GRIDS
        ],
        "case_category": [
            {
                "code": "C01",
                "name": "公用设施",
                "name_en": "Public facilities",
                "parent_code": None,
                "kind": "component",
                "review_hours": 6,
                "response_hours": 15,
                "resolve_hours": 72,
            },
            {
                "code": "C0101",
                "name": "井盖",
                "name_en": "Manhole cover",
                "parent_code": "C01",
                "kind": "component",
                "open311_service_code": "4e090d24992b941e78000019",
                "open311_group": "Streets, Parking & Traffic",
                "review_hours": 6,
                "response_hours": 15,
                "resolve_hours": 72,
            },
            {
                "code": "E01",
                "name": "市容环境",
                "name_en": "City appearance",
                "parent_code": None,
                "kind": "event",
                "review_hours": 6,
                "response_hours": 15,
                "resolve_hours": 48,
            },
        ],
        "case_record": [
            _case(1, "330681001001001", "closed", resolved_tier="grid", satisfaction=5, **closed),
            _case(2, "330681001002001", "dispatched", registered_at=_at(1), dispatched_at=_at(3)),
            _case(3, "330681101201001", "received"),
        ],
        "case_event": [
            {"case_id": 1, "seq": seq, "at": _at(h), "action": action, "tier": "grid", "note": None}
            for seq, (h, action) in enumerate(
                [
                    (0, "receive"),
                    (1, "register"),
                    (2, "dispatch"),
                    (5, "resolve"),
                    (6, "verify"),
                    (7, "close"),
                    (30, "visit"),
                ],
                start=1,
            )
        ],
        "device": [
            {
                "id": 1,
                "type": "gas",
                "grid_code": "330681001001002",
                "lon": 120.22,
                "lat": 29.72,
                "installed_at": date(2023, 1, 1),
            }
        ],
        "alert": [
            {
                "id": 1,
                "type": "gas",
                "severity": 1,
                "grid_code": "330681001001002",
                "device_id": 1,
                "lon": 120.22,
                "lat": 29.72,
                "raised_at": T0,
                "ack_due_at": _at(0.25),
                "acknowledged_at": _at(0.1),
                "resolved_at": _at(2),
                "status": "resolved",
                "case_id": None,
            },
            {
                "id": 2,
                "type": "elderly_alone",
                "severity": 3,
                "grid_code": "330681101201001",
                "device_id": None,
                "lon": None,
                "lat": None,
                "raised_at": _at(4),
                "ack_due_at": _at(5),
                "acknowledged_at": None,
                "resolved_at": None,
                "status": "active",
                "case_id": 3,
            },
        ],
        "venue": [
            {
                "id": 1,
                "kind": "redemption",
                "name": "积分超市",
                "grid_code": "330681001001001",
                "lon": 120.2,
                "lat": 29.7,
            }
        ],
        "activity": [
            {
                "id": 1,
                "kind": "volunteer",
                "title": "垃圾分类宣传",
                "grid_code": "330681001001001",
                "venue_id": 1,
                "starts_at": _at(24),
                "ends_at": _at(27),
                "points_each": 10,
                "participants": 12,
            }
        ],
        "vote": [
            {
                "id": 1,
                "community_code": COMMUNITY_A,
                "title": "加装电梯",
                "opens_at": T0,
                "closes_at": _at(168),
                "eligible": 300,
                "ballots_yes": 180,
                "ballots_no": 40,
                "ballots_abstain": 10,
            }
        ],
        "points_ledger": [
            {
                "id": 1,
                "participant_ref": "P001",
                "grid_code": "330681001001001",
                "at": _at(27),
                "entry_type": "earn",
                "delta": 10,
                "activity_id": 1,
                "venue_id": None,
            },
            {
                "id": 2,
                "participant_ref": "P001",
                "grid_code": "330681001001001",
                "at": _at(50),
                "entry_type": "redeem",
                "delta": -5,
                "activity_id": None,
                "venue_id": 1,
            },
        ],
    }


def write_db(path: Path, rows: dict[str, list[dict]], metadata: MetaData = schema.metadata) -> str:
    """Create the tables of ``metadata`` in a new SQLite file, insert ``rows``; return its URL."""
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            data = [{c.name: row.get(c.name) for c in table.columns} for row in rows.get(table.name, [])]
            if data:
                conn.execute(table.insert(), data)
    engine.dispose()
    return url


def metadata_without(table_name: str, column_name: str | None = None) -> MetaData:
    """A copy of the contract missing one table, or one column of a table."""
    copy = MetaData()
    for table in schema.metadata.sorted_tables:
        if table.name != table_name:
            table.to_metadata(copy)
        elif column_name is not None:
            cols: list[Column] = [c._copy() for c in table.columns if c.name != column_name]
            Table(table.name, copy, *cols)
    return copy


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
    }


def _feature(code: str, name: str, level: str, parent: str | None, i: int) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
        "geometry": square(120.0 + 0.02 * i, 29.6),
    }


def write_geo(geo_dir: Path, rows: dict[str, list[dict]]) -> Path:
    """units.geojson and grids/<community>.geojson for the units and grids in ``rows``."""
    units = [_feature(u["code"], u["name"], u["level"], u["parent_code"], i) for i, u in enumerate(rows["admin_unit"])]
    write_features(geo_dir / "units.geojson", units)
    by_community: dict[str, list[dict]] = {}
    for i, g in enumerate(rows["grid"]):
        by_community.setdefault(g["community_code"], []).append(
            _feature(g["code"], g["name"], "grid", g["community_code"], i)
        )
    for community, features in by_community.items():
        write_features(geo_dir / "grids" / f"{community}.geojson", features)
    return geo_dir


def write_features(path: Path, features: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )


def read_features(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]
