"""`python -m cockpit` as an operator meets it: clear one-line errors, no tracebacks,
and never a half-written database."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cockpit.core.settings import sqlite_url
from cockpit.store.loader import LoadError, write_database
from cockpit.tools import cli
from cockpit.tools.demo.build import build_frames
from cockpit.tools.demo.presets import PRESETS
from tests.conftest import without_cockpit_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the CLI the way CI and an operator do: a fresh process, no stdin, no COCKPIT_* settings leaking in."""
    clean = without_cockpit_settings()
    clean.update(env or {})
    return subprocess.run([sys.executable, "-m", "cockpit", *args], cwd=PROJECT_DIR, env=clean, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def error_lines(stderr: str) -> list[str]:
    """The message lines of stderr, without the progress bar's carriage-return redraws."""
    lines = [line.split("\r")[-1].strip() for line in stderr.splitlines()]
    return [line for line in lines if line and "|" not in line]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


# -- demo: errors a person can act on --------------------------------------------------------

def test_unknown_preset_is_one_clear_line(tmp_path):
    db = tmp_path / "city.sqlite"
    proc = run_cli("demo", "--preset", "nope", "--db", sqlite_url(db), "--geo-dir", str(tmp_path / "geo"))
    assert proc.returncode == 2
    assert_no_traceback(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "'nope'" in lines[0]
    assert all(name in lines[0] for name in PRESETS), lines[0]
    assert not db.exists() and not (tmp_path / "geo").exists()


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://u:s3cret@127.0.0.1:1/x",
    "mysql+pymysql://u:s3cret@127.0.0.1:1/x",
], ids=["postgresql", "mysql"])
def test_unreachable_server_says_cannot_connect(tmp_path, url):
    geo = tmp_path / "geo"
    proc = run_cli("demo", "--preset", "small", "--db", url, "--geo-dir", str(geo))
    assert proc.returncode != 0
    assert_no_traceback(proc)
    message = error_lines(proc.stderr)[-1]
    assert message.startswith("error:") and "cannot connect" in message and "127.0.0.1:1" in message, proc.stderr
    assert "refused" in message, "the driver's reason is missing"
    assert "s3cret" not in proc.stderr + proc.stdout, "password echoed"
    assert "生成事件" not in proc.stderr, "the city was generated before the database was tried"
    assert not (geo / "units.geojson").exists(), "boundaries written for a database that was not"


