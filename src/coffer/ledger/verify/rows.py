"""The rows ``verify`` reads, streamed in order and fetched in chunks."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from coffer.db.engine import Backend

FETCH = 10_000


class Stream:
    """A peekable stream of rows in order."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self.rows = rows  # the rows after the head
        self.head: tuple[Any, ...] | None = next(rows, None)

    def pop(self) -> tuple[Any, ...] | None:
        row = self.head
        if row is not None:
            self.head = next(self.rows, None)
        return row


def rows(connection: Any, backend: Backend, sql: str, params: tuple[Any, ...]) -> Iterator[Any]:
    """The rows of a query in order, fetched in chunks (iterating them is C code)."""
    if backend is Backend.POSTGRESQL:
        chunks = _pg_chunks(connection, sql, params)
    else:
        chunks = _sqlite_chunks(connection, sql, params)
    return itertools.chain.from_iterable(chunks)


def _sqlite_chunks(connection: Any, sql: str, params: tuple[Any, ...]) -> Iterator[list[Any]]:
    cursor = connection.execute(sql, params)
    while chunk := cursor.fetchmany(FETCH):
        yield chunk


_cursor_names = itertools.count()


def _pg_chunks(connection: Any, sql: str, params: tuple[Any, ...]) -> Iterator[list[Any]]:
    """Chunks of a server-side cursor, the next one always requested ahead.

    The connection is in pipeline mode (see :func:`verify_database`): the FETCH for the
    next chunk is sent before the rows of this one are checked, so PostgreSQL reads and
    sends it while Python works, instead of each waiting for the other.
    """
    name = f"coffer_verify_{next(_cursor_names)}"
    connection.execute(f"DECLARE {name} NO SCROLL CURSOR FOR {sql.replace('?', '%s')}", params)
    fetch = f"FETCH {FETCH} FROM {name}"
    ahead = connection.cursor()
    ahead.execute(fetch)
    spare = connection.cursor()
    while chunk := ahead.fetchall():
        spare.execute(fetch)
        ahead, spare = spare, ahead
        yield chunk
    connection.execute(f"CLOSE {name}")
