"""`python -m cockpit bench`: how fast the app serves each page, against the bare SQL that answers it.

For a sample of units at every tier the overview page is run through Streamlit's
AppTest in this process — once cold (every ``st.cache_data`` / ``st.cache_resource``
cleared), then ``repeat`` times warm (caches kept, each run a fresh session opening
the same deep link) — and the about page once. Per view it records the cold time,
warm median and p95, the bytes of the map message, and the *floor*: the time of the
bare queries that answer the same view — the functions under the ``cockpit.ui.data``
wrappers, with the arguments the page itself passed them in a recorded run (see
:func:`measure_floor`). The process's peak
memory is read at the end. Results are checked against :data:`TARGETS`.

Layout: pure helpers first (percentiles, sampling, target evaluation, formatting),
then setup (which database, building a preset, preflight), then measurement.
Only the measurement part touches Streamlit.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.core.errors import first_line, safe_url
from cockpit.core.settings import PROJECT_DIR, load_settings, sqlite_url
from cockpit.store.engine import DatabaseError

if TYPE_CHECKING:  # imported where used: the bench's setup runs without Streamlit
    from streamlit.testing.v1 import AppTest

APP_PATH = PROJECT_DIR / "app.py"
BENCH_DIR = PROJECT_DIR / "bench-output"
DEFAULT_PRESET = "jiaxing"
DEFAULT_REPEAT = 10
DEFAULT_UNITS = 3
DEFAULT_COLD_RUNS = 3  # cold runs per view; the median is reported
FLOOR_RUNS = 3  # the floor is a median over this many runs (fewer when --repeat is smaller)
PERIOD_DAYS = 30
METRIC = "open_cases"
TIERS = ("city", "district", "street", "community", "grid")
RUN_TIMEOUT = 600.0  # seconds one AppTest run may take before it counts as failed
ONE_MB = 1024 * 1024
SETTINGS_PREFIX = "COCKPIT_"  # every app setting (cockpit.core.settings): none of the shell's may reach the runs


class BenchError(Exception):
    """Bad input (unknown preset, unreachable database, mismatched boundaries): one line for the user."""


# ---------------------------------------------------------------- targets

@dataclass(frozen=True)
class Target:
    key: str
    description: str
    limit: float
    unit: str
    field: str  # the run field it applies to; "" for a process-wide figure
    strict: bool = True  # value < limit (else value <= limit)
    pages: tuple[str, ...] = ()  # pages it applies to; () for every page
    optional: bool = False  # a run without the value (a page with no map) is not a miss

    def passes(self, value: float) -> bool:
        return value < self.limit if self.strict else value <= self.limit


# The targets for this 2-core machine, SQLite, `jiaxing` preset.
TARGETS: tuple[Target, ...] = (
    Target("warm_p95", "warm p95 per page", 150.0, "ms", "warm_p95_ms"),
    Target("cold", "cold run per page", 1000.0, "ms", "cold_ms"),
    Target("map_bytes", "every map message", float(ONE_MB), "bytes", "map_bytes", optional=True),
    Target("peak_memory", "peak memory of the process", 1536.0, "MB", ""),
    # Only where there is SQL to speak of: the about page reads two tiny tables, so its ratio is all page overhead.
    Target("warm_vs_floor", "warm median within 3x of the SQL floor", 3.0, "x", "ratio_warm_to_floor", strict=False,
           pages=("overview",)),
    Target("errors", "runs without errors", 0.0, "errors", "errors", strict=False),
)


# ---------------------------------------------------------------- pure helpers

def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ratio(num: float | None, den: float | None) -> float | None:
    return None if num is None or not den else num / den


def sample_codes(codes: Sequence[str], n: int) -> list[str]:
    """`n` codes spread evenly over the sorted codes: first, ..., middle, ..., last (deterministic)."""
    ordered = sorted(set(codes))
    if n <= 0 or not ordered:
        return []
    if n == 1 or len(ordered) == 1:
        return [ordered[0]]
    picks = [ordered[round(i * (len(ordered) - 1) / (n - 1))] for i in range(n)]
    return list(dict.fromkeys(picks))  # a tier with fewer units than n: each once


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _where(run: dict) -> str:
    return " ".join(str(run[k]) for k in ("page", "tier", "unit") if run.get(k) not in (None, "-"))


def evaluate_targets(runs: list[dict], peak_mb: float | None, targets: Sequence[Target] = TARGETS) -> list[dict]:
    """One verdict per target: the worst value, where it was measured, and every failing view."""
    out = []
    for tg in targets:
        measured: list[tuple[float | None, str]] = []
        if not tg.field:
            measured.append((peak_mb, "process"))
        else:
            for run in runs:
                if tg.pages and run.get("page") not in tg.pages:
                    continue
                value = run.get(tg.field)
                if value is None and tg.optional:
                    continue
                measured.append((float(len(value)) if isinstance(value, list) else value, _where(run)))
        missing = [where for value, where in measured if value is None]
        failing = [where for value, where in measured if value is not None and not tg.passes(value)]
        present = [(value, where) for value, where in measured if value is not None]
        worst = max(present, key=lambda vw: vw[0]) if present else (None, None)
        out.append({
            "key": tg.key, "description": tg.description, "limit": tg.limit, "unit": tg.unit,
            "comparison": "<" if tg.strict else "<=",
            "worst": worst[0], "worst_at": worst[1], "measured": len(present),
            "failing": failing, "missing": missing,
            "pass": bool(present) and not failing and not missing,
        })
    return out


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _fmt_limit(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "bytes":
        return f"{value / 1024:,.1f} KB"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "errors":
        return f"{value:.0f}"
    return f"{value:,.1f} {unit}"


TABLE_COLUMNS = (
    ("page", "page", "<"), ("tier", "tier", "<"), ("unit", "unit", "<"),
    ("cold ms", "cold_ms", ">"), ("warm p50", "warm_median_ms", ">"), ("warm p95", "warm_p95_ms", ">"),
    ("floor ms", "floor_ms", ">"), ("warm/floor", "ratio_warm_to_floor", ">"), ("map KB", "map_bytes", ">"),
    ("errors", "errors", ">"),
)


def format_table(runs: list[dict]) -> str:
    """A fixed-width table, one line per view; failed runs are flagged and their errors listed below."""
    rows = []
    for run in runs:
        cells = []
        for _, key, _ in TABLE_COLUMNS:
            value = run.get(key)
            if key == "map_bytes":
                cells.append(_fmt(value / 1024 if value is not None else None))
            elif key == "ratio_warm_to_floor":
                cells.append(_fmt(value, 2))
            elif key == "errors":
                cells.append(str(len(value)) if value else "")
            elif isinstance(value, float):
                cells.append(_fmt(value))
            else:
                cells.append("-" if value is None else str(value))
        rows.append(cells)
    header = [title for title, _, _ in TABLE_COLUMNS]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if align == "<" else c.rjust(w)
                         for c, w, (_, _, align) in zip(cells, widths, TABLE_COLUMNS)).rstrip()

    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
    for run in runs:
        for err in run.get("errors") or []:
            out.append(f"  ! {_where(run)}: {err}")
    return "\n".join(out)


def format_summary(verdicts: list[dict]) -> str:
    lines = []
    for v in verdicts:
        state = "PASS" if v["pass"] else "FAIL"
        worst = _fmt_limit(v["worst"], v["unit"])
        where = f" at {v['worst_at']}" if v["worst"] and v["worst_at"] not in (None, "process") else ""
        extra = ""
        if v["failing"]:
            extra += f"; {len(v['failing'])} of {v['measured']} over"
        if v["missing"]:
            extra += f"; {len(v['missing'])} not measured"
        lines.append(f"  {state}  {v['description']} {v['comparison']} {_fmt_limit(v['limit'], v['unit'])}: "
                     f"worst {worst}{where}{extra}")
    return "\n".join(lines)


def format_report(report: dict) -> str:
    m, c, d = report["machine"], report["config"], report["dataset"]
    head = (f"cockpit bench · {d['root_name']} {d['root_code']} ({d['levels_text']}) · {m['engine']} {c['db']}\n"
            f"period {c['period_days']} d · metric {c['metric']} · cold median of {c.get('cold_runs', 1)} · "
            f"{c['repeat']} warm runs · floor median of "
            f"{c['floor_runs']} · {c['units_per_tier']} units per tier · {m['nproc']} CPUs · load "
            f"{m['load_before']} -> {m['load_after']} · {report['started_at']}")
    foot = (f"peak memory {_fmt(report['peak_rss_mb'])} MB · AppTest harness overhead ~{_fmt(m['harness_ms'])} ms "
            f"per run (included in page times) · {report['duration_s']:.0f} s in all")
    return "\n".join([head, "", format_table(report["runs"]), "", foot, "targets:",
                      format_summary(report["targets"])])


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


# ---------------------------------------------------------------- the floor: the page's SQL, uncached

def measure_floor(calls: list[tuple[str, Callable, tuple]], runs: int) -> dict:
    """Median total time of the bare data calls a page made (recorded from the page itself), and per call.

    `calls` come from ``cockpit.ui.data.record_calls`` around a run of the page: the functions
    under its ``st.cache_data`` wrappers with the arguments the page gave them, so the floor is
    exactly what that page asks of the store — rollups when it used them — and never a copy of
    its steps. Geometry and chart images are file and CPU work, not SQL, and are not recorded.
    """
    steps: dict[tuple, tuple[str, Callable, tuple]] = {}
    for name, fn, args in calls:
        steps.setdefault((name, *map(repr, args)), (name, fn, args))
    if not steps:
        return {"floor_ms": None, "floor_runs_ms": [], "floor_steps_ms": {}, "error": "floor: the page made no data calls"}
    labels = _step_labels(list(steps.values()))
    totals: list[float] = []
    per_step: dict[str, list[float]] = {label: [] for label in labels}
    try:
        for _ in range(runs):
            total = 0.0
            for label, (_, fn, args) in zip(labels, steps.values()):
                t0 = time.perf_counter()
                fn(*args)
                ms = (time.perf_counter() - t0) * 1000
                per_step[label].append(ms)
                total += ms
            totals.append(total)
    except Exception as exc:  # noqa: BLE001 - a failing query is a finding to report, not a crash
        return {"floor_ms": None, "floor_runs_ms": totals, "floor_steps_ms": {},
                "error": f"floor {label}: {type(exc).__name__}: {first_line(exc)}"}
    return {"floor_ms": median(totals), "floor_runs_ms": totals,
            "floor_steps_ms": {label: median(v) for label, v in per_step.items()}, "error": None}


def _step_labels(steps: list[tuple[str, Callable, tuple]]) -> list[str]:
    """A name per step: the wrapper's name, numbered when the page called it more than once."""
    counts: dict[str, int] = {}
    for name, _, _ in steps:
        counts[name] = counts.get(name, 0) + 1
    seen: dict[str, int] = {}
    labels = []
    for name, _, _ in steps:
        seen[name] = seen.get(name, 0) + 1
        labels.append(f"{name}[{seen[name]}]" if counts[name] > 1 else name)
    return labels


