"""`python -m cockpit bench`'s setup: which database and boundaries to measure, building a preset, preflight."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cockpit.core.errors import first_line, safe_url
from cockpit.core.settings import PROJECT_DIR, load_settings, sqlite_url
from cockpit.store.engine import DatabaseError
from cockpit.tools.bench.pages_report import sample_codes

BENCH_DIR = PROJECT_DIR / "bench-output"
DEFAULT_PRESET = "jiaxing"
TIERS = ("city", "district", "street", "community", "grid")


class BenchError(Exception):
    """Bad input (unknown preset, unreachable database, mismatched boundaries): one line for the user."""



# ---------------------------------------------------------------- setup: which database

@dataclass(frozen=True)
class Source:
    db_url: str
    geo_dir: Path
    preset: str | None = None  # set when the database is a bench build of this preset
    build: bool = False  # the preset database or its boundaries are missing


def bench_paths(preset: str, folder: Path = BENCH_DIR) -> tuple[Path, Path]:
    return folder / f"{preset}.sqlite", folder / f"{preset}-geo"


def resolve_source(db: str | None, geo_dir: str | None, preset: str | None, folder: Path = BENCH_DIR,
                   env: dict[str, str] | None = None) -> Source:
    """--db, else --preset's bench database, else COCKPIT_DB_URL (or secrets), else the jiaxing bench database."""
    from cockpit.tools.demo.presets import PRESETS

    settings = load_settings(env)
    if db:
        return Source(db, Path(geo_dir) if geo_dir else settings.geo_dir)
    if not preset and not settings.db_is_default:
        return Source(settings.db_url, Path(geo_dir) if geo_dir else settings.geo_dir)
    preset = preset or DEFAULT_PRESET
    if preset not in PRESETS:
        raise BenchError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
    path, default_geo = bench_paths(preset, folder)
    gdir = Path(geo_dir) if geo_dir else default_geo
    return Source(sqlite_url(path), gdir, preset, build=not path.exists() or not (gdir / "units.geojson").exists())


def build_preset(src: Source, say: Callable[[str], None]) -> None:
    from cockpit.tools.demo.build import run_demo

    say(f"building the {src.preset!r} bench database {src.db_url} and boundaries {src.geo_dir} "
        "(takes minutes; done once)")
    last = [-1]

    def progress(message: str, fraction: float) -> None:
        step = int(fraction * 10)
        if step != last[0]:
            last[0] = step
            say(f"  {fraction:4.0%} {message}")

    counts = run_demo(src.preset or DEFAULT_PRESET, 1, src.db_url, src.geo_dir, replace=True, progress=progress)
    say(f"  built: {sum(counts.values()):,} rows")


@dataclass
class City:
    """What the bench needs to know about the database before it measures anything."""

    url: str
    geo_dir: Path
    tree: object  # cockpit.domain.hierarchy.Tree
    grid_codes: list[str]
    data_end: datetime | None
    engine: str
    meta: dict[str, str]  # the database's meta table (preset, seed, whether rollups are built, ...)

    @property
    def levels(self) -> dict[str, int]:
        counts = self.tree.units["level"].value_counts().to_dict()  # type: ignore[attr-defined]
        out = {lvl: int(counts[lvl]) for lvl in TIERS if lvl in counts}
        if self.grid_codes:
            out["grid"] = len(self.grid_codes)
        return out



def open_city(url: str, geo_dir: Path) -> City:
    """Read the unit tree and grid codes; BenchError when the database or the boundaries are unusable."""
    from sqlalchemy.engine import make_url

    from cockpit import queries
    from cockpit.domain import hierarchy
    from cockpit.store import boundaries
    from cockpit.store.engine import STORE_ERRORS, make_engine

    shown = safe_url(url)
    try:
        engine = make_engine(url)
    except DatabaseError as exc:
        raise BenchError(str(exc)) from exc
    except ImportError as exc:
        raise BenchError(f"no driver for {shown}: {first_line(exc)}") from exc
    try:
        units = queries.fetch_units(engine)
        grid_codes = queries.fetch_grid_codes(engine)
        data_end = queries.fetch_data_end(engine)
        meta = queries.fetch_meta(engine)
    except STORE_ERRORS as exc:
        raise BenchError(f"cannot read the cockpit tables at {shown}: {first_line(exc)}") from exc
    finally:
        engine.dispose()
    if units.empty or units["parent_code"].isna().sum() == 0:
        raise BenchError(f"no administrative units (or no root unit) in {shown}")
    tree = hierarchy.Tree.from_frame(units)
    path = boundaries.units_path(geo_dir)
    if not path.is_file():
        raise BenchError(f"no boundaries at {path}; pass --geo-dir (the folder `python -m cockpit demo` wrote)")
    try:
        features = boundaries.read_features(path)
    except boundaries.BoundaryError as exc:
        raise BenchError(f"unreadable boundaries: {first_line(exc)}") from exc
    if tree.root.code not in features:
        raise BenchError(f"the boundaries in {geo_dir} are not for this database (no feature for its root "
                         f"{tree.root.code}); pass the matching --geo-dir")
    missing = set(units["code"]) - set(features)
    extra = set(features) - set(units["code"])
    if missing or extra:
        raise BenchError(f"the boundaries in {geo_dir} do not match this database ({len(missing)} of its units "
                         f"without a boundary, {len(extra)} boundaries of other units); pass the matching --geo-dir")
    u = make_url(url)
    return City(url, geo_dir, tree, grid_codes, data_end, f"{u.get_backend_name()}+{u.get_driver_name()}", meta)


def plan_views(city: City, n: int) -> list[tuple[str, str]]:
    """(tier, unit code) for every overview view to measure: the root, then `n` units of each lower tier."""
    units = city.tree.units  # type: ignore[attr-defined]
    views = [("city", city.tree.root.code)]  # type: ignore[attr-defined]
    for tier in TIERS[1:]:
        codes = city.grid_codes if tier == "grid" else list(units.loc[units["level"] == tier, "code"])
        views += [(tier, code) for code in sample_codes(codes, n)]
    return views

