"""`import csv`: encodings, Chinese and English headers, validation with nothing written, idempotence, a kill."""

from __future__ import annotations

import codecs
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import import_city as city
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROJECT = Path(__file__).resolve().parents[2]


def test_gb18030_chinese_headers_twice_then_a_changed_row(db, tmp_path, capsys):
    files = city.write_city(tmp_path)
    geo = str(tmp_path / "geo")
    rc, out, err = city.run(capsys, "csv", str(files["units"]), "--db", db, "--geo-dir", geo)
    assert rc == 0, err
    assert "gb18030" in err and "admin_unit: 4 new, 0 updated, 0 unchanged" in out
    assert "check:" in err  # check ran after the import and printed its result
    got = city.rows(db, "SELECT code, name, level, parent_code, kind FROM admin_unit ORDER BY code")
    assert got[0] == ("330681000000", "诸暨市", "city", None, "市")
    assert [r[4] for r in got] == ["市", "街道", "居委会", "居委会"]  # kind derived from level and code
    before = city.snapshot(db)
    rc, out, _ = city.run(capsys, "csv", str(files["units"]), "--db", db, "--geo-dir", geo)
    assert rc == 0 and "0 new, 0 updated, 4 unchanged" in out
    assert city.snapshot(db) == before
    changed = [(c, "江东新社区" if c == "330681001001" else n, lv, p) for c, n, lv, p in city.UNITS]
    city.write_csv(files["units"], ["区划代码", "名称", "层级", "上级代码"], changed, encoding="gb18030")
    rc, out, _ = city.run(capsys, "csv", str(files["units"]), "--db", db, "--geo-dir", geo)
    assert rc == 0 and "0 new, 1 updated, 3 unchanged" in out
    assert city.rows(db, "SELECT name FROM admin_unit WHERE code = '330681001001'") == [("江东新社区",)]


def test_utf8_bom_english_headers(sqlite_db, tmp_path, capsys):
    path = tmp_path / "units.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "level", "parent_code", "kind"])
        w.writerows([(*u, "市" if u[2] == "city" else "街道" if u[2] == "street" else "居委会") for u in city.UNITS])
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    rc, out, err = city.run(capsys, "csv", str(path), "--db", sqlite_db)
    assert rc == 0, err
    assert "utf-8-sig" in err and "4 new" in out


def test_rejected_rows_are_reported_and_nothing_is_written(db, tmp_path, capsys):
    city.load_city(capsys, db, tmp_path)
    before = city.snapshot(db)
    bad = city.write_csv(tmp_path / "grids_bad.csv", ["网格编码", "社区代码", "网格名称", "城乡类型", "星级", "经度", "纬度"], [
        ("330681001001003", "330681001001", "好网格", "urban", "4", "120.2", "29.7"),
        ("330681001005009", "330681001001", "错社区", "urban", "", "", ""),       # line 3: code not under its community
        ("330681001009001", "330681001009", "无社区", "urban", "", "", ""),       # line 4: community not in admin_unit
        ("330681001001004", "330681001001", "坏类型", "city", "9", "0", "0"),      # line 5: kind, stars, 0,0
        ("3.30681E+14", "330681001001", "数字编码", "urban", "", "", ""),          # line 6: code as a number
        ("330681001001005", "330681001001", "半行"),                              # line 7: truncated line
    ])
    errors = tmp_path / "errors.csv"
    rc, _, err = city.run(capsys, "csv", str(bad), "--table", "grid", "--db", db, "--errors", str(errors))
    assert rc == 1
    assert "nothing was written" in err
    assert city.snapshot(db) == before
    with errors.open(encoding="utf-8-sig") as f:
        found = {(r["line"], r["field"], r["reason"]) for r in csv.DictReader(f)}
    assert all(r[0] for r in found) and {r[0] for r in found} >= {"3", "5", "6", "7"}
    assert ("3", "code", "does not start with its community_code") in found
    assert ("5", "kind", "is not one of urban/rural") in found
    assert ("5", "worker_stars", "is outside 1..5") in found
    assert ("5", "lon/lat", "is 0,0 (store NULL for an unknown position)") in found
    assert any(r[0] == "6" and "code written as a number" in r[2] for r in found)
    assert any(r[0] == "7" and "fields" in r[2] for r in found)
    # the foreign key is looked up once the rows are otherwise sound: alone, line 4 is reported by it
    rc, _, err = city.run(capsys, "csv", str(bad), "--table", "grid", "--db", db, "--skip-bad-rows")
    assert rc == 0, err
    assert "line" not in err or "330681001009" in err
    assert city.rows(db, "SELECT code FROM grid WHERE name = '好网格'") == [("330681001001003",)]
    assert city.rows(db, "SELECT count(*) FROM grid WHERE code = '330681001009001'") == [(0,)]
    assert "not found in admin_unit.code" in err


