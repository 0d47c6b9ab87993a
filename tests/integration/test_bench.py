"""`python -m cockpit bench`: the pure helpers, one short in-process run on the small city, and the CLI's exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cockpit.tools.bench import pages as bench
from cockpit.tools.bench.pages_report import (
    TARGETS,
    Target,
    evaluate_targets,
    format_report,
    format_table,
    median,
    percentile,
    sample_codes,
)
from cockpit.tools.bench.pages_setup import BenchError, open_city, resolve_source

ROOT = Path(__file__).resolve().parents[2]
ONE_MB = 1024 * 1024


# ---------------------------------------------------------------- pure helpers

def test_percentile_on_known_inputs():
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0) == 1.0 and percentile(values, 100) == 10.0
    assert percentile(values, 50) == pytest.approx(5.5)
    assert percentile(values, 95) == pytest.approx(9.55)
    assert percentile([7.0, 1.0, 3.0], 50) == 3.0  # unsorted input
    assert percentile([4.2], 95) == 4.2
    assert median([10.0, 30.0, 20.0, 40.0]) == pytest.approx(25.0)
    rng = np.random.default_rng(4)
    sample = list(rng.exponential(100, size=37))
    for q in (5, 50, 90, 95, 99):
        assert percentile(sample, q) == pytest.approx(float(np.percentile(sample, q)))
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_sample_codes_first_middle_last():
    codes = [f"{i:03d}" for i in range(9, 0, -1)]
    assert sample_codes(codes, 3) == ["001", "005", "009"]
    assert sample_codes(codes, 1) == ["001"]
    assert sample_codes(["b", "a"], 3) == ["a", "b"]  # fewer units than asked: each once
    assert sample_codes([], 3) == [] and sample_codes(codes, 0) == []


def _run(page="overview", tier="street", unit="1", **values):
    base = {"page": page, "tier": tier, "unit": unit, "cold_ms": 100.0, "warm_median_ms": 40.0, "warm_p95_ms": 50.0,
            "floor_ms": 20.0, "ratio_warm_to_floor": 2.0, "map_bytes": 1000, "errors": []}
    return base | values


def test_targets_pass_fail_and_missing():
    runs = [_run(unit="a"), _run(unit="b", warm_p95_ms=151.0, map_bytes=ONE_MB, errors=["boom"]),
            _run(page="about", tier="-", unit="-", map_bytes=None, ratio_warm_to_floor=9.0)]
    verdicts = {v["key"]: v for v in evaluate_targets(runs, peak_mb=900.0)}
    assert set(verdicts) == {t.key for t in TARGETS}
    assert not verdicts["warm_p95"]["pass"] and verdicts["warm_p95"]["failing"] == ["overview street b"]
    assert verdicts["warm_p95"]["worst"] == 151.0 and verdicts["warm_p95"]["worst_at"] == "overview street b"
    assert not verdicts["map_bytes"]["pass"] and verdicts["map_bytes"]["measured"] == 2  # the about page has no map
    assert verdicts["cold"]["pass"] and verdicts["peak_memory"]["pass"]
    assert verdicts["warm_vs_floor"]["pass"]  # the about page's ratio is not held to the SQL floor
    assert not verdicts["errors"]["pass"] and verdicts["errors"]["worst"] == 1
    assert not evaluate_targets(runs, peak_mb=2000.0)[3]["pass"]
    missing = evaluate_targets([_run(cold_ms=None)], 1.0, [Target("cold", "cold", 1500.0, "ms", "cold_ms")])[0]
    assert not missing["pass"] and missing["missing"] == ["overview street 1"]
    at_limit = Target("r", "ratio", 3.0, "x", "ratio_warm_to_floor", strict=False)
    assert evaluate_targets([_run(ratio_warm_to_floor=3.0)], 1.0, [at_limit])[0]["pass"]


def test_table_lists_every_view_and_flags_errors():
    text = format_table([_run(unit="330681001000"), _run(page="about", tier="-", unit="-", map_bytes=None,
                                                                errors=["exception: boom"])])
    lines = text.splitlines()
    assert lines[0].split()[:5] == ["page", "period", "tier", "unit", "cold"] and "warm/floor" in lines[0]
    assert "330681001000" in lines[2] and "2.00" in lines[2] and "1.0" in lines[2]  # ratio, map KB
    assert lines[3].startswith("about") and lines[3].rstrip().endswith("1")
    assert lines[-1] == "  ! about: exception: boom"


def test_source_resolution(tmp_path):
    env = {"COCKPIT_DB_URL": "sqlite:////x/env.sqlite", "COCKPIT_GEO_DIR": "/x/env-geo"}
    assert resolve_source("sqlite:////x/a.sqlite", None, "small", tmp_path, env).db_url == "sqlite:////x/a.sqlite"
    from_env = resolve_source(None, None, None, tmp_path, env)
    assert from_env.db_url == env["COCKPIT_DB_URL"] and from_env.geo_dir == Path("/x/env-geo") and not from_env.build
    preset = resolve_source(None, None, "small", tmp_path, env)  # an explicit preset beats the environment
    assert preset.db_url.endswith(str(tmp_path / "small.sqlite")) and preset.geo_dir == tmp_path / "small-geo"
    assert preset.build and preset.preset == "small"
    default = resolve_source(None, None, None, tmp_path, {})
    assert default.preset == "jiaxing" and default.geo_dir == tmp_path / "jiaxing-geo"
    with pytest.raises(BenchError, match="unknown preset"):
        resolve_source(None, None, "atlantis", tmp_path, {})


def test_open_city_refuses_boundaries_of_another_city(small_demo, tmp_path):
    with pytest.raises(BenchError, match="no boundaries"):
        open_city(small_demo.db_url, tmp_path)
    (tmp_path / "units.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(BenchError, match="not for this database"):
        open_city(small_demo.db_url, tmp_path)


# ---------------------------------------------------------------- one in-process run on the small city

@pytest.fixture(scope="module")
def report(small_demo) -> dict:
    saved = {k: os.environ.get(k) for k in ("COCKPIT_DB_URL", "COCKPIT_GEO_DIR")}
    city = open_city(small_demo.db_url, small_demo.geo_dir)
    out = bench.run_bench(city, repeat=2, units=2, floor_runs=1, cold_runs=2)
    assert {k: os.environ.get(k) for k in saved} == saved  # the app's environment is put back
    return out


def test_every_tier_and_the_about_page_are_measured(report):
    overview = [r for r in report["runs"] if r["page"] == "overview" and ".." not in r["period"]]
    assert {r["tier"] for r in overview} == {"city", "street", "community", "grid"}  # the small city has no districts
    # and the overview on a custom 30-day range (#23), one unit per tier, ending a week before the data
    custom = [r for r in report["runs"] if ".." in r["period"]]
    assert [r["page"] for r in custom] == ["overview"] * 4 and {r["tier"] for r in custom} == {r["tier"] for r in overview}
    start, end = report["config"]["custom_range"]
    assert all(r["period"] == f"{start}..{end}" and r["cold_ms"] and not r["errors"] for r in custom), custom
    assert [r["tier"] for r in overview if r["tier"] == "city"] == ["city"]
    assert all(sum(r["tier"] == t for r in overview) == 2 for t in ("street", "community", "grid"))
    assert [r["page"] for r in report["runs"]].count("about") == 1
    # every page of the registry, the unit pages at every tier
    from cockpit.ui.pages import PAGES
    assert {r["page"] for r in report["runs"]} == {p.key for p in PAGES}
    for page in (p.key for p in PAGES if p.with_unit):
        assert {r["tier"] for r in report["runs"] if r["page"] == page} == {"city", "street", "community", "grid"}
    levels = report["dataset"]["levels"]
    assert list(levels) == ["city", "street", "community", "grid"] and levels["city"] == 1 and min(levels.values()) > 0
    assert report["dataset"]["meta"]["label"] == "demo"


def test_times_bytes_and_memory_are_measured(report):
    for run in report["runs"]:
        assert run["errors"] == [], run
        assert run["cold_ms"] > 0 and len(run["warm_ms"]) == 2 and all(ms > 0 for ms in run["warm_ms"])
        assert len(run["cold_runs_ms"]) == 2 and min(run["cold_runs_ms"]) <= run["cold_ms"] <= max(run["cold_runs_ms"])
        assert 0 < run["warm_median_ms"] <= run["warm_p95_ms"] <= max(run["warm_ms"])
        assert run["floor_ms"] > 0 and run["ratio_warm_to_floor"] == pytest.approx(run["warm_median_ms"] / run["floor_ms"])
        if run["page"] == "overview":
            assert 0 < run["map_bytes"] < ONE_MB and run["map_features"] >= 1
            # recorded from the page itself: the current, previous and year-ago windows (the small demo covers them)
            # (a custom range ends a week earlier: its year-ago window starts before the small demo's data)
            custom = ".." in run["period"]
            assert {"cached_units", "cached_data_end", "cached_window_values[1]", "cached_window_values[2]",
                    *([] if custom else ["cached_window_values[3]"]), "cached_child_metrics", "cached_points",
                    "cached_daily", "cached_tiers"} <= set(run["floor_steps_ms"])
            assert ("cached_grids" in run["floor_steps_ms"]) == (run["tier"] == "community")
            assert ("cached_grid" in run["floor_steps_ms"]) == (run["tier"] == "grid")
        elif run["page"] == "about":
            assert run["map_bytes"] is None and set(run["floor_steps_ms"]) == {"cached_meta"}
        else:  # a theme page: its own data calls, recorded from its run, after the frame's
            assert {"cached_units", "cached_data_end"} <= set(run["floor_steps_ms"]), run["page"]
            assert len(run["floor_steps_ms"]) > 3, (run["page"], run["floor_steps_ms"])
    assert 50 < report["peak_rss_mb"] < 4096 and report["machine"]["nproc"] >= 1
    assert report["machine"]["engine"] == "sqlite+pysqlite"


def test_report_is_json_with_targets_and_prints_as_a_table(report):
    doc = json.loads(json.dumps(report, ensure_ascii=False, default=str))
    assert all("ratio_warm_to_floor" in r for r in doc["runs"])
    assert [t["key"] for t in doc["targets"]] == [t.key for t in TARGETS]
    assert all(isinstance(t["pass"], bool) for t in doc["targets"]) and isinstance(doc["all_targets_pass"], bool)
    assert doc["started_at"] <= doc["finished_at"]
    text = format_report(report)
    assert "warm p95" in text and "peak memory" in text
    assert sum(line.strip().startswith(("PASS", "FAIL")) for line in text.splitlines()) == len(TARGETS)


# ---------------------------------------------------------------- the command

def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    return subprocess.run([sys.executable, "-m", "cockpit", "bench", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [
    ("--db", "sqlite:////nonexistent/folder/city.sqlite"),
    ("--db", "postgresql://bench:secret@127.0.0.1:1/cockpit"),
    ("--preset", "atlantis"),
])
def test_bad_input_exits_2_with_one_line(args):
    done = _cli(*args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "secret" not in lines[0]


def test_cli_json_on_the_small_city(small_demo):
    done = _cli("--db", small_demo.db_url, "--geo-dir", str(small_demo.geo_dir), "--repeat", "1", "--units", "1",
                "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    doc = json.loads(done.stdout)
    assert {r["tier"] for r in doc["runs"]} == {"city", "street", "community", "grid", "-"}
    assert all(r["ratio_warm_to_floor"] > 0 for r in doc["runs"])
    assert "targets:" in done.stderr and "Traceback" not in done.stderr
    assert "missing ScriptRunContext" not in done.stderr  # Streamlit's bare-mode warnings are kept quiet