# ---------------------------------------------------------------- the pages, through AppTest

@contextmanager
def app_env(url: str, geo_dir: Path) -> Iterator[None]:
    """Point the app at the bench database for the duration, with no other setting (so it builds no demo)."""
    saved = {k: v for k, v in os.environ.items() if k.startswith(SETTINGS_PREFIX)}
    for k in saved:
        del os.environ[k]
    os.environ["COCKPIT_DB_URL"] = url
    os.environ["COCKPIT_GEO_DIR"] = str(geo_dir)
    try:
        yield
    finally:
        for k in [k for k in os.environ if k.startswith(SETTINGS_PREFIX)]:
            del os.environ[k]
        os.environ.update(saved)


@contextmanager
def server_navigation() -> Iterator[None]:
    """Make AppTest rerun app.py like a server does (see tests/app/conftest.py, `_navigation_v2`).

    AppTest re-derives "pages directory mode" before every run because `pages/` exists, and in that mode
    a run for a page executes the page file alone, without app.py; a live server leaves that mode for good
    at the first st.navigation call. Patched for the duration only.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:  # noqa: ANN001 - PagesManager.__init__ takes what it takes
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        PagesManager.__init__ = original  # type: ignore[method-assign]


def quiet_streamlit() -> None:
    """Cache calls outside a script run (clearing, the floor) log a warning each; keep stderr readable."""
    import streamlit.config
    import streamlit.logger

    streamlit.config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("error")


def clear_caches() -> None:
    import streamlit as st

    from cockpit.ui import data

    data.clear_caches()
    st.cache_resource.clear()


class PageRunner:
    """Runs a page as a new session's first request, in this process (so clearing the caches reaches it)."""

    def __init__(self, app_path: Path = APP_PATH, timeout: float = RUN_TIMEOUT) -> None:
        self.app_path = app_path
        self.timeout = timeout
        self._components = None  # AppTest scans installed packages for components on every new instance;
        # a server does that once at start, so the scan is shared here and kept out of the timings.

    def _new(self, script: str | None = None) -> AppTest:
        from streamlit.testing.v1 import AppTest

        at = (AppTest.from_string(script, default_timeout=self.timeout) if script is not None
              else AppTest.from_file(str(self.app_path), default_timeout=self.timeout))
        if self._components is not None and hasattr(at, "_bidi_component_manager"):
            at._bidi_component_manager = self._components
        return at

    def _keep_components(self, at) -> None:  # noqa: ANN001
        if self._components is None:
            self._components = getattr(at, "_bidi_component_manager", None)

    def run(self, page: str, code: str | None) -> dict:
        """One timed run: {'ms', 'map_bytes', 'map_features', 'errors'}."""
        at = self._new()
        if code:
            at.query_params["unit"] = code
        at.query_params["period"] = str(PERIOD_DAYS)
        at.query_params["metric"] = METRIC
        spec = _page(page)
        if spec.path != _pages()[0].path:
            at.switch_page(spec.path)
        errors: list[str] = []
        t0 = time.perf_counter()
        try:
            at.run()
        except Exception as exc:  # noqa: BLE001 - a timeout or a harness failure is a result
            return {"ms": None, "map_bytes": None, "map_features": None,
                    "errors": [f"run failed: {type(exc).__name__}: {first_line(exc)}"]}
        ms = (time.perf_counter() - t0) * 1000
        self._keep_components(at)
        errors += [f"exception: {first_line(e.value)}" for e in at.exception]
        errors += [f"error: {first_line(e.value)}" for e in at.error]
        errors += [f"warning: {first_line(w.value)}" for w in at.warning]
        errors += [f"notice: {first_line(n)}" for n in _notices(at)]
        map_bytes = map_features = None
        if spec.with_unit:
            shown = at.query_params.get("unit")
            if code and shown != code:
                errors.append(f"showed unit {shown!r} instead of {code!r}")
        charts = at.get("deck_gl_json_chart")
        if charts:
            deck = charts[0].proto.json
            map_bytes = len(deck.encode("utf-8"))
            map_features = _feature_count(deck)
        elif page == "overview":
            errors.append("no map rendered")
        if not spec.with_unit and not at.header:
            errors.append(f"{page} page rendered no header")
        return {"ms": ms, "map_bytes": map_bytes, "map_features": map_features, "errors": errors}

    def harness_ms(self, runs: int = 5) -> float:
        """Median time of a one-line script through the same harness: the floor of any page time here."""
        times = []
        for _ in range(runs):
            at = self._new("import streamlit as st\nst.write('x')")
            t0 = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - t0) * 1000)
            self._keep_components(at)
        return median(times)


