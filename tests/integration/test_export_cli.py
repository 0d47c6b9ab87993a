"""`python -m cockpit export`: its errors are one line and a non-zero exit; names, periods and languages as asked."""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cockpit.core.settings import sqlite_url
from cockpit.tools.cli import main
from tests.conftest import without_cockpit_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cockpit", "export", *args], cwd=PROJECT_DIR,
                          env=without_cockpit_settings(), capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("args", "reason"), [
    (["--unit", "999999999999", "--page", "cases", "--format", "csv"], "unknown unit '999999999999'"),
    (["--unit", "330681000000", "--page", "reports", "--format", "csv"], "unknown page 'reports'"),
    (["--unit", "330681000000", "--page", "cases", "--format", "pdf"], "unknown format 'pdf'"),
    (["--unit", "330681000000", "--page", "cases", "--format", "csv", "--period", "45"], "period must be one of"),
    (["--unit", "330681000000", "--page", "cases", "--format", "csv", "--end", "31/10/2026"], "--end must be a date"),
])
def test_a_wrong_argument_is_one_line_and_a_non_zero_exit(args, reason, small_demo, tmp_path):
    proc = run(*args, "--db", small_demo.db_url, "--geo-dir", str(small_demo.geo_dir), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_database_that_is_not_there_is_one_line(tmp_path):
    proc = run("--unit", "330681000000", "--page", "cases", "--format", "csv", "--db",
               sqlite_url(tmp_path / "missing.sqlite"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@pytest.fixture
def odd_city(small_demo, tmp_path) -> tuple[str, str]:
    """A copy of the small demo whose city and first street carry names no file system likes."""
    db = tmp_path / "odd.sqlite"
    shutil.copy2(small_demo.db_path, db)
    with sqlite3.connect(db) as con:
        city = con.execute("SELECT code FROM admin_unit WHERE parent_code IS NULL").fetchone()[0]
        street = con.execute("SELECT min(code) FROM admin_unit WHERE level = 'street'").fetchone()[0]
        con.execute("UPDATE admin_unit SET name = ? WHERE code = ?", ('诸暨/枫桥:镇*?"<>|', city))
        con.execute("UPDATE admin_unit SET name = ? WHERE code = ?", ("CON", street))
    con.close()
    return sqlite_url(db), city


def test_unusual_unit_names_give_safe_file_names(odd_city, small_demo, tmp_path, capsys):
    url, city = odd_city
    out = tmp_path / "out"
    assert main(["export", "--unit", city, "--page", "grids", "--format", "csv", "--db", url,
                 "--geo-dir", str(small_demo.geo_dir), "--out", str(out)]) == 0
    [path] = [Path(p) for p in capsys.readouterr().out.split()]
    assert path.parent == out and path.is_file()
    assert not set('/\\:*?"<>|') & set(path.name) and path.name.startswith("诸暨_枫桥_镇_")
    frame = pd.read_csv(path, encoding="utf-8-sig")
    assert len(frame) == 50  # bounded as the page's table is


def test_end_and_language_shape_the_period_and_the_words(small_demo, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["export", "--unit", "330681000000", "--page", "alerts", "--format", "xlsx", "--period", "7",
                 "--end", "2026-09-30", "--lang", "en", "--db", small_demo.db_url, "--geo-dir", str(small_demo.geo_dir),
                 "--out", str(out)]) == 0
    [path] = [Path(p) for p in capsys.readouterr().out.split()]
    assert path.name.endswith("_alerts_2026-09-24_2026-09-30_workbook.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    about = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True)}
    assert about["Period"].startswith("24 Sep 2026 to 30 Sep 2026") and about["Data"] == "Demo data"
    assert "Active" in wb.sheetnames and all(not any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in wb.sheetnames)


def test_a_grid_exports_its_own_page(small_demo, tmp_path, capsys):
    with sqlite3.connect(small_demo.db_path) as con:
        grid = con.execute("SELECT min(code) FROM grid").fetchone()[0]
    con.close()
    assert main(["export", "--unit", grid, "--page", "cases", "--format", "csv", "--db", small_demo.db_url,
                 "--geo-dir", str(small_demo.geo_dir), "--out", str(tmp_path)]) == 0
    names = [Path(p).name for p in capsys.readouterr().out.split()]
    assert names and not any(n.endswith("_ranking.csv") for n in names)  # a grid has no sub-units to rank
