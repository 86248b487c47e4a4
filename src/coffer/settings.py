"""All COFFER_* settings, read from the environment (and a ``.env`` file if present)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COFFER_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./coffer.db",
        description="SQLAlchemy URL: sqlite:///path.db or postgresql://user@host/db",
    )
    signing_key: str | None = Field(
        default=None,
        description="Ed25519 private key (hex of the 32-byte seed) that signs journal "
        "checkpoints. When unset, a key is generated once into signing_key_file.",
    )
    signing_key_file: str = Field(
        default="./coffer-signing.key",
        description="Where the generated checkpoint signing key is kept (mode 0600).",
    )
    checkpoint_interval: int = Field(
        default=1024, ge=1, description="Journal entries between two signed checkpoints."
    )
    max_batch_size: int = Field(
        default=5000, ge=1, description="Most requests the sequencer writes in one batch."
    )
    home_cpu: str = Field(
        default="auto",
        pattern=r"^\s*(?i:auto|off|\d+)\s*$",
        description="While callers queue on a ledger, they run on one CPU (coffer.cpupin."
        "HomeCpu): auto (the CPU with the fewest device interrupts that no other process "
        "has taken), a CPU number, or off.",
    )
    assistant_model_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1) the assistant "
        "may ask to turn a question its own parser does not understand into a typed query. "
        "Off (None) by default: no customer data leaves Coffer unless this is set.",
    )
    assistant_model_name: str = Field(
        default="gpt-4o-mini", description="Model name sent to assistant_model_url."
    )
    assistant_model_api_key: str | None = Field(
        default=None, description="Bearer token for assistant_model_url, when it needs one."
    )
    assistant_model_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of one call to assistant_model_url."
    )
    sqlite_synchronous: str = Field(
        default="FULL", description="PRAGMA synchronous for SQLite (FULL or NORMAL)."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