def _pages() -> tuple:
    from cockpit.ui.pages import PAGES

    return PAGES


def _page(key: str):
    for spec in _pages():
        if spec.key == key:
            return spec
    raise BenchError(f"unknown page {key!r}")


def _notices(at: AppTest) -> list[str]:
    """The text of the page frame's store notices: a page that shows one measured nothing real."""
    return [h.proto.body for h in at.get("html") if 'class="ck-notice"' in h.proto.body]


def _feature_count(spec: str) -> int | None:
    try:
        layers = json.loads(spec).get("layers", [])
        return sum(len(layer.get("data", {}).get("features", [])) for layer in layers
                   if isinstance(layer.get("data"), dict))
    except (ValueError, AttributeError):
        return None


def measure_view(runner: PageRunner, city: City, page: str, tier: str, code: str | None, repeat: int,
                 floor_runs: int, cold_runs: int = DEFAULT_COLD_RUNS) -> dict:
    """The median of `cold_runs` cold runs, `repeat` warm runs and the floor for one view.

    One cold run is one sample of a noisy, shared machine; the median of a few is the figure.
    """
    name = city.tree.units.at[code, "name"] if code and city.tree.has(code) else None  # type: ignore[attr-defined]
    run: dict = {"page": page, "tier": tier, "unit": code or "-", "name": name}
    colds = []
    for _ in range(cold_runs):
        clear_caches()
        colds.append(runner.run(page, code))
    cold = colds[-1]  # its caches stay for the warm runs
    cold_times = [c["ms"] for c in colds if c["ms"] is not None]
    errors = [e for c in colds for e in c["errors"]]
    errors = list(dict.fromkeys(errors))
    warm: list[float] = []
    for _ in range(repeat):
        r = runner.run(page, code)
        errors += [e for e in r["errors"] if e not in errors]
        if r["ms"] is not None:
            warm.append(r["ms"])
    from cockpit.ui.data import record_calls

    with record_calls() as calls:  # one more warm run: the data calls this page makes, as it makes them
        runner.run(page, code)
    floor = measure_floor(calls, floor_runs)
    if floor["error"]:
        errors.append(floor["error"])
    warm_median = median(warm) if warm else None
    run.update({
        "cold_ms": median(cold_times) if len(cold_times) == len(colds) else None,
        "cold_runs_ms": cold_times,
        "warm_ms": warm,
        "warm_median_ms": warm_median,
        "warm_p95_ms": percentile(warm, 95) if warm else None,
        "floor_ms": floor["floor_ms"],
        "floor_runs_ms": floor["floor_runs_ms"],
        "floor_steps_ms": floor["floor_steps_ms"],
        "ratio_warm_to_floor": ratio(warm_median, floor["floor_ms"]),
        "map_bytes": cold["map_bytes"],
        "map_features": cold["map_features"],
        "peak_rss_mb_after": peak_rss_mb(),
        "errors": errors,
    })
    return run


