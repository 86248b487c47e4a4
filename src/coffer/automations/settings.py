"""Settings of the automations domain (COFFER_* environment variables)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AutomationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COFFER_", env_file=".env", extra="ignore")

    automation_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How long a worker holds a run it took; a run whose worker died is "
        "taken over by another worker after this long (each step renews the lease).",
    )
    automation_batch_size: int = Field(
        default=200,
        ge=1,
        le=10_000,
        description="Due schedules, due runs and outbox events a worker takes per round.",
    )
    automation_worker_threads: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Runs one worker process executes at once (their ledger writes share "
        "the sequencer's batches).",
    )
    automation_catch_up_grace_seconds: float = Field(
        default=300.0,
        ge=0,
        description="An occurrence later than this is 'missed' for the catch-up policies "
        "latest and skip (a worker was down); within it, it runs as usual.",
    )
    automation_event_lookback_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="Event triggers read the outbox again this far back each round, for "
        "events whose transaction committed after a later one's (duplicates are dropped).",
    )
    automation_batch_runs: bool = Field(
        default=True,
        description="Execute a worker's claimed runs as a batch: their first-attempt transfer"
        " steps posted in one wallets call, their ends written in one transaction (false:"
        " each run alone, a transaction per step).",
    )
    automation_max_catch_up: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Most missed occurrences one schedule runs at once with catch_up=all.",
    )
    automation_webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Timeout of a webhook step's HTTP call."
    )
    automation_interval_seconds: float = Field(
        default=0.5, gt=0, le=60, description="Seconds a worker waits between idle rounds."
    )


@lru_cache(maxsize=1)
def get_automation_settings() -> AutomationSettings:
    return AutomationSettings()
