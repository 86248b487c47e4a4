"""Kept for importers not yet moved: the module is :mod:`coffer.runtime.batching`."""

from coffer.runtime.batching import CallBatcher

__all__ = ["CallBatcher"]