def _load() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _machine(city: City) -> dict:
    import sqlalchemy
    import streamlit

    from cockpit.store.engine import sqlite_path

    cpus = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cpus
    model = None
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    path = sqlite_path(city.url)
    return {
        "nproc": usable, "cpu_count": cpus, "cpu_model": model, "memory_total_mb": _mem_total_mb(),
        "python": platform.python_version(), "platform": platform.platform(),
        "streamlit": streamlit.__version__, "sqlalchemy": sqlalchemy.__version__,
        "engine": city.engine, "db_bytes": path.stat().st_size if path is not None and path.is_file() else None,
    }


def _mem_total_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_bench(city: City, repeat: int = DEFAULT_REPEAT, units: int = DEFAULT_UNITS, floor_runs: int | None = None,
              say: Callable[[str], None] = lambda _m: None, source: Source | None = None,
              app_path: Path = APP_PATH, cold_runs: int = DEFAULT_COLD_RUNS) -> dict:
    """Measure every sampled view and the about page; the whole report as a JSON-ready dict."""

    floor_runs = floor_runs or max(1, min(FLOOR_RUNS, repeat))
    started, t_start, load_before = _now(), time.perf_counter(), _load()
    views = plan_views(city, units)
    runner = PageRunner(app_path)
    runs: list[dict] = []
    with app_env(city.url, city.geo_dir), server_navigation():
        say(f"warming up the harness (imports, component scan) on {safe_url(city.url)}")
        runner.run("overview", city.tree.root.code)  # type: ignore[attr-defined]
        harness = runner.harness_ms()
        plan = [(spec.key, tier, code) for spec in _pages() for tier, code in (views if spec.with_unit else [("-", None)])]
        for i, (page, tier, code) in enumerate(plan, 1):
            run = measure_view(runner, city, page, tier, code, repeat, floor_runs, cold_runs)
            runs.append(run)
            say(f"[{i}/{len(plan)}] {page} {tier} {run['unit']}: cold {_fmt(run['cold_ms'])} ms, warm p50 "
                f"{_fmt(run['warm_median_ms'])} / p95 {_fmt(run['warm_p95_ms'])} ms, floor {_fmt(run['floor_ms'])} "
                f"ms, map {_fmt(run['map_bytes'] / 1024 if run['map_bytes'] else None)} KB"
                + (f" — {len(run['errors'])} error(s)" if run["errors"] else ""))
    peak = peak_rss_mb()
    verdicts = evaluate_targets(runs, peak)
    levels = city.levels
    root = city.tree.root  # type: ignore[attr-defined]
    machine = _machine(city) | {"harness_ms": harness, "load_before": load_before, "load_after": _load()}
    return {
        "tool": "python -m cockpit bench", "format": 1,
        "started_at": started, "finished_at": _now(), "duration_s": time.perf_counter() - t_start,
        "config": {"db": safe_url(city.url), "geo_dir": str(city.geo_dir), "preset": source.preset if source else None,
                   "repeat": repeat, "cold_runs": cold_runs, "floor_runs": floor_runs, "units_per_tier": units,
                   "period_days": PERIOD_DAYS, "metric": METRIC, "app": str(app_path)},
        "machine": machine,
        "dataset": {"root_code": root.code, "root_name": root.name, "levels": levels,
                    "levels_text": ", ".join(f"{n:,} {lvl}" for lvl, n in levels.items()),
                    "data_end": city.data_end.isoformat() if city.data_end else None, "meta": city.meta},
        "runs": runs,
        "peak_rss_mb": peak,
        "targets": verdicts,
        "all_targets_pass": all(v["pass"] for v in verdicts),
    }


