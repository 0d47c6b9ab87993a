"""How many page runs of this process compute at once; the others wait their turn.

Every session's script runs on its own thread, but one Python process computes on one core at a
time (the GIL). Forty runs at once share it forty ways: each takes forty times as long, and the
server's own event loop — which answers new connections and sends the pages — gets a fortieth,
so at a few dozen viewers new tabs timed out before their WebSocket opened (bench-load). With a
few slots, runs finish in the order they came, the event loop keeps its share, and memory holds
only the runs in progress. A slot is held for the page's run only (not the sidebar's fragments).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_slots: threading.BoundedSemaphore | None = None
_size = 0
_lock = threading.Lock()


def _semaphore(size: int) -> threading.BoundedSemaphore:
    global _slots, _size
    with _lock:
        if _slots is None or _size != size:
            _slots, _size = threading.BoundedSemaphore(size), size
        return _slots


@contextmanager
def run_slot(size: int) -> Iterator[None]:
    """Hold one of `size` slots while the block runs (0: no limit)."""
    if size <= 0:
        yield
        return
    slots = _semaphore(size)
    slots.acquire()
    try:
        yield
    finally:
        slots.release()
