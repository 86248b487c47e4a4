"""A database opened for reading only: no migration, no file created, writes refused.

``coffer verify`` reads through this: it must not change what it checks. SQLite is opened
with ``mode=ro``; PostgreSQL sessions are ``default_transaction_read_only``. The schema
must already be at this Coffer's revision (verify does not migrate)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from sqlalchemy.pool import NullPool

from coffer.db.engine import Backend, backend_of, normalize_url
from coffer.db.migrate import heads
from coffer.errors import ConfigurationError

_PG_READ_ONLY = "-c default_transaction_read_only=on"


@dataclass
class ReadOnlyDatabase:
    url: sa.URL
    backend: Backend
    engine: sa.Engine  # its connections refuse writes

    def raw_connection(self) -> Any:
        """A driver connection in autocommit mode that refuses writes."""
        return _connect(self.url, self.backend)

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_uri(url: sa.URL) -> str:
    database = url.database or ""
    if not database or database == ":memory:":
        raise ConfigurationError("verify needs a database file, not an in-memory database")
    path = Path(database).expanduser()
    if not path.is_file():
        raise ConfigurationError(
            f"there is no database at {path.resolve()}: give --database the server's URL "
            "(a relative sqlite path is read from the current folder)"
        )
    return f"file:{path.resolve()}?mode=ro"


def _connect(url: sa.URL, backend: Backend) -> Any:
    if backend is Backend.SQLITE:
        connection = sqlite3.connect(
            _sqlite_uri(url), uri=True, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA busy_timeout=60000")
        return connection
    import psycopg

    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True, options=_PG_READ_ONLY)


def open_read_only(url: str) -> ReadOnlyDatabase:
    """Open the database at ``url`` for reading; :class:`ConfigurationError` when it does
    not exist or its schema is not this Coffer's."""
    parsed = normalize_url(url)
    backend = backend_of(parsed)
    if backend is Backend.SQLITE:
        _sqlite_uri(parsed)  # exists, or a clear error
        engine = sa.create_engine(
            "sqlite://", creator=lambda: _connect(parsed, backend), poolclass=NullPool
        )
    else:
        engine = sa.create_engine(
            parsed, poolclass=NullPool, connect_args={"options": _PG_READ_ONLY}
        )
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise ConfigurationError(f"cannot read the database: {exc.orig}") from None
    expected = set(heads())
    if current != expected:
        engine.dispose()
        raise ConfigurationError(
            f"the database's schema is at {sorted(current) or 'nothing'}, this Coffer's is "
            f"{sorted(expected)}: verify does not migrate; start the server (or "
            "coffer.open()) on it once, then verify"
        )
    return ReadOnlyDatabase(parsed, backend, engine)
