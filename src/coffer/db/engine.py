"""Engines for both backends, and raw driver connections for the ledger's write path."""

from __future__ import annotations

import enum
import os
import sqlite3
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from coffer.errors import ValidationError


class Backend(enum.Enum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


def normalize_url(url: str) -> URL:
    """Accept ``sqlite:///x.db`` and ``postgresql://...``; pin the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ValidationError(f"invalid database URL {url!r}: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise ValidationError(
        f"unsupported database {backend!r}: use sqlite:///path.db or postgresql://user@host/db"
    )


def backend_of(url: URL) -> Backend:
    return Backend(url.get_backend_name())


def driver_connection_lost(exc: BaseException) -> bool:
    """Whether the driver's (psycopg's) ``exc`` says the connection is unusable (closed,
    or ended by a restart or an administrator), as opposed to a refused statement."""
    import psycopg

    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return exc.sqlstate is None or exc.sqlstate.startswith(("08", "57P"))
    return False


def connection_lost(exc: BaseException) -> bool:
    """The same for an error of the driver or of SQLAlchemy, which says so once it has
    dropped the connection from its pool."""
    if isinstance(exc, sa.exc.DBAPIError):
        return exc.connection_invalidated or (
            exc.orig is not None and driver_connection_lost(exc.orig)
        )
    return driver_connection_lost(exc)


def _sqlite_pragmas(connection: sqlite3.Connection, synchronous: str) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute("PRAGMA busy_timeout=60000")
    connection.execute("PRAGMA foreign_keys=ON")


# Execution option: on SQLite, transactions of this connection take the write lock when
# they begin (other backends ignore it).
SQLITE_IMMEDIATE = "coffer_sqlite_immediate"


@overload
def for_writes(bind: sa.Engine) -> sa.Engine: ...
@overload
def for_writes(bind: sa.Connection) -> sa.Connection: ...
def for_writes(bind: sa.Engine | sa.Connection) -> sa.Engine | sa.Connection:
    """``bind`` for units of work that read then write: on SQLite their transactions take
    the write lock when they begin (:data:`SQLITE_IMMEDIATE`), so that a write after a
    read never fails with "database is locked"; other backends ignore it.

    An engine gives an engine with the option (its connections all have it); a connection
    gets the option itself (for its next transaction) and is returned."""
    return bind.execution_options(**{SQLITE_IMMEDIATE: True})


def create_private_file(database: str | None) -> None:
    """Create the SQLite database file ``database`` empty with mode 0600 (owner only) if
    it does not exist yet; SQLite gives its -wal and -shm files the same mode. An empty
    file is a valid empty database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        descriptor = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except FileNotFoundError:
        return  # no such folder: SQLite will say so, with its own message
    os.close(descriptor)


def create_engine(
    url: URL, *, sqlite_synchronous: str = "FULL", pg_pool_size: int = 64
) -> sa.Engine:
    if backend_of(url) is Backend.SQLITE:
        create_private_file(url.database)
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 60},
            pool_size=8,
            max_overflow=56,
        )

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
            # SQLAlchemy's pysqlite emulates transactions; let SQLite own them.
            dbapi_connection.isolation_level = None
            _sqlite_pragmas(dbapi_connection, sqlite_synchronous)

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            # A unit that reads then writes asks for the write lock at its start
            # (SQLITE_IMMEDIATE): once another writer has committed after a deferred
            # transaction's first read, that transaction can no longer write, and SQLite
            # says "database is locked" at once, whatever the busy timeout.
            immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # A steady pool as large as the server's usual concurrency: opening connections under
    # load costs PostgreSQL far more than keeping them (they open lazily, only when needed).
    # No pre-ping (a round trip per checkout); connections are recycled hourly instead.
    return sa.create_engine(url, pool_size=pg_pool_size, max_overflow=0, pool_recycle=3600)


def raw_connect(url: URL, *, sqlite_synchronous: str = "FULL") -> Any:
    """A driver connection in autocommit mode, used by the ledger's sequencer."""
    if backend_of(url) is Backend.SQLITE:
        database = url.database or ":memory:"
        create_private_file(database)
        connection = sqlite3.connect(
            database, check_same_thread=False, isolation_level=None, timeout=60
        )
        _sqlite_pragmas(connection, sqlite_synchronous)
        return connection
    import psycopg

    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True)
