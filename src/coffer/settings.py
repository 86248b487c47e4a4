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
    sqlite_synchronous: str = Field(
        default="FULL", description="PRAGMA synchronous for SQLite (FULL or NORMAL)."
    )
    risk_model_dir: str = Field(
        default="./coffer-risk-model",
        description="Folder of the fraud model and the feature state that `coffer risk "
        "train` writes and `coffer risk backtest` (and the online path) read.",
    )
    risk_review_threshold: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Risk score from which a movement is reviewed."
    )
    risk_block_threshold: float = Field(
        default=0.9, ge=0.0, le=1.0, description="Risk score from which a movement is blocked."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