# ---------------------------------------------------------------- command

def main_bench(db: str | None = None, geo_dir: str | None = None, preset: str | None = None,
               repeat: int = DEFAULT_REPEAT, units: int = DEFAULT_UNITS, as_json: bool = False,
               browser: bool = False, browser_only: bool = False, browser_runs: int = 5,
               cold_runs: int = DEFAULT_COLD_RUNS) -> int:
    """The `bench` command: 0 after measuring (whether or not targets pass), 2 on bad input.

    The table goes to stdout; with ``as_json`` stdout is the JSON document and the table goes to stderr.
    ``browser`` adds the first-paint figure of :mod:`cockpit.tools.bench.browser` after the page times
    (``browser_only``: that figure alone; 1 when it could not be measured, 0 when Chromium is missing).
    """
    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if repeat < 1 or units < 1 or browser_runs < 1 or cold_runs < 1:
        say("error: --repeat, --cold-runs, --units and --browser-runs must be at least 1")
        return 2
    try:
        quiet_streamlit()
        source = resolve_source(db, geo_dir, preset)
        if source.build:
            build_preset(source, say)
        city = open_city(source.db_url, source.geo_dir)
    except (BenchError, DatabaseError) as exc:
        say(f"error: {exc}")
        return 2
    if browser_only:
        return _browser_only(city, source, browser_runs, as_json, say)
    report = run_bench(city, repeat=repeat, units=units, say=say, source=source, cold_runs=cold_runs)
    text = format_report(report)
    if browser:
        from cockpit.tools.bench.browser import bench_section

        report["browser"], browser_text = bench_section(city.url, city.geo_dir, browser_runs, say)
        if report["browser"]["target"]:
            report["targets"].append(report["browser"]["target"])
            report["all_targets_pass"] = all(v["pass"] for v in report["targets"])
        text = format_report(report) + "\n\n" + browser_text
    if as_json:
        say(text)
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)
    return 0


