"""Screen charts drawn in worker processes, beside the page runs instead of between them.

A cold page spends a third of its run building Altair charts and turning them into SVG, and
vl-convert holds the GIL while it draws: every other session of the process waits for it (#20,
py-spy under bench-load). A worker process draws on another core, and the page's thread waits
for it without the GIL. The inputs are the chart's builder (a module-level function) and its
small frames; what comes back is the SVG text.

`workers=0` draws in the calling process, as does any failure of the pool (a worker killed, an
input that cannot be pickled): the chart is drawn either way, the log says why.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from cockpit.views import charts

log = logging.getLogger(__name__)

TIMEOUT = 60.0  # s: a drawing that takes longer is drawn here instead (the worker is presumed stuck)

_pool: ProcessPoolExecutor | None = None
_pool_workers = 0
_lock = threading.Lock()


def draw_here(build: Callable[..., Any], args: tuple) -> str:
    """The SVG of build(*args), drawn in this process (what a worker runs)."""
    return charts.json_to_svg(charts.spec_json(build(*args)))


def _warm() -> None:
    # Import Altair and start vl-convert's engine when the worker starts, not on the first chart.
    charts.json_to_svg('{"mark": "point"}')


def _init() -> None:
    """In the worker: leave with the server. A server killed outright (SIGKILL, an OOM kill) never
    tells its pool, and an orphaned worker would hold its 200-300 MB until the machine restarts."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(2)
        os._exit(0)

    threading.Thread(target=watch, name="draw-pool-parent-watch", daemon=True).start()
    _warm()


def _get(workers: int) -> ProcessPoolExecutor | None:
    global _pool, _pool_workers
    with _lock:
        if _pool is None or _pool_workers != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            # spawn, not fork: the server's threads (and their locks) must not be copied into the worker.
            _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init)
            _pool_workers = workers
        return _pool


def start(workers: int) -> None:
    """Start the workers now, not on the first chart: spawning one and importing Altair takes seconds,
    which the first viewers of a fresh server would otherwise wait for. Returns at once."""
    if workers > 0:
        _get(workers).submit(os.getpid)  # any task: the pool spawns its workers on the first one


def _discard(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


def draw(build: Callable[..., Any], args: tuple, workers: int) -> str:
    """The SVG of build(*args): in a worker process when `workers` > 0, else (or if the pool fails) here."""
    if workers <= 0:
        return draw_here(build, args)
    pool = _get(workers)
    try:
        return pool.submit(draw_here, build, args).result(timeout=TIMEOUT)
    except BrokenProcessPool:
        log.warning("chart worker died; drawing in the server process and starting a new worker")
        _discard(pool)
    except TimeoutError:
        log.warning("chart worker took over %.0f s; drawing in the server process", TIMEOUT)
        _discard(pool)
    except Exception as exc:  # noqa: BLE001 - an input that does not pickle, say: the chart is still drawn
        log.warning("chart worker failed (%s: %s); drawing in the server process", type(exc).__name__, exc)
    return draw_here(build, args)


def shutdown() -> None:
    """Stop the workers (tests; a server's exit stops them by itself)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
