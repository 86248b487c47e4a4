"""Recovery: after a lost connection (which batches committed, told by the journal once
the server process has ended) and after a stale head (another process wrote: the batch
runs again under the ledger's row lock, reloading the state first)."""

from __future__ import annotations

import contextlib
import time
from collections import deque
from typing import TYPE_CHECKING

from coffer.db.engine import driver_connection_lost
from coffer.errors import CofferError
from coffer.ledger.batch_writes import Batch
from coffer.ledger.pgpipe import PipelinedConnection
from coffer.ledger.requests import Request
from coffer.ledger.sequencer.shared import (
    CONTENDED_BATCHES,
    LOST_WRITE_TIMEOUT,
    MAX_ATTEMPTS,
    MAX_RECONNECTS,
    SETTLE_RETRY_PAUSE,
    SETTLE_TIMEOUT,
    Prepared,
    as_coffer_error,
    write_in_doubt,
)
from coffer.ledger.store import Head, StaleHead, UniqueViolation

if TYPE_CHECKING:
    from coffer.ledger.sequencer.core import Sequencer


def _lost_pipe(
    self: Sequencer, pipe: PipelinedConnection | None, inflight: deque[Prepared], exc: BaseException
) -> None:
    """The connection failed with batches sent on it (the next batch reconnects).

    Each sent batch either committed or never will, once the server process behind
    the connection has ended: the journal then tells which (see :meth:`_settle_lost`).
    """
    self._invalidate()
    if pipe is not None:
        with contextlib.suppress(Exception):
            pipe.close()
    sent = [prepared for prepared in inflight if not prepared.unsent]
    verdicts = self._settle_lost(
        pipe.backend_pid if pipe is not None else None,
        [(prepared.expected_seq, prepared.head) for prepared in sent],
    )
    committed = {id(prepared): verdict for prepared, verdict in zip(sent, verdicts, strict=True)}
    while inflight:
        prepared = inflight.popleft()
        self._after_lost(prepared, committed.get(id(prepared)), exc)


def _after_lost(
    self: Sequencer, prepared: Prepared, committed: bool | None, exc: BaseException
) -> None:
    """Answer or requeue a batch whose connection was lost: ``committed`` is what the
    journal says it did (None: it may have, and only the caller can tell)."""
    if committed:
        self._after_write(prepared, written=True)
        return
    if committed is False or prepared.unsent:  # wrote nothing: apply it again
        self._apply_again(prepared.batch)
    else:
        self._fail(prepared.batch, write_in_doubt(exc))
        self._finish(prepared.batch, prepared.started)
    self._after_write(prepared, written=False)


def _settle_lost(
    self: Sequencer, backend_pid: int | None, writes: list[tuple[int, Head]]
) -> list[bool | None]:
    """Whether each batch write of ``writes`` (the sequence number it was applied on and
    the head it leaves, in the order sent) committed before the connection to server
    process ``backend_pid`` was lost; None where that cannot be told.

    Once that process has ended (it is ended if it lingers), its statements have
    committed or rolled back for good. A batch committed exactly when the journal holds
    its last entry with the hash it was given; a batch after one that did not commit
    did not either (its statement checks the head it was applied on). When the
    database cannot be reached, or the process does not end, nothing is told.
    """
    verdicts: list[bool | None] = [None] * len(writes)
    if backend_pid is None or not writes:
        return verdicts
    # A restart takes the database away for a moment: reach it again until the deadline
    # (the connection that asks can be lost as well).
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        try:
            return self._tell_committed(backend_pid, writes)
        except Exception as exc:
            if not driver_connection_lost(exc) or time.monotonic() >= deadline:
                return verdicts
            time.sleep(SETTLE_RETRY_PAUSE)


def _tell_committed(
    self: Sequencer, backend_pid: int, writes: list[tuple[int, Head]]
) -> list[bool | None]:
    """One attempt of :meth:`_settle_lost`, on a new connection."""
    verdicts: list[bool | None] = [None] * len(writes)
    store = self._store_factory()
    try:
        if not store.backend_ended(backend_pid, LOST_WRITE_TIMEOUT):
            return verdicts
        for index, (expected_seq, head) in enumerate(writes):
            if head.next_seq == expected_seq:
                break  # no journal entry to tell by: this one stays in doubt
            committed = store.entry_hash(head.next_seq - 1) == head.head_hash
            verdicts[index] = committed
            if not committed:
                verdicts[index:] = [False] * (len(writes) - index)
                break
        return verdicts
    finally:
        with contextlib.suppress(Exception):
            store.connection.close()


def _run_synchronously(self: Sequencer, batch: list[Request], *, careful: bool) -> None:
    attempts = 0
    while True:
        attempts += 1
        try:
            self._attempt_locked(batch, careful=careful)
        except StaleHead:
            self._invalidate()
            self._contended = CONTENDED_BATCHES
            if attempts < MAX_ATTEMPTS:
                continue
            self._fail(batch, CofferError("the ledger is too contended; retry"))
        except UniqueViolation:
            self._invalidate()
            if not careful:
                careful = True
                continue
            self._fail(batch, CofferError("a unique constraint failed twice; retry"))
        except BaseException as exc:
            self._invalidate()
            lost = driver_connection_lost(exc)
            writer = self._writer_connection
            backend_pid = writer.backend_pid() if lost and writer is not None else None
            unfinished = self._locked_write
            self._reset_connection()
            if lost and attempts < MAX_RECONNECTS:
                # Lost before the write was sent: nothing to undo. Lost during it: the
                # journal tells whether it committed, once its server process is gone.
                committed = (
                    False if unfinished is None else self._settle_lost(backend_pid, [unfinished])[0]
                )
                if committed:
                    return
                if committed is False:
                    continue
            in_doubt = lost and unfinished is not None
            if not lost and len(batch) > 1 and isinstance(exc, Exception):
                # One request broke the batch: each is applied alone, so only it fails.
                for request in batch:
                    self._run_synchronously([request], careful=careful)
                return
            self._fail(batch, write_in_doubt(exc) if in_doubt else as_coffer_error(exc))
            if not isinstance(exc, Exception):
                raise
        else:
            if self._contended:
                self._contended -= 1
        return


def _attempt_locked(self: Sequencer, batch: list[Request], *, careful: bool) -> None:
    self._locked_write = None
    store = self._writer_store()
    self._apply_store = store
    epoch = self._epoch
    head = store.begin_locked()
    try:
        if not self.valid or head.next_seq != self.seq or head.head_hash != self.head:
            self._reload(head, epoch)
        expected_seq = self.seq
        self._apply_batch(batch, careful=careful)
        head = Head(self.seq, self.head, self.next_tx, self.next_hold)
        if self.seq != expected_seq or not self.writes.empty():
            rows, balances_tx = self._balance_rows(len(batch))
            self._locked_write = (expected_seq, head)
            store.write(Batch(self.writes, rows, expected_seq, head, self.now, balances_tx))
        else:
            # Nothing to write, but a reload may have caught the balance rows up in
            # this transaction: keep that (the state applied next relies on it).
            store.commit()
    except BaseException:
        store.rollback()
        raise
    for key, digest, kind, ref_id in self._new_keys():
        self._remember_key(key, digest, kind, ref_id)
    if self.writes.checkpoints:
        self.runtime.publish(self.writes.checkpoints)
