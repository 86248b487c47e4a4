"""Batch statements in flight on one PostgreSQL connection (libpq's pipeline mode).

The sequencer's writer sends a batch's statement as soon as the batch is applied, without
waiting for the answer to the one before: PostgreSQL runs them back to back, in order, each
its own transaction (autocommit), so the server never idles while the writer thread waits
for the GIL to read an answer and send the next statement. Answers come back in the order
the statements were sent. A statement that follows one that failed fails too: it was
applied on top of the failed batch, and its head check (``next_seq``) no longer matches.

Built on psycopg's libpq binding (``psycopg.pq``): psycopg's own pipeline mode waits for
every queued statement when one result is fetched, and the writer needs each answer as it
arrives. Each statement is prepared once (its text depends on which tables a batch writes
and which of its columns hold one value), then sent with ``send_query_prepared`` and a sync
point of its own; past MAX_PREPARED shapes on a connection, a statement goes unprepared.
"""

from __future__ import annotations

import re
import select
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import pq

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Statements prepared per connection at most: a batch's statement text depends on which
# tables it writes and which of its columns hold one value, a few shapes in practice.
MAX_PREPARED = 64


@dataclass(frozen=True, slots=True)
class Answer:
    """What one statement answered: its single value, or the error it raised."""

    value: bytes | None = None
    sqlstate: str | None = None
    message: str | None = None

    @property
    def failed(self) -> bool:
        return self.sqlstate is not None or self.message is not None


class PipelinedConnection:
    """A dedicated connection in pipeline mode: :meth:`send` statements, :meth:`answers`
    collects what has arrived (wait for :meth:`fileno` to be readable first)."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection
        self.pgconn = connection.pgconn
        # kept to settle, if the connection is lost, what its statements did
        self.backend_pid = int(connection.info.backend_pid)
        # A batch's statement plans the same whatever its arrays hold: planning it anew
        # for each batch (the default for the first executions, and whenever the custom
        # plans look cheaper) took the server 0.7 ms a statement.
        connection.execute("SET plan_cache_mode = force_generic_plan")
        connection.commit()
        self.pgconn.enter_pipeline_mode()
        self._statements: dict[str, tuple[bytes, list[str]]] = {}  # sql -> (name, params)
        self._results: list[pq.abc.PGresult] = []  # of the statement being answered
        self.pending = 0  # statements sent and not answered yet

    def fileno(self) -> int:
        return int(self.pgconn.socket)

    def send(self, sql: str, params: dict[str, Any]) -> None:
        """Queue one statement (``%(name)s`` placeholders) and its own sync point."""
        pgconn = self.pgconn
        known = self._statements.get(sql)
        if known is None:
            names: list[str] = []
            for name in _PLACEHOLDER.findall(sql):
                if name not in names:
                    names.append(name)
            text = _PLACEHOLDER.sub(lambda m: f"${names.index(m.group(1)) + 1}", sql)
            if len(self._statements) >= MAX_PREPARED:  # an unusual shape: not kept
                pgconn.send_query_params(text.encode(), [_text(params[key]) for key in names])
                pgconn.pipeline_sync()
                self._flush()
                return
            known = (f"coffer_batch_{len(self._statements)}".encode(), names)
            pgconn.send_prepare(known[0], text.encode())
            self._statements[sql] = known
        name, order = known
        pgconn.send_query_prepared(name, [_text(params[key]) for key in order])
        pgconn.pipeline_sync()
        self._flush()

    def _flush(self) -> None:
        """Wait until the socket has taken what was queued; count the statement sent."""
        pgconn = self.pgconn
        while pgconn.flush():  # the rest of a large statement: wait until the socket takes it
            readable, _, _ = select.select([pgconn.socket], [pgconn.socket], [])
            if readable:
                pgconn.consume_input()  # the server may wait for us to read its answers
        self.pending += 1

    def answers(self) -> list[Answer]:
        """The answers that have arrived, oldest first (without blocking)."""
        pgconn = self.pgconn
        pgconn.consume_input()
        out: list[Answer] = []
        while self.pending and not pgconn.is_busy():
            result = pgconn.get_result()
            if result is None:  # the end of one query's results (a prepare or a statement)
                continue
            if result.status == pq.ExecStatus.PIPELINE_SYNC:
                out.append(self._answer(self._results))
                self._results = []
                self.pending -= 1
                continue
            self._results.append(result)
        return out

    @staticmethod
    def _answer(results: list[pq.abc.PGresult]) -> Answer:
        for result in results:
            if result.status in (pq.ExecStatus.FATAL_ERROR, pq.ExecStatus.PIPELINE_ABORTED):
                state = result.error_field(pq.DiagnosticField.SQLSTATE)
                message = result.error_message or b"the statement was aborted"
                return Answer(
                    sqlstate=state.decode() if state else None,
                    message=message.decode(errors="replace"),
                )
        for result in results:
            if result.status == pq.ExecStatus.TUPLES_OK and result.ntuples:
                return Answer(value=result.get_value(0, 0))
        return Answer(message="the statement answered no row")

    def close(self) -> None:
        self.connection.close()


def _text(value: Any) -> bytes | None:
    """A parameter in PostgreSQL's text format."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return b"\\x" + value.hex().encode()
    if isinstance(value, str):
        return value.encode()
    return str(value).encode()