def test_timestamps_in_order_and_offsets(sqlite_db, tmp_path, capsys):
    city.load_city(capsys, sqlite_db, tmp_path)
    cats = city.write_csv(tmp_path / "cats.csv", ["分类代码", "分类名称", "英文名称", "类型", "立案时限", "派遣时限", "处置时限"],
                          [("C01", "市容环境", "City appearance", "event", "6", "15", "72")])
    assert city.run(capsys, "csv", str(cats), "--db", sqlite_db)[0] == 0
    header = ["external_id", "source", "category_code", "grid_code", "status", "received_at", "closed_at", "due_at"]
    cases = city.write_csv(tmp_path / "cases.csv", header, [
        ("T1", "hotline", "C01", "330681001001001", "closed", "2026-05-01T08:00:00+08:00", "2026-05-01 10:00", "2026-05-04 08:00"),
        ("T2", "hotline", "C01", "330681001001001", "closed", "2026-05-01T00:00:00Z", "2026-05-01 07:00", "2026-05-04 08:00"),
    ])
    rc, _, err = city.run(capsys, "csv", str(cases), "--table", "case_record", "--db", sqlite_db)
    assert rc == 1 and "3: closed_at: is before received_at" in err  # 00:00Z is 08:00 local, after 07:00
    ok = city.write_csv(tmp_path / "cases_ok.csv", header, [
        ("T1", "hotline", "C01", "330681001001001", "closed", "2026-05-01T00:00:00Z", "2026-05-01 10:00", "2026-05-04 08:00")])
    assert city.run(capsys, "csv", str(ok), "--table", "case_record", "--db", sqlite_db)[0] == 0
    assert city.rows(sqlite_db, "SELECT received_at FROM case_record")[0][0].startswith("2026-05-01 08:00:00")
    assert city.run(capsys, "csv", str(ok), "--table", "case_record", "--db", sqlite_db)[0] == 0
    assert city.rows(sqlite_db, "SELECT count(*), max(id) FROM case_record") == [(1, 1)]  # matched by source + external_id


@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"", "empty"),
    (b"   \r\n", "empty"),
    ("code,name\n330681,诸".encode()[:-1], "truncated"),
    (b"foo,bar\n1,2\n", "matches no contract table"),
    (b'code,name,level,parent_code\n"330681000000,x', "unclosed quote"),
    (b"code,name,level,parent_code,kind,colour\n1,2,3,4,5,6\n", "colour"),
])
def test_bad_files_get_one_clear_line(sqlite_db, tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    rc, _, err = city.run(capsys, "csv", str(path), "--db", sqlite_db)
    assert rc == 2
    assert message in err and err.count("\n") == 1
    assert not Path(sqlite_db.removeprefix("sqlite:///")).exists()


def test_wrong_encoding_given(sqlite_db, tmp_path, capsys):
    path = city.write_csv(tmp_path / "u.csv", ["区划代码", "名称", "层级", "上级代码"], city.UNITS, encoding="gb18030")
    rc, _, err = city.run(capsys, "csv", str(path), "--encoding", "utf-8", "--db", sqlite_db)
    assert rc == 2 and "not valid utf-8" in err


def test_killed_mid_import_leaves_the_database_unchanged(sqlite_db, tmp_path, capsys):
    city.load_city(capsys, sqlite_db, tmp_path)
    before = city.snapshot(sqlite_db)
    big = tmp_path / "population.csv"
    start = date(1900, 1, 1)
    with big.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["grid_code", "as_of", "registered", "floating", "households", "elderly_60p", "elderly_alone"])
        for day in range(6_000):
            for g in city.GRIDS:
                w.writerow([g[0], (start + timedelta(days=day)).isoformat(), 100, 10, 40, 20, 3])
    code = "import sys; from cockpit.tools.importers.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, "import", "csv", str(big), "--db", sqlite_db,
                             "--geo-dir", city.NO_GEO],
                            cwd=PROJECT, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:
            if "not committed yet" in line:  # the first batch is in the open transaction
                proc.send_signal(signal.SIGKILL)
                break
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.1)
    assert city.snapshot(sqlite_db) == before  # SQLite rolled the journal back on open
    assert city.rows(sqlite_db, "PRAGMA integrity_check") == [("ok",)]
    assert city.rows(sqlite_db, "SELECT count(*) FROM population_stat") == [(0,)]


