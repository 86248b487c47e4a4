"""The write path both backends share, and SQLite's: the writer thread that writes
prepared batches in order, the connections (writer, reader, catch-up), and the background
work that keeps the balance rows and posting lists up to date."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from coffer.db.engine import Backend, driver_connection_lost
from coffer.ledger.sequencer.shared import (
    CONTENDED_BATCHES,
    Prepared,
    as_coffer_error,
    log,
    write_in_doubt,
)
from coffer.ledger.store import StaleHead, UniqueViolation, WriteStore

if TYPE_CHECKING:
    from coffer.ledger.sequencer.core import Sequencer

_T = TypeVar("_T")


def _writer(self: Sequencer) -> queue.Queue[Prepared | None]:
    if self._writer_thread is None:
        loop = self._write_loop
        if self._pg_in_flight > 0 and self._writer_store().backend is Backend.POSTGRESQL:
            loop = self._pipelined_write_loop
            self._pipelined = True
        thread = threading.Thread(
            target=loop, name=f"coffer-writer-{self.ledger_name}", daemon=True
        )
        self._writer_thread = thread
        self._start(thread)
    return self._pipeline


def _write_loop(self: Sequencer) -> None:
    while True:
        prepared = self._pipeline.get()
        try:
            if prepared is None:  # closed
                return
            self._write_prepared(prepared)
        finally:
            with self._idle:
                self._pipeline_busy -= 1
                self._idle.notify_all()


def _after_write(self: Sequencer, prepared: Prepared, *, written: bool) -> None:
    """What follows a batch's write (or its abandonment), then the pipeline's count."""
    try:
        self._written(prepared, written=written)
    finally:
        if prepared.counted:
            self._done_writing()


def _written(self: Sequencer, prepared: Prepared, *, written: bool) -> None:
    """A batch was written (its keys are remembered, its callers answered) or
    abandoned. Either way readers now look in the database. Ids are handed out again
    after a failure, so only this batch's own in-flight entries go."""
    if written:
        for key, digest, kind, ref_id in prepared.keys:
            self._remember_key(key, digest, kind, ref_id)
    for tx_id, entry in prepared.results:
        if self.inflight_results.get(tx_id) is entry:
            del self.inflight_results[tx_id]
    for key, *_ in prepared.keys:
        self.inflight_keys.pop(key, None)
    if written:
        self._finish(prepared.batch, prepared.started)
        if prepared.writes.checkpoints:
            self.runtime.publish(prepared.writes.checkpoints)


def _done_writing(self: Sequencer) -> None:
    with self._idle:
        self._pipeline_busy -= 1
        self._idle.notify_all()


def _write_prepared(self: Sequencer, prepared: Prepared) -> None:
    written = False
    try:
        written = self._write_or_requeue(prepared)
    finally:
        self._written(prepared, written=written)


def _write_or_requeue(self: Sequencer, prepared: Prepared) -> bool:
    """Write a prepared batch: True when it committed, else it was requeued or failed."""
    batch = prepared.batch
    if prepared.epoch != self._epoch:
        # Applied on top of a batch that failed: apply it again.
        self._apply_again(batch)
        return False
    store = self._writer_store()
    try:
        if prepared.head.next_seq != prepared.expected_seq or not prepared.writes.empty():
            store.write(prepared.stored())
    except (StaleHead, UniqueViolation) as exc:
        self._invalidate()
        if isinstance(exc, StaleHead):
            self._contended = CONTENDED_BATCHES
        self._apply_again(batch, careful=isinstance(exc, UniqueViolation))
        return False
    except Exception as exc:
        self._invalidate()
        backend_pid = store.backend_pid() if driver_connection_lost(exc) else None
        self._reset_connection()
        committed = self._settle_lost(backend_pid, [(prepared.expected_seq, prepared.head)])[0]
        if committed:
            return True
        if committed is False or (backend_pid is None and len(batch) > 1):
            # Wrote nothing (or the database refused the batch: then it is applied again
            # one request at a time, so that only the request at fault fails).
            self._apply_again(batch)
            return False
        self._fail(batch, write_in_doubt(exc) if backend_pid is not None else as_coffer_error(exc))
        self._finish(batch, prepared.started)
        return False
    return True


