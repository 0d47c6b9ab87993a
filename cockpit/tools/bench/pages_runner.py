"""`python -m cockpit bench`'s measurement: each page through Streamlit's AppTest, cold and warm, and its SQL floor.

The only part of the page bench that touches Streamlit.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.core.errors import first_line
from cockpit.core.settings import PROJECT_DIR
from cockpit.tools.bench.pages_report import median, peak_rss_mb, percentile, ratio
from cockpit.tools.bench.pages_setup import BenchError, City

if TYPE_CHECKING:  # imported where used: the bench's setup runs without Streamlit
    from streamlit.testing.v1 import AppTest

APP_PATH = PROJECT_DIR / "app.py"
DEFAULT_COLD_RUNS = 3  # cold runs per view; the median is reported
PERIOD_DAYS = 30
CUSTOM_DAYS = 30  # the custom range measured too (#23): this many days, ending CUSTOM_BEFORE_END days before the data
CUSTOM_BEFORE_END = 7  # so it is no standard window: no per-window rollup holds it, the daily ones must answer
METRIC = "open_cases"
RUN_TIMEOUT = 600.0  # seconds one AppTest run may take before it counts as failed
SETTINGS_PREFIX = "COCKPIT_"  # every app setting (cockpit.core.settings): none of the shell's may reach the runs


# ---------------------------------------------------------------- the floor: the page's SQL, uncached

def measure_floor(calls: list[tuple[str, Callable, tuple]], runs: int) -> dict:
    """Median total time of the bare data calls a page made (recorded from the page itself), and per call.

    `calls` come from ``cockpit.ui.caching.record_calls`` around a run of the page: the functions
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

    def run(self, page: str, code: str | None, day_range: tuple[str, str] | None = None) -> dict:
        """One timed run: {'ms', 'map_bytes', 'map_features', 'errors'}; `day_range` (start, end): a custom period."""
        at = self._new()
        if code:
            at.query_params["unit"] = code
        if day_range:
            at.query_params["start"], at.query_params["end"] = day_range
        else:
            at.query_params["period"] = str(PERIOD_DAYS)
        at.query_params["metric"] = METRIC
        spec = _page(page)
        if spec.path != page_specs()[0].path:
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


def page_specs() -> tuple:
    """The app's pages, imported late: importing cockpit.ui loads Streamlit, which the bench's setup runs without."""
    from cockpit.ui.pages import PAGES

    return PAGES


def _page(key: str):
    for spec in page_specs():
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


def custom_range(city: City) -> tuple[str, str] | None:
    """The custom period the bench measures: CUSTOM_DAYS whole days ending CUSTOM_BEFORE_END days before the data."""
    if city.data_end is None:
        return None
    last = city.data_end.date() - timedelta(days=CUSTOM_BEFORE_END)
    return (last - timedelta(days=CUSTOM_DAYS - 1)).isoformat(), last.isoformat()


def measure_view(runner: PageRunner, city: City, page: str, tier: str, code: str | None, repeat: int,
                 floor_runs: int, cold_runs: int = DEFAULT_COLD_RUNS, day_range: tuple[str, str] | None = None) -> dict:
    """The median of `cold_runs` cold runs, `repeat` warm runs and the floor for one view.

    One cold run is one sample of a noisy, shared machine; the median of a few is the figure.
    `day_range` measures the view on that custom period instead of the standard PERIOD_DAYS.
    """
    name = city.tree.units.at[code, "name"] if code and city.tree.has(code) else None  # type: ignore[attr-defined]
    run: dict = {"page": page, "tier": tier, "unit": code or "-", "name": name,
                 "period": f"{day_range[0]}..{day_range[1]}" if day_range else f"{PERIOD_DAYS} d"}
    colds = []
    for _ in range(cold_runs):
        clear_caches()
        colds.append(runner.run(page, code, day_range))
    cold = colds[-1]  # its caches stay for the warm runs
    cold_times = [c["ms"] for c in colds if c["ms"] is not None]
    errors = [e for c in colds for e in c["errors"]]
    errors = list(dict.fromkeys(errors))
    warm: list[float] = []
    for _ in range(repeat):
        r = runner.run(page, code, day_range)
        errors += [e for e in r["errors"] if e not in errors]
        if r["ms"] is not None:
            warm.append(r["ms"])
    from cockpit.ui.caching import record_calls

    with record_calls() as calls:  # one more warm run: the data calls this page makes, as it makes them
        runner.run(page, code, day_range)
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

