"""Garbage-collector settings for a process that runs Coffer and owns its interpreter."""

from __future__ import annotations

import gc

# gen0 every 20,000 net allocations instead of 700 (a request or a transfer allocates a
# few dozen container objects)
GC_THRESHOLDS = (20_000, 10, 10)


def tune_gc() -> None:
    """Freeze what start-up built and collect the young generation less often.

    Call it once, after start-up, in a process you own (``coffer serve`` does). Every
    object alive then moves to the collector's permanent generation, so a full collection
    no longer walks the tens of thousands of objects of the loaded modules: on a small
    machine each such walk stalls every thread for 30-100 ms, several times a second
    under load. Cyclic garbage that exists at that moment is collected first.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
