"""Helpers for tests that act on the database server itself."""

from __future__ import annotations


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
