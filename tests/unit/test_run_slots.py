"""At most `size` page runs compute at once; the others wait and all finish."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from cockpit.ui.run_slots import run_slot


def most_at_once(size: int, runs: int = 12) -> int:
    inside, peak, lock = 0, 0, threading.Lock()

    def page(_: int) -> None:
        nonlocal inside, peak
        with run_slot(size):
            with lock:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.02)
            with lock:
                inside -= 1

    with ThreadPoolExecutor(max_workers=runs) as pool:
        list(pool.map(page, range(runs)))
    return peak


def test_runs_wait_for_a_slot():
    assert most_at_once(3) == 3
    assert most_at_once(1) == 1


def test_zero_means_no_limit():
    assert most_at_once(0) > 3


def test_a_failing_run_gives_its_slot_back():
    for _ in range(3):
        try:
            with run_slot(1):
                raise RuntimeError("a page failed")
        except RuntimeError:
            pass
    assert most_at_once(1) == 1  # would hang if the slot had leaked
