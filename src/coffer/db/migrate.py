"""Run Alembic migrations on open, once per database even with several processes."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"
_PG_LOCK_KEY = 0x436F66666572  # "Coffer"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def heads() -> frozenset[str]:
    """The newest revisions of this Coffer's migrations (read once a process: loading the
    migration scripts costs far more than the database's check)."""
    return frozenset(ScriptDirectory.from_config(_config()).get_heads())


def _current(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


@contextlib.contextmanager
def _migration_lock(engine: sa.Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    descriptor = os.open(f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a+") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def upgrade(engine: sa.Engine) -> None:
    """Bring the schema to the newest revision (no-op when it already is)."""
    if _current(engine) == heads():
        return
    config = _config()
    with _migration_lock(engine):
        if _current(engine) == heads():
            return
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
