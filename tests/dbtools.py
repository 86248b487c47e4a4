"""Helpers for tests that act on the database server itself, or on the settings."""

from __future__ import annotations

from typing import Any


def end_connections(url: str, only: int | None = None) -> int:
    """End every other connection to the test database (or just server process
    ``only``), as a restart or an administrator does; how many were ended."""
    import psycopg

    database = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid() AND (%s::int IS NULL OR pid = %s)",
            (database, only, only),
        ).fetchone()
    assert row is not None
    return int(row[0])


def use_settings(monkeypatch: Any, **fields: Any) -> None:
    """Make ``coffer.open()`` without settings use these (the environment's for the rest)."""
    from coffer.settings import Settings

    chosen = Settings(**fields)
    monkeypatch.setattr("coffer.core.get_settings", lambda: chosen)
