"""`python -m cockpit demo`: build a demo city's database and boundaries."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from cockpit.domain.geometry import round_coords
from cockpit.store.engine import make_engine
from cockpit.store.loader import LoadError, Progress, preflight, write_database
from cockpit.store.rollup.refresh import refresh_rollups
from cockpit.tools.demo.facts.alerts import build_alerts
from cockpit.tools.demo.facts.cases import build_cases
from cockpit.tools.demo.facts.draws import period_start
from cockpit.tools.demo.facts.participation import build_participation
from cockpit.tools.demo.presets import DEFAULT_END, PRESETS
from cockpit.tools.demo.units import DemoUnits, build_population, build_units

TABLE_LABELS = {
    "meta": "数据说明", "admin_unit": "行政区划", "grid": "网格", "population_stat": "人口", "case_category": "事件分类",
    "case_record": "事件", "case_event": "事件流转", "device": "感知设备", "alert": "预警", "venue": "服务阵地",
    "activity": "活动", "vote": "议事投票", "points_ledger": "积分流水",
}
GEOMETRY_NOTE = "街道、社区、网格边界为演示用合成几何 / street, community and grid boundaries are synthetic demo geometry"


def check_geo_dir_writable(geo_dir: Path) -> None:
    """Fail before the slow work if the boundaries cannot be written."""
    try:
        geo_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=geo_dir):
            pass
    except OSError as exc:
        raise LoadError(f"边界目录不可写 / geo directory cannot be written: {geo_dir} ({exc.strerror})") from exc


def build_frames(preset_name: str, seed: int, end: datetime = DEFAULT_END, progress: Progress | None = None) -> tuple[dict[str, pd.DataFrame], DemoUnits]:
    """Every contract table of the demo city, as DataFrames, plus its geometry."""
    if preset_name not in PRESETS:
        raise LoadError(f"未知预设 / unknown preset {preset_name!r}; choose one of: {', '.join(PRESETS)}")
    preset = PRESETS[preset_name]
    say = progress or (lambda _msg, _frac: None)
    start = period_start(end, preset.days)
    say("生成区划与边界 / boundaries", 0.0)
    units = build_units(preset, seed)
    say("生成人口 / population", 0.2)
    population = build_population(units, preset, seed, end)
    say("生成预警 / alerts", 0.3)
    devices, alerts = build_alerts(units, preset, seed, start, end)
    say("生成事件 / cases", 0.45)
    categories, cases, events = build_cases(units, preset, seed, start, end, alerts)
    say("生成积分 / participation", 0.7)
    venues, activities, votes, ledger = build_participation(units, preset, seed, start, end)
    city = units.units.iloc[0]
    meta = pd.DataFrame(
        [
            ("label", "demo"),
            ("label_text", "演示数据（合成，非真实业务数据）/ demo data (synthetic)"),
            ("preset", preset_name),
            ("seed", str(seed)),
            ("root_code", preset.root_code),
            ("city_name", str(city["name"])),
            ("period_start", start.isoformat(sep=" ")),
            ("as_of", end.isoformat(sep=" ")),
            ("geometry_note", GEOMETRY_NOTE),
            ("generator", "python -m cockpit demo"),
        ],
        columns=["key", "value"],
    )
    frames = {
        "meta": meta,
        "admin_unit": units.units,
        "grid": units.grids.drop(columns=["population"]),
        "population_stat": population,
        "case_category": categories,
        "case_record": cases,
        "case_event": events,
        "device": devices,
        "alert": alerts,
        "venue": venues,
        "activity": activities,
        "vote": votes,
        "points_ledger": ledger,
    }
    return frames, units


class Feature(TypedDict):
    """A GeoJSON Feature as geo/README.md lays it out: the unit's code, name, level and parent."""

    type: str
    properties: dict[str, str | None]
    geometry: dict[str, Any]  # GeoJSON geometry, as shapely's mapping() gives it


def feature(code: str, name: str, level: str, parent: str | None, geom: BaseGeometry) -> Feature:
    return {
        "type": "Feature",
        # The city's parent is missing, which pandas hands over as NaN; JSON needs null.
        "properties": {"code": code, "name": name, "level": level, "parent_code": None if pd.isna(parent) else parent},
        "geometry": mapping(round_coords(geom, 6)),
    }


def _dump(path: Path, features: list[Feature]) -> None:
    doc = {"type": "FeatureCollection", "note": GEOMETRY_NOTE, "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False), encoding="utf-8")


def write_geo(units: DemoUnits, geo_dir: Path) -> None:
    """units.geojson + grids/<community>.geojson, swapped into place whole."""
    geo_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".geo-", dir=geo_dir.parent))
    try:
        u = units.units
        _dump(tmp / "units.geojson", [feature(r.code, r.name, r.level, r.parent_code, units.geometry[r.code]) for r in u.itertuples()])
        (tmp / "grids").mkdir()
        for community, g in units.grids.groupby("community_code"):
            feats = [feature(r.code, r.name, "grid", community, units.geometry[r.code]) for r in g.itertuples()]
            _dump(tmp / "grids" / f"{community}.geojson", feats)
        for keep in geo_dir.glob("README*"):
            shutil.copy2(keep, tmp / keep.name)
        old = geo_dir.with_name(f".{geo_dir.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if geo_dir.exists():
            geo_dir.rename(old)
        tmp.rename(geo_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_demo(preset_name: str, seed: int, db_url: str, geo_dir: Path, replace: bool = False,
             end: datetime = DEFAULT_END, progress: Progress | None = None) -> dict[str, int]:
    """Build and write the demo city; returns row counts per table."""
    check_geo_dir_writable(geo_dir)
    preflight(db_url, replace)  # an unreachable server or a missing --replace shows now, not after the build
    frames, units = build_frames(preset_name, seed, end, progress)
    say = progress or (lambda _msg, _frac: None)

    def write_progress(msg: str, frac: float) -> None:
        table = msg.removeprefix("写入 ")
        say(f"写入{TABLE_LABELS[table]} / writing {table}" if table in TABLE_LABELS else msg, 0.75 + 0.2 * frac)

    write_database(db_url, frames, replace=replace, progress=write_progress)
    say("预计算汇总 / rollups", 0.93)
    engine = make_engine(db_url, read_only=False)
    try:
        rolled = refresh_rollups(engine)
    finally:
        engine.dispose()
    say("写入边界 / boundaries", 0.97)
    write_geo(units, geo_dir)
    say("完成 / done", 1.0)
    counts = {name: len(f) for name, f in frames.items()}
    counts["meta"] += 1  # the rollup's freshness marker, rollup_through
    return counts | rolled
