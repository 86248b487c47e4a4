"""Settings of the automations domain (COFFER_* environment variables)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field

from coffer.settings import CofferSettings


class AutomationSettings(CofferSettings):
    automation_lease_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    """How long a worker holds a run it took; a run whose worker died is taken over by another
    worker after this long (each step renews the lease)."""
    automation_batch_size: Annotated[int, Field(ge=1, le=10_000)] = 200
    """Due schedules, due runs and outbox events a worker takes per round."""
    automation_worker_threads: Annotated[int, Field(ge=1, le=64)] = 4
    """Runs one worker process executes at once (their ledger writes share the sequencer's
    batches)."""
    automation_catch_up_grace_seconds: Annotated[float, Field(ge=0)] = 300.0
    """An occurrence later than this is 'missed' for the catch-up policies latest and skip (a worker
    was down); within it, it runs as usual."""
    automation_event_lookback_seconds: Annotated[float, Field(ge=0, le=60)] = 2.0
    """Event triggers read the outbox again this far back each round, for events whose transaction
    committed after a later one's (duplicates are dropped)."""
    automation_batch_runs: bool = True
    """Execute a worker's claimed runs as a batch: their first-attempt transfer steps posted in one
    wallets call, their ends written in one transaction (false: each run alone, a transaction per
    step)."""
    automation_max_catch_up: Annotated[int, Field(ge=1, le=100_000)] = 1000
    """Most missed occurrences one schedule runs at once with catch_up=all."""
    automation_webhook_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    """Timeout of a webhook step's HTTP call."""
    automation_interval_seconds: Annotated[float, Field(gt=0, le=60)] = 0.5
    """Seconds a worker waits between idle rounds."""


@lru_cache(maxsize=1)
def get_automation_settings() -> AutomationSettings:
    return AutomationSettings()
