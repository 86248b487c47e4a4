"""coffer.tune_gc(): the collector settings ``coffer serve`` uses, for embedding processes."""

from __future__ import annotations

import gc

import coffer
from coffer.runtime.gctune import GC_THRESHOLDS


def test_tune_gc_freezes_start_up_objects_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        coffer.tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 1000  # the loaded modules, at least
        assert gc.get_count()[0] < 100  # collected just before freezing
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
