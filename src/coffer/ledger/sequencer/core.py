"""The sequencer's queue and leadership: callers queue requests; the first to find no batch
running leads, takes the queue in chunks and processes each batch (applied in memory, then
written by the leader itself, the writer thread or, when contended, under the row lock).
The class gathers the methods its other modules define (see :mod:`coffer.ledger.sequencer`)."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from coffer.db.engine import driver_connection_lost
from coffer.errors import CofferError
from coffer.ledger import journal as J
from coffer.ledger.merkle import Frontier
from coffer.ledger.models import Transaction, from_micros
from coffer.ledger.pgpipe import PipelinedConnection
from coffer.ledger.requests import Request, Waiter
from coffer.ledger.sequencer import apply, operations, postgresql, recovery, state, writer
from coffer.ledger.sequencer.shared import (
    BUSY_SECONDS,
    MAX_RECONNECTS,
    OVERLAP_BATCHES,
    BalanceTuple,
    PendingHold,
    Pipeline,
    Prepared,
    as_coffer_error,
)
from coffer.ledger.store import Head, Writes, WriteStore
from coffer.ledger.validation import InputLimits
from coffer.runtime.cpupin import home_cpu

if TYPE_CHECKING:
    from coffer.ledger.service import LedgerRuntime


class Sequencer:
    """One ledger's writer in this process. Its methods are defined by concern in the
    modules named below (plain functions taking the sequencer as ``self``, set on the class
    as they are: a call costs what a method defined here would)."""

    # -- the in-memory state: coffer.ledger.sequencer.state ------------------------------------
    _apply_batch = state._apply_batch
    _prepare = state._prepare
    _balance_rows = state._balance_rows
    _new_keys = state._new_keys
    _remember_key = state._remember_key
    _reload = state._reload
    _forget_accounts = state._forget_accounts
    _track_hold = state._track_hold
    _prefetch = state._prefetch
    _load_accounts = state._load_accounts
    balance_of = state.balance_of
    account_metadata_of = state.account_metadata_of
    _precheck = state._precheck

    # -- applying transfers: coffer.ledger.sequencer.apply -------------------------------------
    _set = apply._set
    _rollback = apply._rollback
    _apply_one = apply._apply_one
    _apply = apply._apply
    _check_idempotency = apply._check_idempotency
    _entry = apply._entry
    _check_reference = apply._check_reference
    _touch_account = apply._touch_account
    _move = apply._move
    _release = apply._release
    _volumes = apply._volumes
    _new_transaction = apply._new_transaction
    _post = apply._post
    _post_plain = apply._post_plain
    _post_plain_postings = apply._post_plain_postings

    # -- applying other requests: coffer.ledger.sequencer.operations ---------------------------
    _hold = operations._hold
    _set_hold_status = operations._set_hold_status
    _finish_pending_hold = operations._finish_pending_hold
    _void_hold = operations._void_hold
    _post_hold = operations._post_hold
    _expire_due = operations._expire_due
    _revert = operations._revert
    _run = operations._run
    _hold_from_script = operations._hold_from_script
    _tx_metadata = operations._tx_metadata
    _transaction = operations._transaction
    _patch_new_transaction_row = operations._patch_new_transaction_row
    _account_metadata = operations._account_metadata
    _write_account_metadata = operations._write_account_metadata
    _overdraft = operations._overdraft
    _group = operations._group
    _checkpoint_if_due = operations._checkpoint_if_due

    # -- the write path (both backends, SQLite): coffer.ledger.sequencer.writer ----------------
    _writer = writer._writer
    _write_loop = writer._write_loop
    _after_write = writer._after_write
    _written = writer._written
    _done_writing = writer._done_writing
    _write_prepared = writer._write_prepared
    _write_or_requeue = writer._write_or_requeue
    _drain = writer._drain
    _reset_connection = writer._reset_connection
    _writer_store = writer._writer_store
    _reader_store = writer._reader_store
    catch_up_balances = writer.catch_up_balances
    _on_catch_up_store = writer._on_catch_up_store
    _start_listing = writer._start_listing
    _start = writer._start
    _list_due = writer._list_due
    list_postings = writer.list_postings
    _reset_reader = writer._reset_reader

    # -- PostgreSQL's write path: coffer.ledger.sequencer.postgresql ---------------------------
    _pipelined_write_loop = postgresql._pipelined_write_loop
    _open_pipe = postgresql._open_pipe
    _send = postgresql._send
    _settle_in_turn = postgresql._settle_in_turn
    _settle = postgresql._settle
    _leader_sends = postgresql._leader_sends
    _send_lead = postgresql._send_lead
    _settle_lead = postgresql._settle_lead
    _answer_lead = postgresql._answer_lead

    # -- recovery after a lost connection or a stale head: coffer.ledger.sequencer.recovery ----
    _lost_pipe = recovery._lost_pipe
    _after_lost = recovery._after_lost
    _settle_lost = recovery._settle_lost
    _tell_committed = recovery._tell_committed
    _run_synchronously = recovery._run_synchronously
    _attempt_locked = recovery._attempt_locked

    def __init__(self, runtime: LedgerRuntime, store_factory: Callable[[], WriteStore]) -> None:
        self.runtime = runtime
        self.ledger_name = runtime.name
        self._store_factory = store_factory
        self._writer_connection: WriteStore | None = None
        self._reader_connection: WriteStore | None = None
        self._apply_store: WriteStore | None = None
        self._lock = threading.Lock()
        self._queue: deque[Request] = deque()
        self._ticket = 0
        self._leading = False
        self._contended = 0
        self._overlapping = 0  # batches left that go to the writer thread whatever the queue
        self.batch_listeners: list[Callable[[int, float], None]] = []
        # Batches applied but not yet written (the writer thread writes them in order).
        tuning = runtime.settings
        self._pipeline_chunk = tuning.pipeline_chunk
        self._pg_in_flight = tuning.pg_in_flight
        self._lead_chunk = tuning.pg_lead_chunk
        self._gather_min = tuning.gather_min
        self._gather_wait = tuning.gather_wait
        self._lazy_batch = tuning.lazy_batch
        self._flush_postings = tuning.balance_flush_postings
        self._quiet_flush_rows = tuning.quiet_flush_rows
        self._list_every = tuning.posting_lists_every
        self.input_limits = InputLimits.of(tuning)  # what a Numscript program may write
        self._pipeline: queue.Queue[Prepared | None] = Pipeline(self, tuning.pipeline_depth)
        self._pipeline_busy = 0
        self._idle = threading.Condition()
        self._writer_thread: threading.Thread | None = None
        self._home = home_cpu(runtime.settings.home_cpu or "off")
        self._busy_until = 0.0
        # Statements the leader sent itself (see pg_lead_chunk), in order, on its connection.
        self._lead_pipe: PipelinedConnection | None = None
        self._lead_inflight: deque[Prepared] = deque()
        self._postgresql: bool | None = None  # the backend, once known
        self._wake_writer: int | None = None  # a pipe the pipelined writer waits on
        self._pipelined = False  # the writer keeps statements in flight (PostgreSQL)
        # The write the locked path is making: (sequence applied on, head it leaves).
        self._locked_write: tuple[int, Head] | None = None
        self.inflight_results: dict[int, tuple[Transaction, int]] = {}
        self.inflight_keys: dict[str, tuple[bytes, int, int | None, int]] = {}
        # In-memory state, valid while its epoch is current; a failed write bumps the epoch.
        self._epoch = 0
        self._state_epoch = -1
        self.seq = 0
        self.head = J.GENESIS_HASH
        self.next_tx = 0
        self.next_hold = 0
        self.frontier = Frontier()
        self.last_checkpoint = 0
        self.last_checkpoint_at = 0.0  # the clock's time of the last checkpoint (0: none)
        self.balances: dict[tuple[str, str], BalanceTuple] = {}
        # Balances changed by batches that did not write their rows (see lazy_batch): the
        # id after the last transaction that changed each.
        self.unflushed: dict[tuple[str, str], int] = {}
        self.unflushed_postings = 0
        # How far a reader's catch-up brought the rows (read by the leader, which then
        # drops the balances it covers from ``unflushed``).
        self._caught_up = 0
        self._catch_up_store: WriteStore | None = None
        self._catch_up_lock = threading.Lock()
        # How far the posting lists go, as last read or written here (None: to be read).
        self._listed_tx: int | None = None
        self._lister: threading.Thread | None = None  # the thread listing postings, if any
        self._closing = False
        self.loaded_accounts: set[str] = set()
        self.known_accounts: dict[str, None] = {}
        self.account_metadata: dict[str, dict[str, str]] = {}
        self.pending_holds: dict[int, PendingHold] = {}
        # Holds recently posted, voided or expired, possibly not yet written.
        self.finished_holds: dict[int, str] = {}
        self.expiries: list[tuple[int, int]] = []
        self.idempotency: OrderedDict[str, tuple[bytes, int, int | None]] = OrderedDict()
        # Per-batch scratch.
        self.writes = Writes()
        self.undo: list[tuple[dict[Any, Any], Any, Any]] = []
        self.batch_keys: dict[str, tuple[bytes, Request]] = {}
        self.batch_refs: dict[str, None] = {}
        self.batch_reverted: dict[int, None] = {}
        self.batch_results: dict[int, Transaction] = {}
        self.careful = False
        self.now = 0
        self.now_datetime = from_micros(0)

    def submit(self, requests: list[Request]) -> None:
        """Queue ``requests`` and return when all of them are done."""
        home = self._home
        if home is not None and self._busy():
            # Callers queue: they run on the home CPU until answered (coffer.runtime.cpupin).
            saved = home.enter()
            if saved is not None:
                try:
                    self._submit(requests)
                finally:
                    home.leave(saved)
                return
        self._submit(requests)

    def _busy(self) -> bool:
        """Whether callers queue on this ledger: now, or within the last BUSY_SECONDS."""
        now = time.monotonic()
        if self._leading or self._queue:
            self._busy_until = now + BUSY_SECONDS
            return True
        return now < self._busy_until

    def _submit(self, requests: list[Request]) -> None:
        waiter = Waiter(len(requests))
        with self._lock:
            for request in requests:
                request.waiter = waiter
                self._ticket += 1
                request.ticket = self._ticket
            self._queue.extend(requests)
            if not self._leading:
                self._leading = waiter.lead = True
        while True:
            if waiter.lead:
                waiter.lead = False
                self._lead(waiter)
                continue
            if waiter.pending == 0:
                break
            waiter.rearm()
            if waiter.pending == 0 and not waiter.lead:
                break
            waiter.wait()
        listed = self._listed_tx
        if (listed is None or self.next_tx - listed >= self._list_every) and self._lister is None:
            self._start_listing()

    def _lead(self, waiter: Waiter) -> None:
        """Apply queued batches until the queue is empty or our own requests are done."""
        # Large queues go in chunks so applying one overlaps writing the one before.
        limit = min(self.runtime.settings.max_batch_size, self._pipeline_chunk)
        if self._leader_sends():
            limit = min(limit, max(self._lead_chunk, self._lazy_batch))
        while True:
            if self._pipelined and self._pipeline_busy and len(self._queue) < self._gather_min:
                # Statements are in flight: a moment more gathers a fuller batch, where
                # PostgreSQL's fixed cost per statement (~0.6 ms) weighs less per transfer.
                with self._idle:
                    self._idle.wait_for(lambda: not self._pipeline_busy, timeout=self._gather_wait)
            if self._lead_inflight and (not self._queue or waiter.pending == 0):
                self._settle_lead()  # what this leader sent is answered before it hands over
                continue
            with self._lock:
                if not self._queue:
                    self._leading = False
                    return
                if waiter.pending == 0:
                    self._appoint(self._queue[0])
                    return
                batch: list[Request] = []
                size = 0
                while self._queue and size < limit:
                    request = self._queue.popleft()
                    batch.append(request)
                    size += max(1, len(request.children))
            self._process(batch)

    def _appoint(self, request: Request) -> None:
        """Make the caller waiting for ``request`` the next leader (lock held)."""
        successor = request.waiter
        assert successor is not None
        successor.lead = True
        successor.wake()

    def _requeue(self, batch: list[Request]) -> None:
        """Put requests of a batch that could not be written back, in arrival order."""
        with self._lock:
            merged = sorted([*batch, *self._queue], key=lambda r: r.ticket)
            self._queue = deque(merged)
            if not self._leading and self._queue:
                self._leading = True
                self._appoint(self._queue[0])

    def _apply_again(self, batch: list[Request], *, careful: bool = False) -> None:
        """Requeue a batch that wrote nothing, counting the attempt (``careful``: look its
        keys and references up in the database first)."""
        for request in batch:
            request.attempts += 1
            request.careful = request.careful or careful
        self._requeue(batch)

    def _complete(self, batch: list[Request]) -> None:
        for request in batch:
            waiter = request.waiter
            assert waiter is not None
            waiter.pending -= 1
            if waiter.pending == 0:
                waiter.wake()

    @property
    def queue_depth(self) -> int:
        return len(self._queue)

    def _process(self, batch: list[Request]) -> None:
        """Apply a batch and hand it to the writer, or run it start to end when contended."""
        started = time.perf_counter()
        retrying = any(r.attempts for r in batch)
        if self._contended > 0 or retrying:
            self._drain()
            careful = any(r.careful for r in batch)
            self._run_synchronously(batch, careful=careful)
            self._finish(batch, started)
            return
        # Nothing to overlap with: the leader writes the batch itself, which saves waking
        # the writer thread and publishing the batch's results to later batches.
        # Once a caller has had to wait for such a write, batches go to the writer thread
        # again for a while, so that concurrent callers' batches overlap.
        sending = bool(self._lead_inflight) or (
            len(batch) >= self._lazy_batch and not self._pipeline_busy and self._leader_sends()
        )
        direct = (
            not sending and not self._pipeline_busy and not self._queue and not self._overlapping
        )
        if self._overlapping and not sending:
            self._overlapping -= 1
        try:
            prepared = self._prepare(batch, started, publish=not direct)
        except Exception as exc:
            self._invalidate()
            if driver_connection_lost(exc):
                # The database restarted or dropped the reading connection. Nothing was
                # written yet: reconnect and apply the batch again (a few times at most).
                self._reset_reader()
                if max(r.attempts for r in batch) < MAX_RECONNECTS:
                    self._apply_again(batch)
                    return
            elif len(batch) > 1:
                # One request broke the batch (a bug or a value the database refuses):
                # apply the requests again one by one, so that only that one fails.
                self._apply_again(batch)
                return
            self._fail(batch, as_coffer_error(exc))
            self._finish(batch, started)
            return
        if prepared is None:  # the state was invalidated while applying: apply again
            self._requeue(batch)
            return
        if sending:
            self._send_lead(prepared)
            return
        if direct:
            with self._idle:
                self._pipeline_busy += 1
            try:
                self._write_prepared(prepared)
            finally:
                with self._idle:
                    self._pipeline_busy -= 1
                    self._idle.notify_all()
            if self._queue:
                self._overlapping = OVERLAP_BATCHES
            return
        self._writer().put(prepared)

    def _finish(self, batch: list[Request], started: float) -> None:
        self._complete(batch)
        elapsed = time.perf_counter() - started
        for listener in self.batch_listeners:
            listener(len(batch), elapsed)

    def _invalidate(self) -> None:
        """Drop the in-memory state (the next batch reloads it from the database)."""
        with self._lock:
            self._epoch += 1
        self.idempotency.clear()

    @property
    def valid(self) -> bool:
        return self._state_epoch == self._epoch

    def close(self) -> None:
        with self._lock:
            self._closing = True
            lister = self._lister
        if lister is not None:
            lister.join(timeout=60)
        self._drain()
        thread = self._writer_thread
        if thread is not None:
            self._pipeline.put(None)
            thread.join(timeout=10)
            self._writer_thread = None
        self._reset_connection()
        self._reset_reader()
        pipe, self._lead_pipe = self._lead_pipe, None
        if pipe is not None:
            with contextlib.suppress(Exception):
                pipe.close()
        with self._catch_up_lock:
            store, self._catch_up_store = self._catch_up_store, None
        if store is not None:
            with contextlib.suppress(Exception):
                store.connection.close()

    def _fail(self, batch: list[Request], error: CofferError) -> None:
        for request in batch:
            request.result = None
            request.error = error
            for child in request.children:
                child.result = None
                child.error = error

    @property
    def store(self) -> WriteStore:
        """The connection requests read through while they are applied."""
        return self._apply_store or self._reader_store()