def _drain(self: Sequencer) -> None:
    """Wait until every batch handed to the writer, or sent by the leader, is written."""
    self._settle_lead()
    with self._idle:
        while self._pipeline_busy:
            self._idle.wait()


def _reset_connection(self: Sequencer) -> None:
    store = self._writer_connection
    self._writer_connection = None
    if store is not None:
        store.rollback()
        with contextlib.suppress(Exception):
            store.connection.close()


def _writer_store(self: Sequencer) -> WriteStore:
    if self._writer_connection is None:
        self._writer_connection = self._store_factory()
    return self._writer_connection


def _reader_store(self: Sequencer) -> WriteStore:
    if self._reader_connection is None:
        self._reader_connection = self._store_factory()
    return self._reader_connection


def catch_up_balances(self: Sequencer) -> None:
    """Bring the ledger's balance rows up to its journal, for readers (see
    :meth:`WriteStore.catch_up`); on its own connection, one reader at a time."""
    reached = self._on_catch_up_store(WriteStore.catch_up)
    if reached > self._caught_up:
        self._caught_up = reached


def _on_catch_up_store(self: Sequencer, work: Callable[[WriteStore], _T]) -> _T:
    """``work`` on the catch-up connection, one at a time; once more on a new
    connection if the database dropped it."""
    with self._catch_up_lock:
        for attempt in range(2):
            store = self._catch_up_store
            if store is None:
                store = self._catch_up_store = self._store_factory()
            try:
                return work(store)
            except Exception as exc:
                self._catch_up_store = None
                store.rollback()
                with contextlib.suppress(Exception):
                    store.connection.close()
                if attempt or not driver_connection_lost(exc):
                    raise
        raise AssertionError("unreachable")


def _start_listing(self: Sequencer) -> None:
    """List the postings in a thread of its own when posting_lists_every transactions or more
    are unlisted: the caller returns at once, and the database does the work (on
    PostgreSQL while batches go on being written). At most one such thread."""
    with self._lock:
        if self._lister is not None or self._closing:
            return
        lister = self._lister = threading.Thread(
            target=self._list_due, name=f"coffer-lists-{self.ledger_name}", daemon=True
        )
    self._start(lister)


def _start(self: Sequencer, thread: threading.Thread) -> None:
    """Start a thread of the ledger's own with the CPUs its creator had (see submit)."""
    if self._home is None:
        thread.start()
    else:
        self._home.start(thread)


def _list_due(self: Sequencer) -> None:
    try:
        self.list_postings(due_only=True)
    except Exception as exc:  # the callers' transactions are committed: try again later
        log.warning("ledger %s: listing postings failed (retried later): %s", self.ledger_name, exc)
    finally:
        with self._lock:
            self._lister = None


def list_postings(self: Sequencer, *, due_only: bool = False) -> None:
    """Bring the posting lists up to the journal (see :meth:`WriteStore.list_postings`);
    ``due_only``: only when posting_lists_every transactions or more are unlisted. On the
    catch-up connection, one lister or catch-up at a time."""

    def work(store: WriteStore) -> int:
        # as far as any process listed (this one's figure may be behind)
        listed = store.listed_tx()
        if not due_only or self.next_tx - listed >= self._list_every:
            listed = store.list_postings()
        return listed

    self._listed_tx = self._on_catch_up_store(work)


def _reset_reader(self: Sequencer) -> None:
    """Close the connection requests read through (the next read opens another)."""
    self._apply_store = None
    reader = self._reader_connection
    self._reader_connection = None
    if reader is not None:
        with contextlib.suppress(Exception):
            reader.connection.close()
