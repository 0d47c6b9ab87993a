"""A tiny real-coded city for the importer tests, the databases they write to, and running the command.

The city: 诸暨市 330681000000 → 暨阳街道 330681001000 → 江东社区 330681001001 and 浣纱社区 330681001005,
two grids in each (real division codes; the grid squares near 120.2 E, 29.7 N are made up).
Server tests write to a database of their own, ``cockpit_import_test`` (created when missing), so the
other engineers' tests on ``test`` never see these tables.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import drop_ours
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cockpit.store.engine import make_engine
from cockpit.tools.importers.cli import INTERNAL, main

__all__ = ["INTERNAL", "main"]

IMPORT_DB = "cockpit_import_test"
BACKENDS = ["sqlite", "postgresql", "mysql"]
NO_GEO = "/nonexistent/cockpit-import-test-geo"
URL_VARIABLES = {"postgresql": "COCKPIT_TEST_PG_URL", "mysql": "COCKPIT_TEST_MYSQL_URL"}

UNITS = [
    ("330681000000", "诸暨市", "city", ""),
    ("330681001000", "暨阳街道", "street", "330681000000"),
    ("330681001001", "江东社区", "community", "330681001000"),
    ("330681001005", "浣纱社区", "community", "330681001000"),
]
GRIDS = [  # code, community, name, kind, west, south (0.01° squares)
    ("330681001001001", "330681001001", "江东社区第1网格", "urban", 120.20, 29.70),
    ("330681001001002", "330681001001", "江东社区第2网格", "urban", 120.21, 29.70),
    ("330681001005001", "330681001005", "浣纱社区第1网格", "urban", 120.20, 29.71),
    ("330681001005002", "330681001005", "浣纱社区第2网格", "rural", 120.21, 29.71),
]


def own_database(variable: str) -> str:
    """URL of ``cockpit_import_test`` on the server ``variable`` names (created if absent); skips when unset."""
    base = os.environ.get(variable, "").strip()
    if not base:
        pytest.skip(f"{variable} not set (set by .ci/run)")
    u = make_url(base)
    admin = create_engine(make_engine(base, read_only=False).url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if u.get_backend_name() == "postgresql":
                if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": IMPORT_DB}).first():
                    conn.execute(text(f'CREATE DATABASE "{IMPORT_DB}"'))
            else:
                conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{IMPORT_DB}` CHARACTER SET utf8mb4"))
    finally:
        admin.dispose()
    return u.set(database=IMPORT_DB).render_as_string(hide_password=False)


def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``kind`` for one test: an SQLite file, or our server database emptied before and after."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'city.sqlite'}"
        return
    url = own_database(URL_VARIABLES[kind])
    drop_ours(url)
    try:
        yield url
    finally:
        drop_ours(url)


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """`python -m cockpit import …` in this process: (exit code, stdout, stderr); never an internal error."""
    if "--geo-dir" not in argv:  # never the project's own geo/ (the demo's boundaries)
        argv = (*argv, "--geo-dir", NO_GEO)
    rc = main(["import", *argv])
    out, err = capsys.readouterr()
    assert INTERNAL not in err, err
    assert "Traceback" not in err, err
    return rc, out, err


def write_csv(path: Path, header: list[str], rows: list[tuple], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def square(west: float, south: float, size: float = 0.01) -> list:
    return [[[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]]


def write_city(folder: Path) -> dict[str, Path]:
    """CSV files of the city's units (GB18030, Chinese headers) and grids, and the grids' GeoJSON."""
    folder.mkdir(parents=True, exist_ok=True)
    units = write_csv(folder / "units.csv", ["区划代码", "名称", "层级", "上级代码"], UNITS, encoding="gb18030")
    grids = write_csv(folder / "grids.csv", ["code", "community_code", "name", "kind"], [g[:4] for g in GRIDS])
    feats = [{"type": "Feature", "properties": {"code": g[0], "name": g[2]},
              "geometry": {"type": "Polygon", "coordinates": square(g[4], g[5])}} for g in GRIDS]
    geo = folder / "grids.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False), encoding="utf-8")
    return {"units": units, "grids": grids, "grids_geojson": geo}


def load_city(capsys: pytest.CaptureFixture, url: str, folder: Path, with_boundaries: bool = False) -> dict[str, Path]:
    files = write_city(folder)
    geo = str(folder / "geo")
    assert run(capsys, "csv", str(files["units"]), "--db", url, "--geo-dir", geo)[0] == 0
    assert run(capsys, "csv", str(files["grids"]), "--table", "grid", "--db", url, "--geo-dir", geo)[0] == 0
    if with_boundaries:
        rc, _, err = run(capsys, "geojson", "--level", "grid", str(files["grids_geojson"]), "--db", url, "--geo-dir", geo)
        assert rc == 0, err
    return files


def snapshot(url: str) -> dict[str, str]:
    """A digest of every contract table's rows: equal snapshots mean nothing was written."""
    from cockpit.store import schema

    engine = make_engine(url, read_only=False)
    try:
        with engine.connect() as conn:
            present = set(conn.dialect.get_table_names(conn))
            out = {}
            for t in schema.TABLES_IN_LOAD_ORDER:
                if t.name in present:
                    rows = conn.execute(t.select().order_by(*t.primary_key.columns)).all()
                    out[t.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
            return out
    finally:
        engine.dispose()


def rows(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url, read_only=False)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()