def _browser_only(city: City, source: Source, runs: int, as_json: bool, say: Callable[[str], None]) -> int:
    """`bench --browser-only`: the first-paint figure alone, with the config and dataset it was measured on."""
    from cockpit.tools.bench.browser import bench_section

    started, t_start = _now(), time.perf_counter()
    section, text = bench_section(city.url, city.geo_dir, runs, say)
    root, levels = city.tree.root, city.levels  # type: ignore[attr-defined]
    targets = [section["target"]] if section["target"] else []
    report = {
        "tool": "python -m cockpit bench --browser-only", "format": 1,
        "started_at": started, "finished_at": _now(), "duration_s": time.perf_counter() - t_start,
        "config": {"db": safe_url(city.url), "geo_dir": str(city.geo_dir), "preset": source.preset,
                   "browser_runs": runs},
        "dataset": {"root_code": root.code, "root_name": root.name, "levels": levels,
                    "levels_text": ", ".join(f"{n:,} {lvl}" for lvl, n in levels.items()), "meta": city.meta},
        "browser": section, "targets": targets, "all_targets_pass": bool(targets) and all(v["pass"] for v in targets),
    }
    text = f"cockpit bench --browser-only · {root.name} {root.code} ({report['dataset']['levels_text']})\n{text}"
    if as_json:
        say(text)
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)
    return 1 if "error" in section else 0