def test_python_m_cockpit_import(sqlite_db, tmp_path):
    """The real entry point (cockpit/tools/cli.py registers `import` through importers.cli.add_parser)."""
    files = city.write_city(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    done = subprocess.run([sys.executable, "-m", "cockpit", "import", "csv", str(files["units"]), "--db", sqlite_db,
                           "--geo-dir", str(tmp_path / "geo")], cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "admin_unit: 4 new" in done.stdout


BAD_CELLS = st.sampled_from([
    ("网格编码", "33068100100100"), ("社区代码", "330681009999"), ("城乡类型", "town"), ("星级", "6"),
    ("经度", "east"), ("网格名称", ""), ("纬度", "999"),
])


@pytest.fixture(scope="module")
def city_file(tmp_path_factory) -> Path:
    """The tiny city in an SQLite file, loaded once; tests copy it."""
    folder = tmp_path_factory.mktemp("city")
    files = city.write_city(folder)
    url = f"sqlite:///{folder / 'city.sqlite'}"
    geo = ("--geo-dir", city.NO_GEO)
    assert city.main(["import", "csv", str(files["units"]), "--db", url, *geo]) == 0
    assert city.main(["import", "csv", str(files["grids"]), "--table", "grid", "--db", url, *geo]) == 0
    return folder / "city.sqlite"


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(good=st.integers(1, 30), bad=st.one_of(st.none(), st.tuples(st.integers(0, 29), BAD_CELLS)))
def test_property_all_or_nothing(city_file, tmp_path, capsys, good, bad):
    """Any file with a bad row writes nothing; the same file without it writes every row (and re-imports as no change)."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    shutil.copy(city_file, folder / "city.sqlite")
    url = f"sqlite:///{folder / 'city.sqlite'}"
    header = ["网格编码", "社区代码", "网格名称", "城乡类型", "星级", "经度", "纬度"]
    rows = [[f"330681001001{100 + i:03d}", "330681001001", f"网格{i}", "urban", "3", "120.2", "29.7"] for i in range(good)]
    if bad is not None:
        at, (column, value) = bad
        rows[min(at, good - 1)][header.index(column)] = value
    path = city.write_csv(folder / "g.csv", header, [tuple(r) for r in rows])
    before = city.snapshot(url)
    geo = str(folder / "geo")
    rc, out, err = city.run(capsys, "csv", str(path), "--db", url, "--geo-dir", geo)
    if bad is None:
        assert rc == 0, err
        assert f"grid: {good} new" in out
        again = city.run(capsys, "csv", str(path), "--db", url, "--geo-dir", geo)[1]
        assert again.startswith(f"grid: 0 new, 0 updated, {good}")
    else:
        assert rc == 1 and "nothing was written" in err
        assert city.snapshot(url) == before


HOSTILE_DESCRIPTIONS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(1)",
                        "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "\u202e反向文字", "＝全角"]


def test_formula_and_markup_text_is_stored_as_the_source_has_it(sqlite_db, tmp_path, capsys):
    """The importer never rewrites what the public typed: neutralising is the exports' business, not the store's."""
    city.load_city(capsys, sqlite_db, tmp_path)
    cats = city.write_csv(tmp_path / "cats.csv", ["分类代码", "分类名称", "英文名称", "类型", "立案时限", "派遣时限", "处置时限"],
                          [("C01", "市容环境", "City appearance", "event", "6", "15", "72")])
    assert city.run(capsys, "csv", str(cats), "--db", sqlite_db)[0] == 0
    header = ["external_id", "source", "category_code", "grid_code", "status", "received_at", "due_at", "description"]
    cases = city.write_csv(tmp_path / "cases.csv", header, [
        (f"H{i}", "hotline", "C01", "330681001001001", "received", "2026-05-01 08:00", "2026-05-04 08:00", text)
        for i, text in enumerate(HOSTILE_DESCRIPTIONS)])
    rc, _, err = city.run(capsys, "csv", str(cases), "--table", "case_record", "--db", sqlite_db)
    assert rc == 0, err
    stored = dict(city.rows(sqlite_db, "SELECT external_id, description FROM case_record"))
    assert stored == {f"H{i}": text for i, text in enumerate(HOSTILE_DESCRIPTIONS)}
