"""Settings of the HTTP API (``COFFER_*`` variables the core settings do not cover)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COFFER_", env_file=".env", extra="ignore")

    jwt_secret: str | None = Field(
        default=None,
        description="HMAC key that signs access tokens. When unset, one is generated once "
        "and kept in the database (table api_secrets), so every server process agrees.",
    )
    token_ttl_seconds: int = Field(
        default=3600, ge=1, le=86_400, description="Lifetime of an access token."
    )
    thread_pool_size: int = Field(
        default=256,
        ge=8,
        le=4096,
        description="Worker threads for blocking ledger calls; concurrent requests beyond "
        "this wait. Many threads let concurrent writes share one sequencer batch.",
    )
    log_requests: bool = Field(default=True, description="Log one JSON line per request.")
    max_bulk_size: int = Field(
        default=10_000, ge=1, description="Most elements accepted in one _bulk request."
    )
    run_worker: bool = Field(
        default=True,
        description="Run the background worker (webhook deliveries, authorization expiry, "
        "recovery of interrupted payments) inside the server; `coffer worker` runs it alone.",
    )
