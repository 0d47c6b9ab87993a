"""The server process's heap: what the garbage collector need not walk again.

Python's full collection walks every container object alive. After the first page has run,
some 180,000 of them are the imported libraries' modules, classes and functions (Streamlit,
pandas, Altair, SQLAlchemy, pydeck), alive for the life of the process; walking them costs a
warm page 50–100 ms every few runs on the machines this runs on (the bench's warm p95 spikes).
`gc.freeze()` moves what is alive then out of the collector's reach; what is made later, the
caches' entries included, is collected as before.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_after_first_run() -> bool:
    """Freeze the heap once per process (the first call); True when this call did it."""
    global _frozen
    with _lock:
        if _frozen:
            return False
        gc.collect()  # what is garbage now is freed first, not kept forever
        gc.freeze()
        _frozen = True
        return True