def test_unwritable_geo_dir_fails_before_any_database_is_written(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    db_dir = tmp_path / "db"
    db = db_dir / "city.sqlite"
    proc = run_cli("demo", "--preset", "small", "--db", sqlite_url(db), "--geo-dir", str(blocker / "geo"))
    assert proc.returncode == 2
    assert_no_traceback(proc)
    message = error_lines(proc.stderr)[-1]
    assert "geo directory cannot be written" in message and str(blocker / "geo") in message, proc.stderr
    assert not db.exists()
    assert not db_dir.exists() or not list(db_dir.iterdir()), "files left beside the database"


def test_unwritable_database_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    geo = tmp_path / "geo"
    proc = run_cli("demo", "--preset", "small", "--db", sqlite_url(blocker / "city.sqlite"), "--geo-dir", str(geo))
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "cannot create database folder" in error_lines(proc.stderr)[-1], proc.stderr
    assert not (geo / "units.geojson").exists()


def test_demo_writes_where_the_settings_say(tmp_path):
    db, geo = tmp_path / "env.sqlite", tmp_path / "env-geo"
    proc = run_cli("demo", "--preset", "small", "--seed", "3",
                   env={"COCKPIT_DB_URL": sqlite_url(db), "COCKPIT_GEO_DIR": str(geo)})
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    assert "demo 'small' (seed 3)" in proc.stdout and "case_record" in proc.stdout
    assert db.is_file() and (geo / "units.geojson").is_file() and list((geo / "grids").glob("*.geojson"))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "temporary files left behind"


def test_demo_progress_in_a_pipe_is_one_plain_line_per_step(tmp_path):
    """stderr is a pipe here, as in CI or cron (#28): no tqdm redraws, one line per step, in order."""
    proc = run_cli("demo", "--preset", "small", "--db", sqlite_url(tmp_path / "p.sqlite"), "--geo-dir", str(tmp_path / "g"))
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "\x1b" not in proc.stderr, proc.stderr[:500]
    lines = proc.stderr.splitlines()
    assert len(lines) == len(set(lines)) >= 10, proc.stderr  # one line per step, not per redraw
    assert lines[0].startswith("[  0%]") and lines[-1].startswith("[100%]") and "done" in lines[-1], proc.stderr
    assert any("writing case_record" in line for line in lines), proc.stderr


# -- all or nothing --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return build_frames("small", 1)[0]


def _broken(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The frames with a duplicate primary key in the last table loaded, so most rows are in before it fails."""
    bad = dict(frames)
    ledger = frames["points_ledger"]
    bad["points_ledger"] = pd.concat([ledger, ledger.iloc[[0]]], ignore_index=True)
    return bad


def test_failed_load_leaves_no_database(tmp_path, frames):
    target = tmp_path / "city.sqlite"
    with pytest.raises(LoadError, match="left unchanged"):
        write_database(sqlite_url(target), _broken(frames))
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [], "temporary file left behind"


def test_failed_load_keeps_the_previous_database(tmp_path, frames, small_demo):
    target = tmp_path / "city.sqlite"
    shutil.copy2(small_demo.db_path, target)
    before = sha256(target)
    with pytest.raises(LoadError):
        write_database(sqlite_url(target), _broken(frames))
    assert sha256(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["city.sqlite"]


def test_the_same_frames_load_fine(tmp_path, frames):
    """The control for the two tests above: only the duplicate row makes them fail."""
    target = tmp_path / "city.sqlite"
    write_database(sqlite_url(target), frames)
    assert target.is_file() and [p.name for p in tmp_path.iterdir()] == ["city.sqlite"]


@pytest.mark.usefixtures("clean_env")  # cli.main runs in this process: no COCKPIT_* setting of the shell
def test_interrupted_demo_writes_nothing(tmp_path, capsys, small_demo, ctrl_c_during_load):
    target = tmp_path / "city.sqlite"
    shutil.copy2(small_demo.db_path, target)
    before = sha256(target)
    geo = tmp_path / "geo"
    ctrl_c_during_load("case_event")
    code = cli.main(["demo", "--preset", "small", "--db", sqlite_url(target), "--geo-dir", str(geo)])
    assert code == 130
    assert "interrupted; nothing was written" in capsys.readouterr().err
    assert sha256(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city.sqlite", "geo"]
    assert not (geo / "units.geojson").exists()


# -- check -----------------------------------------------------------------------------------
# `check` lives in cockpit.tools.check (database.py, geo.py, rules.py); the CLI runs it in a child
# process here, so a module that moved or broke fails these tests instead of skipping them.

def test_check_passes_on_the_small_demo(small_demo):
    proc = run_cli("check", "--db", small_demo.db_url, "--geo-dir", str(small_demo.geo_dir))
    assert_no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No problems found" in proc.stdout, proc.stdout  # check ran (exit 0 alone is also argparse's --help)


def test_check_finds_a_problem_in_a_broken_copy(tmp_path, small_demo):
    """The control for the test above: exit 0 is earned, a broken row gives exit 1 and says where."""
    broken = tmp_path / "city.sqlite"
    shutil.copy2(small_demo.db_path, broken)
    with sqlite3.connect(broken) as conn:
        (alert_id,) = conn.execute("SELECT min(id) FROM alert").fetchone()
        conn.execute("UPDATE alert SET severity = 7 WHERE id = ?", (alert_id,))
    conn.close()
    proc = run_cli("check", "--db", sqlite_url(broken))
    assert_no_traceback(proc)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "severity" in proc.stdout and f"id={alert_id}" in proc.stdout, proc.stdout


def test_check_on_a_missing_database_is_a_clear_error(tmp_path):
    missing = tmp_path / "nowhere.sqlite"
    proc = run_cli("check", "--db", sqlite_url(missing))
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert str(missing) in proc.stderr + proc.stdout
    assert not missing.exists(), "check created the database it was asked to read"


def test_demo_refuses_to_overwrite_a_non_demo_sqlite_file(tmp_path):
    target = tmp_path / "city.sqlite"
    con = sqlite3.connect(target)
    con.execute("CREATE TABLE precious (x INTEGER)")
    con.execute("INSERT INTO precious VALUES (42)")
    con.commit()
    con.close()
    before = target.read_bytes()
    proc = run_cli("demo", "--preset", "small", "--db", sqlite_url(target), "--geo-dir", str(tmp_path / "geo"))
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "--replace" in proc.stderr
    assert target.read_bytes() == before
    assert not (tmp_path / "geo" / "units.geojson").exists()
