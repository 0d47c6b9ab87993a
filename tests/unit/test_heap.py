"""The heap is frozen once per process, after the first page: later calls leave it alone."""

import gc

from cockpit.ui import heap


def test_the_heap_is_frozen_once():
    heap.freeze_after_first_run()  # whether this call or an earlier app run in this process did it
    frozen = gc.get_freeze_count()
    assert frozen > 1000  # the imported libraries' objects, at least
    assert heap.freeze_after_first_run() is False
    junk = [[i] for i in range(1000)]
    assert gc.get_freeze_count() == frozen  # what is made later stays with the collector
    del junk
