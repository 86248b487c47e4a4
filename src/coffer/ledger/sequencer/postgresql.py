"""PostgreSQL's write path: batch statements kept in flight on a connection in pipeline
mode (the writer thread's, or the leader's own for large batches), answered in order."""

from __future__ import annotations

import contextlib
import os
import queue
import select
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from coffer.db.engine import Backend
from coffer.errors import CofferError
from coffer.ledger.pgpipe import Answer, PipelinedConnection
from coffer.ledger.sequencer.shared import CONTENDED_BATCHES, Prepared

if TYPE_CHECKING:
    from coffer.ledger.sequencer.core import Sequencer


def _pipelined_write_loop(self: Sequencer) -> None:
    """The writer on PostgreSQL: up to pg_in_flight batch statements in flight on its
    own connection, answered in order (see :mod:`coffer.ledger.pgpipe`)."""
    if self._home is not None:
        # It wakes the callers at every batch: on their CPU while they queue.
        self._home.stay()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    self._wake_writer = wake_w
    pipe: PipelinedConnection | None = None
    inflight: deque[Prepared] = deque()  # sent (or with nothing to send), in order
    closing = False
    try:
        while True:
            while not closing and len(inflight) < self._pg_in_flight:
                try:
                    item = self._pipeline.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    closing = True
                    self._done_writing()
                    break
                try:
                    if pipe is None:
                        pipe = self._open_pipe()
                    self._send(pipe, item, inflight)
                except Exception as exc:  # no connection, or it broke while sending
                    if pipe is None:  # no connection: nothing was sent
                        item.unsent = True
                    inflight.append(item)
                    self._lost_pipe(pipe, inflight, exc)
                    pipe = None
            self._settle_in_turn(inflight, ())
            if closing and not inflight:
                return
            waits = [pipe.fileno()] if pipe is not None and inflight else []
            if not closing and len(inflight) < self._pg_in_flight:
                waits.append(wake_r)
            readable, _, _ = select.select(waits, [], [])
            if wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 65536)
            if pipe is not None and pipe.fileno() in readable:
                try:
                    answers = pipe.answers()
                except Exception as exc:  # the connection failed: so did every batch sent
                    self._lost_pipe(pipe, inflight, exc)
                    pipe = None
                    continue
                self._settle_in_turn(inflight, answers)
    finally:
        self._wake_writer = None
        os.close(wake_w)
        os.close(wake_r)
        if pipe is not None:
            with contextlib.suppress(Exception):
                pipe.close()


def _open_pipe(self: Sequencer) -> PipelinedConnection:
    return PipelinedConnection(self._store_factory().connection)


def _send(
    self: Sequencer, pipe: PipelinedConnection, prepared: Prepared, inflight: deque[Prepared]
) -> None:
    if prepared.epoch != self._epoch:
        # Applied on top of a batch that failed: apply it again.
        self._apply_again(prepared.batch)
        self._after_write(prepared, written=False)
        return
    if prepared.head.next_seq == prepared.expected_seq and prepared.writes.empty():
        prepared.unsent = True  # answered in turn, after the batches before it
        inflight.append(prepared)
        return
    store = self._writer_store()
    # A batch sent while the one before it is in flight must not land on another
    # process's entries of the same length: the hash tells them apart.
    sql, params = store.postgresql_statement(
        prepared.stored(), expected_hash=prepared.expected_hash
    )
    pipe.send(sql, params)
    inflight.append(prepared)


def _settle_in_turn(self: Sequencer, inflight: deque[Prepared], answers: Sequence[Answer]) -> None:
    """Act on ``answers``, those of the statements first in ``inflight``, in order, and on
    the batches with nothing to write before and after each (answered in turn)."""
    while inflight and inflight[0].unsent:
        self._settle(inflight.popleft(), None)
    for answer in answers:
        self._settle(inflight.popleft(), answer)
        while inflight and inflight[0].unsent:
            self._settle(inflight.popleft(), None)


def _settle(self: Sequencer, prepared: Prepared, answer: Answer | None) -> None:
    """Act on a statement's answer (None: the batch had nothing to write)."""
    written = False
    try:
        if answer is not None and not answer.failed and answer.value == b"1":
            written = True
        elif prepared.epoch != self._epoch:
            # Applied on top of a batch that failed (its statement, if it had one,
            # found the head unchanged and wrote nothing; its refusals may no longer
            # hold): apply it again.
            self._apply_again(prepared.batch)
        elif answer is None:  # nothing to write, and every batch before it committed
            written = True
        elif not answer.failed or answer.sqlstate == "23505":
            # The head moved (another process wrote), or a unique index refused a row.
            unique = answer.failed
            self._invalidate()
            if not unique:
                self._contended = CONTENDED_BATCHES
            self._apply_again(prepared.batch, careful=unique)
        elif len(prepared.batch) > 1:
            # The database refused the batch: apply it again one request at a time, so
            # that only the request at fault fails.
            self._invalidate()
            self._apply_again(prepared.batch)
        else:
            self._invalidate()
            self._fail(
                prepared.batch,
                CofferError(f"the ledger could not write this batch: {answer.message}"),
            )
            self._finish(prepared.batch, prepared.started)
    finally:
        self._after_write(prepared, written=written)


def _leader_sends(self: Sequencer) -> bool:
    """Whether the leader sends large batches' statements itself (see pg_lead_chunk)."""
    if self._lead_chunk <= 0 or self._pg_in_flight <= 0:
        return False
    if self._postgresql is None:
        self._postgresql = self._reader_store().backend is Backend.POSTGRESQL
    return self._postgresql


def _send_lead(self: Sequencer, prepared: Prepared) -> None:
    """Send a batch's statement on the leader's connection without waiting for it;
    answer the statements sent before it that have been answered."""
    prepared.counted = False
    self._answer_lead(wait_until=self._pg_in_flight - 1)  # room for one more
    inflight = self._lead_inflight
    pipe = self._lead_pipe
    try:
        if pipe is None:
            pipe = self._lead_pipe = self._open_pipe()
        self._send(pipe, prepared, inflight)
    except Exception as exc:  # no connection, or it broke while sending
        if pipe is None:  # no connection: nothing was sent
            prepared.unsent = True
        inflight.append(prepared)
        self._lead_pipe = None
        self._lost_pipe(pipe, inflight, exc)
        return
    self._answer_lead(wait_until=self._pg_in_flight)  # what has been answered meanwhile


def _settle_lead(self: Sequencer) -> None:
    """Wait for every statement the leader sent, and act on the answers."""
    self._answer_lead(wait_until=0)


def _answer_lead(self: Sequencer, *, wait_until: int) -> None:
    """Act on the leader's answered statements, waiting while more than
    ``wait_until`` are in flight."""
    inflight = self._lead_inflight
    while inflight:
        self._settle_in_turn(inflight, ())
        pipe = self._lead_pipe
        if not inflight or pipe is None:
            return
        try:
            answers = pipe.answers()
        except Exception as exc:  # the connection failed: so did every batch sent
            self._lead_pipe = None
            self._lost_pipe(pipe, inflight, exc)
            return
        self._settle_in_turn(inflight, answers)
        if len(inflight) <= wait_until:
            return
        if not answers:
            select.select([pipe.fileno()], [], [])
