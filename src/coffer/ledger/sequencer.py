"""The sequencer: one writer per ledger per process, committing requests in batches.

Callers queue requests and wait. The first caller to find no batch running becomes the
leader: it takes everything queued (up to ``max_batch_size``), applies it in order to the
balances it keeps in memory, writes the batch in one database transaction, wakes the
callers, and hands leadership to a waiting caller once its own requests are done. Requests
that arrive while a batch is being written form the next batch (group commit).

Several processes may write one ledger: each batch is guarded by the ledger's journal head
(``next_seq``). If another process moved it, the in-memory state is dropped, reloaded
under the ledger's row lock, and the batch is applied again.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import json
import logging
import os
import queue
import select
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from coffer.db.engine import Backend, driver_connection_lost
from coffer.errors import (
    Aborted,
    AlreadyReverted,
    CofferError,
    DatabaseUnavailable,
    DuplicateReference,
    HoldNotFound,
    HoldStateError,
    IdempotencyConflict,
    InsufficientFunds,
    MetadataOverride,
    NoPostings,
    TransactionNotFound,
    ValidationError,
    WriteInDoubt,
)
from coffer.ledger import journal as J
from coffer.ledger.merkle import Frontier
from coffer.ledger.models import (
    DryRun,
    Hold,
    Posting,
    Transaction,
    from_micros,
    now_micros,
    to_micros,
)
from coffer.ledger.pgpipe import Answer, PipelinedConnection
from coffer.ledger.requests import Op, Request, Waiter
from coffer.ledger.signing import Signer, checkpoint_message
from coffer.ledger.store import (
    Head,
    StaleHead,
    UniqueViolation,
    Writes,
    WriteStore,
    empty_balance,
)
from coffer.money import ACCOUNT_PATTERN
from coffer.runtime.cpupin import home_cpu

if TYPE_CHECKING:
    from coffer.ledger.service import LedgerRuntime

BalanceTuple = tuple[int, int, int, int, int | None]  # input, output, pending in, out, overdraft
_MISSING: Any = object()
IDEMPOTENCY_CACHE_SIZE = 100_000
BALANCE_CACHE_SIZE = 1_000_000
CONTENDED_BATCHES = 50  # batches run under the row lock after another process wrote
OVERLAP_BATCHES = 50  # batches handed to the writer thread after a caller waited on a write
MAX_ATTEMPTS = 20
MAX_RECONNECTS = 3  # a batch whose reads lost the connection is applied again this often
# After the writer's connection is lost: how long to wait for its server process to end
# before telling which batches it committed (longer: they fail as in doubt).
LOST_WRITE_TIMEOUT = 2.0
# ... and how long to keep trying to reach the database to tell it (a restart, a failover).
SETTLE_TIMEOUT = 10.0
SETTLE_RETRY_PAUSE = 0.05
FINISHED_HOLDS_KEPT = 100_000
# Tuning read from Settings when a sequencer is made (coffer.settings: pipeline_depth,
# pipeline_chunk, pg_in_flight, pg_lead_chunk, gather_min, gather_wait, lazy_batch,
# balance_flush_postings, quiet_flush_rows, posting_lists_every; docs/settings.md).
# Balance rows under load: a batch of at least lazy_batch requests (a post_many) leaves its
# balance rows unwritten (readers and other processes add the postings since
# ``ledgers.balances_tx``, see WriteStore.catch_up) until balance_flush_postings postings
# have gone unwritten to them; the batch that reaches it writes them all. Smaller batches
# (many callers of post()) write theirs: their readers (wallet limits, say) would otherwise
# pay a catch-up, which costs more than the rows (docs/performance.md). A small batch
# writes the rows left to later while there are at most quiet_flush_rows; beyond, they
# wait, so that small batches between large ones do not write them every few batches.
# Callers that found this ledger busy (see submit) make the next BUSY_SECONDS' callers go
# to the home CPU too: 64 threads calling post() then all stay there, instead of the one
# that finds the queue empty now and then leaving it.
BUSY_SECONDS = 0.5

log = logging.getLogger(__name__)
_T = TypeVar("_T")


class _PendingHold:
    __slots__ = ("expires_at", "id", "postings")

    def __init__(self, hold_id: int, postings: list[Posting], expires_at: int | None) -> None:
        self.id = hold_id
        self.postings = postings
        self.expires_at = expires_at


class _Savepoint:
    __slots__ = ("head", "lengths", "next_hold", "next_tx", "seq", "undo")

    def __init__(self, engine: Sequencer) -> None:
        writes = engine.writes
        self.lengths = (
            len(writes.transactions),
            len(writes.postings),
            len(writes.journal),
            len(writes.holds),
        )
        self.undo = len(engine.undo)
        self.seq = engine.seq
        self.head = engine.head
        self.next_tx = engine.next_tx
        self.next_hold = engine.next_hold


class _Prepared:
    """A batch applied in memory, waiting for the writer."""

    __slots__ = (
        "balance_rows",
        "balances_tx",
        "batch",
        "counted",
        "epoch",
        "expected_hash",
        "expected_seq",
        "head",
        "keys",
        "now",
        "results",
        "started",
        "unsent",
        "writes",
    )

    def __init__(
        self,
        batch: list[Request],
        writes: Writes,
        balance_rows: list[tuple[Any, ...]],
        balances_tx: int | None,
        expected_seq: int,
        expected_hash: bytes,
        head: Head,
        now: int,
        epoch: int,
        results: list[tuple[int, tuple[Transaction, int]]],
        keys: list[tuple[str, bytes, int, int | None]],
        started: float,
    ) -> None:
        # held by the pipelined writer with no statement (nothing to write), answered in turn
        self.unsent = False
        # counted in the pipeline's ``_pipeline_busy`` (False: the leader sent it itself)
        self.counted = True
        self.expected_hash = expected_hash  # the head hash the batch was applied on
        self.batch = batch
        self.writes = writes
        self.balance_rows = balance_rows
        self.balances_tx = balances_tx
        self.expected_seq = expected_seq
        self.head = head
        self.now = now
        self.epoch = epoch
        self.results = results
        self.keys = keys
        self.started = started


class _Pipeline(queue.Queue["_Prepared | None"]):
    """A bounded queue that counts what it holds until the writer has written it."""

    def __init__(self, owner: Sequencer, depth: int) -> None:
        super().__init__(maxsize=depth)
        self._owner = owner

    def put(self, item: _Prepared | None, block: bool = True, timeout: float | None = None) -> None:
        with self._owner._idle:
            self._owner._pipeline_busy += 1
        super().put(item, block, timeout)
        wake = self._owner._wake_writer
        if wake is not None:
            os.write(wake, b"x")


def _in_doubt(exc: BaseException) -> CofferError:
    """The error of a batch whose write may or may not have committed."""
    return WriteInDoubt(
        "the connection to the database was lost while this request was being written, and"
        " whether it committed could not be told; retry it with the same idempotency key"
        f" to find out ({exc})"
    )


def _as_error(exc: BaseException) -> CofferError:
    if isinstance(exc, CofferError):
        return exc
    if driver_connection_lost(exc):
        return DatabaseUnavailable(f"the database could not be reached; retry later ({exc})")
    return CofferError(f"the ledger could not write this batch: {exc}")


class _ScriptStore:
    """The read-only view a Numscript program gets: balances as they are in the batch."""

    def __init__(self, engine: Sequencer) -> None:
        self._engine = engine

    def balance(self, account: str, asset: str) -> int:
        b = self._engine.balance_of(account, asset)
        return b[0] - b[1] - b[3]

    def account_metadata(self, account: str, key: str) -> str | None:
        return self._engine.account_metadata_of(account).get(key)


class Sequencer:
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
        self._pipeline: queue.Queue[_Prepared | None] = _Pipeline(self, tuning.pipeline_depth)
        self._pipeline_busy = 0
        self._idle = threading.Condition()
        self._writer_thread: threading.Thread | None = None
        self._home = home_cpu(runtime.settings.home_cpu or "off")
        self._busy_until = 0.0
        # Statements the leader sent itself (see pg_lead_chunk), in order, on its connection.
        self._lead_pipe: PipelinedConnection | None = None
        self._lead_inflight: deque[_Prepared] = deque()
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
        self.pending_holds: dict[int, _PendingHold] = {}
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

    # -- queueing ---------------------------------------------------------------------

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

    # -- one batch ----------------------------------------------------------------------

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
            self._fail(batch, _as_error(exc))
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

    def _prepare(
        self, batch: list[Request], started: float, *, publish: bool = True
    ) -> _Prepared | None:
        """Apply ``batch`` optimistically (no lock held): the write checks the head.

        ``publish``: let later batches find its results and keys before it is written.
        """
        epoch = self._epoch
        self._apply_store = self._reader_store()
        if not self.valid:
            self._reload(self._apply_store.read_head(), epoch)
        expected_seq = self.seq
        expected_hash = self.head
        self._apply_batch(batch, careful=False)
        if epoch != self._epoch:
            return None
        head = Head(self.seq, self.head, self.next_tx, self.next_hold)
        rows, balances_tx = self._balance_rows(len(batch))
        keys = self._new_keys()
        results: list[tuple[int, tuple[Transaction, int]]] = []
        if publish:
            # Until written, later batches find these here (tagged: a dropped batch's are
            # ignored).
            results = [(tx_id, (tx, epoch)) for tx_id, tx in self.batch_results.items()]
            self.inflight_results.update(results)
            self.inflight_keys.update(
                (key, (digest, kind, ref_id, epoch)) for key, digest, kind, ref_id in keys
            )
        return _Prepared(
            batch,
            self.writes,
            rows,
            balances_tx,
            expected_seq,
            expected_hash,
            head,
            self.now,
            epoch,
            results,
            keys,
            started,
        )

    def _balance_rows(self, requests: int) -> tuple[list[tuple[Any, ...]], int | None]:
        """The balance rows a batch of ``requests`` writes, and the transaction id they bring
        the rows up to (None: they lag, and the batch writes none)."""
        writes = self.writes
        dirty = writes.balances
        if writes.empty():  # the batch writes nothing (nor do the rows left to later)
            return [], None
        unflushed = self.unflushed
        caught_up = self._caught_up
        if unflushed and caught_up:
            # A reader's catch-up wrote the rows of balances last changed before it.
            self._caught_up = 0
            unflushed = self.unflushed = {k: end for k, end in unflushed.items() if end > caught_up}
            if not unflushed:
                self.unflushed_postings = 0
        postings = self.unflushed_postings + len(writes.postings)
        if (
            not writes.eager
            and postings < self._flush_postings
            and (requests >= self._lazy_batch or len(unflushed) > self._quiet_flush_rows)
        ):
            unflushed.update(dict.fromkeys(dirty, self.next_tx))
            self.unflushed_postings = postings
            return [], None
        keys: Any = dirty
        if unflushed:
            unflushed.update(dict.fromkeys(dirty, 0))
            keys = unflushed
            self.unflushed = {}
            self.unflushed_postings = 0
        balances = self.balances
        return [(a, s, *balances[(a, s)]) for a, s in keys], self.next_tx

    def _new_keys(self) -> list[tuple[str, bytes, int, int | None]]:
        keys: list[tuple[str, bytes, int, int | None]] = []
        for key, (digest, request) in self.batch_keys.items():
            if request.error is not None:
                continue
            if isinstance(request.result, Transaction):
                keys.append((key, digest, J.TX, request.result.id))
            elif isinstance(request.result, Hold):
                keys.append((key, digest, J.HOLD, request.result.id))
            else:  # metadata and overdraft changes: a replay answers without a result
                keys.append((key, digest, 0, None))
        return keys

    # -- the writer ---------------------------------------------------------------------

    def _writer(self) -> queue.Queue[_Prepared | None]:
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

    def _write_loop(self) -> None:
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

    def _pipelined_write_loop(self) -> None:
        """The writer on PostgreSQL: up to pg_in_flight batch statements in flight on its
        own connection, answered in order (see :mod:`coffer.ledger.pgpipe`)."""
        if self._home is not None:
            # It wakes the callers at every batch: on their CPU while they queue.
            self._home.stay()
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        self._wake_writer = wake_w
        pipe: PipelinedConnection | None = None
        inflight: deque[_Prepared] = deque()  # sent (or with nothing to send), in order
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

    def _open_pipe(self) -> PipelinedConnection:
        return PipelinedConnection(self._store_factory().connection)

    def _send(
        self, pipe: PipelinedConnection, prepared: _Prepared, inflight: deque[_Prepared]
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
        sql, params = store.postgresql_statement(
            prepared.writes,
            prepared.balance_rows,
            prepared.expected_seq,
            prepared.head,
            prepared.now,
            # A batch sent while the one before it is in flight must not land on another
            # process's entries of the same length: the hash tells them apart.
            expected_hash=prepared.expected_hash,
            balances_tx=prepared.balances_tx,
        )
        pipe.send(sql, params)
        inflight.append(prepared)

    def _settle_in_turn(self, inflight: deque[_Prepared], answers: Sequence[Answer]) -> None:
        """Act on ``answers``, those of the statements first in ``inflight``, in order, and on
        the batches with nothing to write before and after each (answered in turn)."""
        while inflight and inflight[0].unsent:
            self._settle(inflight.popleft(), None)
        for answer in answers:
            self._settle(inflight.popleft(), answer)
            while inflight and inflight[0].unsent:
                self._settle(inflight.popleft(), None)

    def _settle(self, prepared: _Prepared, answer: Answer | None) -> None:
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
            else:
                self._invalidate()
                self._fail(
                    prepared.batch,
                    CofferError(f"the ledger could not write this batch: {answer.message}"),
                )
                self._finish(prepared.batch, prepared.started)
        finally:
            self._after_write(prepared, written=written)

    def _lost_pipe(
        self, pipe: PipelinedConnection | None, inflight: deque[_Prepared], exc: BaseException
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
        committed = {
            id(prepared): verdict for prepared, verdict in zip(sent, verdicts, strict=True)
        }
        while inflight:
            prepared = inflight.popleft()
            self._after_lost(prepared, committed.get(id(prepared)), exc)

    def _after_lost(self, prepared: _Prepared, committed: bool | None, exc: BaseException) -> None:
        """Answer or requeue a batch whose connection was lost: ``committed`` is what the
        journal says it did (None: it may have, and only the caller can tell)."""
        if committed:
            self._after_write(prepared, written=True)
            return
        if committed is False or prepared.unsent:  # wrote nothing: apply it again
            self._apply_again(prepared.batch)
        else:
            self._fail(prepared.batch, _in_doubt(exc))
            self._finish(prepared.batch, prepared.started)
        self._after_write(prepared, written=False)

    def _settle_lost(
        self, backend_pid: int | None, writes: list[tuple[int, Head]]
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
        self, backend_pid: int, writes: list[tuple[int, Head]]
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

    def _after_write(self, prepared: _Prepared, *, written: bool) -> None:
        """What follows a batch's write (or its abandonment), then the pipeline's count."""
        try:
            self._written(prepared, written=written)
        finally:
            if prepared.counted:
                self._done_writing()

    def _written(self, prepared: _Prepared, *, written: bool) -> None:
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

    def _done_writing(self) -> None:
        with self._idle:
            self._pipeline_busy -= 1
            self._idle.notify_all()

    def _write_prepared(self, prepared: _Prepared) -> None:
        written = False
        try:
            written = self._write_or_requeue(prepared)
        finally:
            self._written(prepared, written=written)

    def _write_or_requeue(self, prepared: _Prepared) -> bool:
        """Write a prepared batch: True when it committed, else it was requeued or failed."""
        batch = prepared.batch
        if prepared.epoch != self._epoch:
            # Applied on top of a batch that failed: apply it again.
            self._apply_again(batch)
            return False
        store = self._writer_store()
        try:
            if prepared.head.next_seq != prepared.expected_seq or not prepared.writes.empty():
                store.write(
                    prepared.writes,
                    prepared.balance_rows,
                    prepared.expected_seq,
                    prepared.head,
                    prepared.now,
                    prepared.balances_tx,
                )
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
            if committed is False:  # wrote nothing: apply it again
                self._apply_again(batch)
                return False
            self._fail(batch, _in_doubt(exc) if backend_pid is not None else _as_error(exc))
            self._finish(batch, prepared.started)
            return False
        return True

    def _drain(self) -> None:
        """Wait until every batch handed to the writer, or sent by the leader, is written."""
        self._settle_lead()
        with self._idle:
            while self._pipeline_busy:
                self._idle.wait()

    # -- large batches on PostgreSQL: the leader sends their statements itself -----------

    def _leader_sends(self) -> bool:
        """Whether the leader sends large batches' statements itself (see pg_lead_chunk)."""
        if self._lead_chunk <= 0 or self._pg_in_flight <= 0:
            return False
        if self._postgresql is None:
            self._postgresql = self._reader_store().backend is Backend.POSTGRESQL
        return self._postgresql

    def _send_lead(self, prepared: _Prepared) -> None:
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

    def _settle_lead(self) -> None:
        """Wait for every statement the leader sent, and act on the answers."""
        self._answer_lead(wait_until=0)

    def _answer_lead(self, *, wait_until: int) -> None:
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

    # -- contended or retried batches: lock, apply, write, in one go --------------------

    def _run_synchronously(self, batch: list[Request], *, careful: bool) -> None:
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
                        False
                        if unfinished is None
                        else self._settle_lost(backend_pid, [unfinished])[0]
                    )
                    if committed:
                        return
                    if committed is False:
                        continue
                in_doubt = lost and unfinished is not None
                self._fail(batch, _in_doubt(exc) if in_doubt else _as_error(exc))
                if not isinstance(exc, Exception):
                    raise
            else:
                if self._contended:
                    self._contended -= 1
            return

    def _attempt_locked(self, batch: list[Request], *, careful: bool) -> None:
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
                store.write(self.writes, rows, expected_seq, head, self.now, balances_tx)
            else:
                # Nothing to write, but a reload may have caught the balance rows up in
                # this transaction: keep that (the state applied next relies on it).
                store.commit()
        except BaseException:
            store.rollback()
            raise
        for key, digest, kind, ref_id in self._new_keys():
            self._remember_key(key, digest, kind, ref_id)

    def _apply_batch(self, batch: list[Request], *, careful: bool) -> None:
        """Apply every request of ``batch`` to the in-memory state; collect its writes."""
        self.careful = careful
        self.writes = Writes()
        self.undo = []
        self.batch_keys = {}
        self.batch_refs = {}
        self.batch_reverted = {}
        self.batch_results = {}
        self.now = now_micros()
        self.now_datetime = from_micros(self.now)
        if len(self.balances) > BALANCE_CACHE_SIZE:
            # Batches still being written hold balances the database does not have yet,
            # and rows that lag do not have the unflushed ones: those accounts stay.
            self._drain()
            self._forget_accounts(keep={account for account, _ in self.unflushed})
        collecting = gc.isenabled()
        # A batch allocates many short-lived objects; collecting once per batch, not every
        # few hundred allocations, is much cheaper and other threads are waiting anyway.
        gc.disable()
        try:
            self._prefetch(batch)
            if careful:
                self._precheck(batch)
            self._expire_due()
            for request in batch:
                request.result = None
                request.error = None
                self._apply_one(request)
            self.frontier.append_leaves([row[5] for row in self.writes.journal])
            self._checkpoint_if_due(force=any(r.op is Op.CHECKPOINT for r in batch))
        except BaseException:
            self._invalidate()
            raise
        finally:
            if collecting:
                gc.enable()

    def _fail(self, batch: list[Request], error: CofferError) -> None:
        for request in batch:
            request.result = None
            request.error = error
            for child in request.children:
                child.result = None
                child.error = error

    def _reset_connection(self) -> None:
        store = self._writer_connection
        self._writer_connection = None
        if store is not None:
            store.rollback()
            with contextlib.suppress(Exception):
                store.connection.close()

    def _writer_store(self) -> WriteStore:
        if self._writer_connection is None:
            self._writer_connection = self._store_factory()
        return self._writer_connection

    def _reader_store(self) -> WriteStore:
        if self._reader_connection is None:
            self._reader_connection = self._store_factory()
        return self._reader_connection

    @property
    def store(self) -> WriteStore:
        """The connection requests read through while they are applied."""
        return self._apply_store or self._reader_store()

    def catch_up_balances(self) -> None:
        """Bring the ledger's balance rows up to its journal, for readers (see
        :meth:`WriteStore.catch_up`); on its own connection, one reader at a time."""
        reached = self._on_catch_up_store(WriteStore.catch_up)
        if reached > self._caught_up:
            self._caught_up = reached

    def _on_catch_up_store(self, work: Callable[[WriteStore], _T]) -> _T:
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

    def _start_listing(self) -> None:
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

    def _start(self, thread: threading.Thread) -> None:
        """Start a thread of the ledger's own with the CPUs its creator had (see submit)."""
        if self._home is None:
            thread.start()
        else:
            self._home.start(thread)

    def _list_due(self) -> None:
        try:
            self.list_postings(due_only=True)
        except Exception as exc:  # the callers' transactions are committed: try again later
            log.warning(
                "ledger %s: listing postings failed (retried later): %s", self.ledger_name, exc
            )
        finally:
            with self._lock:
                self._lister = None

    def list_postings(self, *, due_only: bool = False) -> None:
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

    def _reset_reader(self) -> None:
        """Close the connection requests read through (the next read opens another)."""
        self._apply_store = None
        reader = self._reader_connection
        self._reader_connection = None
        if reader is not None:
            with contextlib.suppress(Exception):
                reader.connection.close()

    def _remember_key(self, key: str, digest: bytes, kind: int, ref_id: int | None) -> None:
        self.idempotency[key] = (digest, kind, ref_id)
        if len(self.idempotency) > IDEMPOTENCY_CACHE_SIZE:
            self.idempotency.popitem(last=False)

    # -- state loading ----------------------------------------------------------------

    def _reload(self, head: Head, epoch: int) -> None:
        store = self.store
        # Balance rows may lag the journal (this process's unflushed batches before the
        # failure, or another process's): bring them up to at least ``head`` first. If
        # another process wrote since, the batch fails on the head and reloads again.
        self.unflushed = {}
        self.unflushed_postings = 0
        self._caught_up = 0
        if store.in_transaction or store.balances_lag():
            store.catch_up()
        self.seq = head.next_seq
        self.head = head.head_hash
        self.next_tx = head.next_tx_id
        self.next_hold = head.next_hold_id
        self._forget_accounts()
        lid = self.runtime.ledger_id
        rows = store.query(
            "SELECT tree_size, frontier FROM checkpoints WHERE ledger_id = ?"
            " ORDER BY tree_size DESC LIMIT 1",
            (lid,),
        )
        if rows:
            self.frontier = Frontier.from_bytes(int(rows[0][0]), bytes(rows[0][1]))
        else:
            self.frontier = Frontier()
        self.last_checkpoint = self.frontier.size
        rows = store.query(
            "SELECT hash FROM journal WHERE ledger_id = ? AND seq >= ? ORDER BY seq",
            (lid, self.frontier.size),
        )
        self.frontier.append_leaves([bytes(entry_hash) for (entry_hash,) in rows])
        self.pending_holds = {}
        self.expiries = []
        for hold_id, postings_text, expires_at in store.query(
            "SELECT id, postings, expires_at FROM holds WHERE ledger_id = ? AND status = 'pending'",
            (lid,),
        ):
            postings = [Posting(*p) for p in J.decode_postings(postings_text)]
            self._track_hold(_PendingHold(int(hold_id), postings, expires_at))
        self._state_epoch = epoch

    def _forget_accounts(self, keep: set[str] | None = None) -> None:
        """Drop the cached accounts (but those in ``keep``: all their balances stay)."""
        if keep:
            self.balances = {k: v for k, v in self.balances.items() if k[0] in keep}
            self.loaded_accounts &= keep
            self.known_accounts = {a: None for a in self.known_accounts if a in keep}
        else:
            self.balances = {}
            self.loaded_accounts = set()
            self.known_accounts = {}
        self.account_metadata = {}

    def _track_hold(self, hold: _PendingHold) -> None:
        self.pending_holds[hold.id] = hold
        if hold.expires_at is not None:
            heapq.heappush(self.expiries, (hold.expires_at, hold.id))
            self.runtime.note_expiry(hold.expires_at)

    def _prefetch(self, batch: list[Request]) -> None:
        wanted: dict[str, None] = {}
        loaded = self.loaded_accounts

        def want(postings: Any) -> None:
            for s, d, _, _asset in postings:
                if s not in loaded:
                    wanted[s] = None
                if d not in loaded:
                    wanted[d] = None

        for request in batch:
            for s, d, _, _asset in request.postings:
                if s not in loaded:
                    wanted[s] = None
                if d not in loaded:
                    wanted[d] = None
            if request.op is Op.POST and not request.children:
                continue  # a transfer: its accounts are all in its postings
            for child in request.children:
                want(child.postings)
            if request.variables:
                # a script's accounts mostly come in its variables: load them with the rest
                for value in request.variables.values():
                    if value not in loaded and ACCOUNT_PATTERN.match(value):
                        wanted[value] = None
            if request.op in (Op.POST_HOLD, Op.VOID_HOLD) and request.target_id is not None:
                hold = self.pending_holds.get(request.target_id)
                if hold is not None:
                    want(hold.postings)
        if wanted:
            self._load_accounts(list(wanted))

    def _load_accounts(self, accounts: list[str]) -> None:
        balances = self.balances
        for account in accounts:
            self.known_accounts.pop(account, None)
        for account, asset, inp, out, pin, pout, overdraft in self.store.load_balances(accounts):
            balances[(account, asset)] = (inp, out, pin, pout, overdraft)
            self.known_accounts[account] = None
        # Accounts may exist (metadata only) without balances.
        for start in range(0, len(accounts), 500):
            chunk = accounts[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for (address,) in self.store.query(
                f"SELECT address FROM accounts WHERE ledger_id = ? AND address IN ({marks})",
                (self.runtime.ledger_id, *chunk),
            ):
                self.known_accounts[address] = None
        self.loaded_accounts.update(accounts)

    def balance_of(self, account: str, asset: str) -> BalanceTuple:
        key = (account, asset)
        b = self.balances.get(key)
        if b is not None:
            return b
        if account not in self.loaded_accounts:
            self._load_accounts([account])
            b = self.balances.get(key)
            if b is not None:
                return b
        return empty_balance(account)

    def account_metadata_of(self, account: str) -> dict[str, str]:
        meta = self.account_metadata.get(account)
        if meta is None:
            rows = self.store.query(
                "SELECT metadata FROM accounts WHERE ledger_id = ? AND address = ?",
                (self.runtime.ledger_id, account),
            )
            meta = _load_json(rows[0][0]) if rows else {}
            self.account_metadata[account] = meta
        return meta

    def _precheck(self, batch: list[Request]) -> None:
        """Careful mode: look up every key and reference of the batch in the database."""
        lid = self.runtime.ledger_id
        for request in self._flatten(batch):
            key = request.idempotency_key
            if key and key not in self.idempotency:
                rows = self.store.query(
                    "SELECT idempotency_hash, kind, ref_id FROM journal WHERE ledger_id = ?"
                    " AND idempotency_key = ?",
                    (lid, key),
                )
                if rows:
                    digest, kind, ref_id = rows[0]
                    self._remember_key(
                        key, bytes(digest), int(kind), None if ref_id is None else int(ref_id)
                    )

    @staticmethod
    def _flatten(batch: list[Request]) -> list[Request]:
        out: list[Request] = []
        for request in batch:
            out.append(request)
            out.extend(request.children)
        return out

    # -- applying requests ----------------------------------------------------------

    def _set(self, container: dict[Any, Any], key: Any, value: Any) -> None:
        self.undo.append((container, key, container.get(key, _MISSING)))
        container[key] = value

    def _rollback(self, savepoint: _Savepoint) -> None:
        undo = self.undo
        while len(undo) > savepoint.undo:
            container, key, old = undo.pop()
            if old is _MISSING:
                container.pop(key, None)
            else:
                container[key] = old
        writes = self.writes
        t, p, j, h = savepoint.lengths
        del writes.transactions[t:]
        del writes.postings[p:]
        del writes.journal[j:]
        del writes.holds[h:]
        self.seq = savepoint.seq
        self.head = savepoint.head
        self.next_tx = savepoint.next_tx
        self.next_hold = savepoint.next_hold

    def _apply_one(self, request: Request) -> None:
        if (
            request.op is Op.POST
            and request.idempotency_key is None
            and request.reference is None
            and request.overdrafts is None
            and not request.dry_run
        ):
            # The common case needs no savepoint: every check comes before any change.
            try:
                request.result = self._post_plain(request)
            except CofferError as error:
                request.error = error
                request.result = None
            except Exception as exc:
                if not self.valid:
                    raise  # failed half applied: the whole batch fails
                request.error = CofferError(f"internal error while applying the request: {exc!r}")
                request.result = None
            return
        savepoint = _Savepoint(self)
        try:
            request.result = self._apply(request)
        except CofferError as error:
            self._rollback(savepoint)
            request.error = error
            request.result = None
            return
        except Exception as exc:  # a bug in one request must not sink the batch
            self._rollback(savepoint)
            request.error = CofferError(f"internal error while applying the request: {exc!r}")
            request.result = None
            return
        if request.dry_run:
            self._rollback(savepoint)
        else:
            del self.undo[savepoint.undo :]  # applied for good: nothing left to undo

    def _apply(self, request: Request) -> Any:
        op = request.op
        key = request.idempotency_key
        if key is not None:
            seen, first = self._check_idempotency(request, key)
            if seen:
                return first
        if op is Op.POST:
            result: Any = self._post(request, list(request.postings), check=True)
        elif op is Op.HOLD:
            result = self._hold(request, list(request.postings), check=True)
        elif op is Op.POST_HOLD:
            result = self._post_hold(request)
        elif op is Op.VOID_HOLD:
            result = self._void_hold(request.target_id, J.HOLD_VOID, request)
        elif op is Op.REVERT:
            result = self._revert(request)
        elif op is Op.RUN:
            result = self._run(request)
        elif op in (Op.TX_METADATA, Op.TX_METADATA_DELETE):
            result = self._tx_metadata(request)
        elif op in (Op.ACCOUNT_METADATA, Op.ACCOUNT_METADATA_DELETE):
            result = self._account_metadata(request)
        elif op is Op.OVERDRAFT:
            result = self._overdraft(request)
        elif op is Op.GROUP:
            result = self._group(request)
        else:
            result = None
        if key is not None and request.request_hash is not None and not request.dry_run:
            self._set(self.batch_keys, key, (request.request_hash, request))
        return result

    def _check_idempotency(self, request: Request, key: str) -> tuple[bool, Any]:
        """(True, first result) when ``key`` was used for this same request before."""
        digest = request.request_hash
        in_batch = self.batch_keys.get(key)
        if in_batch is not None:
            if in_batch[0] != digest:
                raise IdempotencyConflict(
                    f"idempotency key {key!r} was already used for a different request"
                )
            return True, in_batch[1].result
        seen: tuple[bytes, int, int | None] | None = None
        pending = self.inflight_keys.get(key)
        if pending is not None and pending[3] == self._state_epoch:
            seen = pending[:3]
        if seen is None:
            seen = self.idempotency.get(key)
        if seen is None:
            return False, None
        if seen[0] != digest:
            raise IdempotencyConflict(
                f"idempotency key {key!r} was already used for a different request"
            )
        kind, ref_id = seen[1], seen[2]
        if ref_id is not None and kind == J.TX:
            return True, self._transaction(ref_id)
        if ref_id is not None and kind in (J.HOLD, J.HOLD_VOID, J.HOLD_EXPIRE):
            return True, self.runtime.read_hold(ref_id, connection=self.store)
        return True, None  # a metadata or overdraft change: done already

    def _entry(
        self,
        kind: int,
        ref_id: int | None,
        body: str,
        payload: str,
        request: Request | None,
    ) -> int:
        seq = self.seq
        digest = J.entry_hash(self.head, seq, kind, ref_id, self.now, body)
        key = request.idempotency_key if request is not None else None
        self.writes.journal.append(
            (
                seq,
                kind,
                ref_id,
                payload,
                self.now,
                digest,
                key,
                request.request_hash if key is not None and request is not None else None,
            )
        )
        self.head = digest
        self.seq = seq + 1
        return seq

    def _check_reference(self, reference: str | None) -> None:
        if reference is None:
            return
        if reference in self.batch_refs:
            raise DuplicateReference(f"reference {reference!r} is already used in this ledger")
        if self.careful:
            rows = self.store.query(
                "SELECT 1 FROM transactions WHERE ledger_id = ? AND reference = ?"
                " UNION ALL SELECT 1 FROM holds WHERE ledger_id = ? AND reference = ?",
                (self.runtime.ledger_id, reference, self.runtime.ledger_id, reference),
            )
            if rows:
                raise DuplicateReference(f"reference {reference!r} is already used in this ledger")
        self._set(self.batch_refs, reference, None)

    def _touch_account(self, account: str, timestamp: int) -> None:
        if account not in self.known_accounts:
            self._set(self.known_accounts, account, None)
            self._set(self.writes.new_accounts, account, timestamp)

    def _move(
        self,
        postings: list[Posting],
        overdrafts: dict[str, int | None] | None,
        *,
        check: bool,
        pending: bool,
        timestamp: int,
    ) -> None:
        """Apply postings to balances (posted or pending), checking floors if asked."""
        balances = self.balances
        dirty = self.writes.balances
        undo = self.undo
        balance_of = self.balance_of
        for source, destination, amount, asset in postings:
            ks = (source, asset)
            b = balances.get(ks) or balance_of(source, asset)
            if check and source != destination:
                limit = b[4]
                if overdrafts is not None and source in overdrafts:
                    grant = overdrafts[source]
                    limit = None if grant is None or limit is None else max(limit, grant)
                if limit is not None:
                    available = b[0] - b[1] - b[3]
                    if available - amount < -limit:
                        raise InsufficientFunds(source, asset, max(available + limit, 0), amount)
            undo.append((balances, ks, balances.get(ks, _MISSING)))
            if pending:
                self.writes.eager = True
                balances[ks] = (b[0], b[1], b[2], b[3] + amount, b[4])
            else:
                balances[ks] = (b[0], b[1] + amount, b[2], b[3], b[4])
            if ks not in dirty:
                undo.append((dirty, ks, _MISSING))
                dirty[ks] = None
            kd = (destination, asset)
            b = balances.get(kd) or balance_of(destination, asset)
            undo.append((balances, kd, balances.get(kd, _MISSING)))
            if pending:
                balances[kd] = (b[0], b[1], b[2] + amount, b[3], b[4])
            else:
                balances[kd] = (b[0] + amount, b[1], b[2], b[3], b[4])
            if kd not in dirty:
                undo.append((dirty, kd, _MISSING))
                dirty[kd] = None
            if source not in self.known_accounts:
                self._touch_account(source, timestamp)
            if destination not in self.known_accounts:
                self._touch_account(destination, timestamp)

    def _release(self, postings: list[Posting]) -> None:
        """Release the reservation of a hold's postings."""
        balances = self.balances
        self.writes.eager = True
        for source, destination, amount, asset in postings:
            ks = (source, asset)
            b = self.balance_of(source, asset)
            self._set(balances, ks, (b[0], b[1], b[2], b[3] - amount, b[4]))
            self._set(self.writes.balances, ks, None)
            kd = (destination, asset)
            b = self.balance_of(destination, asset)
            self._set(balances, kd, (b[0], b[1], b[2] - amount, b[3], b[4]))
            self._set(self.writes.balances, kd, None)

    def _volumes(self, postings: list[Posting]) -> tuple[tuple[str, str, int, int], ...]:
        balances = self.balances
        out = []
        for source, destination, _, asset in postings:
            b = balances[(source, asset)]
            out.append((source, asset, b[0], b[1]))
            b = balances[(destination, asset)]
            out.append((destination, asset, b[0], b[1]))
        return tuple(out)

    def _new_transaction(
        self,
        request: Request,
        postings: list[Posting],
        metadata: dict[str, str],
        *,
        reverts_id: int | None = None,
        hold_id: int | None = None,
        timestamp: int | None = None,
        volumes: tuple[tuple[str, str, int, int], ...] | None = None,
    ) -> Transaction:
        """Record a transaction whose postings are applied; ``volumes``: as they left them.

        ``_post_plain`` does the same inline for one posting (its rows must stay alike:
        tests/ledger/test_journal.py checks every column of a mixed batch).
        """
        tx_id = self.next_tx
        self.next_tx = tx_id + 1
        now = self.now
        effective = timestamp if timestamp is not None else now
        reference = request.reference if request.op is not Op.REVERT else None
        meta_text = J.metadata_text(metadata) if metadata else "{}"
        body = J.transaction_body(
            tx_id,
            effective,
            reference,
            reverts_id,
            hold_id,
            meta_text,
            J.encode_postings(postings),
        )
        seq = self._entry(J.TX, tx_id, body, meta_text, request)
        writes = self.writes
        writes.transactions.append(
            (tx_id, seq, effective, now, reference, meta_text, reverts_id, hold_id)
        )
        if len(postings) == 1:
            source, destination, amount, asset = postings[0]
            writes.postings.append((tx_id, 0, source, destination, amount, asset, effective))
        else:
            post_rows = writes.postings
            for index, (source, destination, amount, asset) in enumerate(postings):
                post_rows.append((tx_id, index, source, destination, amount, asset, effective))
        tx = Transaction(
            tx_id,
            postings,
            metadata,
            self.now_datetime if timestamp is None else from_micros(effective),
            self.now_datetime,
            reference,
            reverts_id,
            hold_id,
            None,
            seq,
            self._volumes(postings) if volumes is None else volumes,
        )
        self._set(self.batch_results, tx_id, tx)
        return tx

    def _post(self, request: Request, postings: list[Posting], *, check: bool) -> Transaction:
        self._check_reference(request.reference)
        timestamp = request.timestamp if request.timestamp is not None else self.now
        self._move(postings, request.overdrafts, check=check, pending=False, timestamp=timestamp)
        return self._new_transaction(
            request, postings, dict(request.metadata or {}), timestamp=request.timestamp
        )

    def _post_plain(self, request: Request) -> Transaction:
        """A POST without key, reference or overdraft grant (see ``_apply_one``).

        Its checks (the floors) all run before anything changes, so a refused transfer
        leaves nothing to undo; once they pass, nothing else can fail.
        """
        postings = request.postings
        if len(postings) != 1 or postings[0][0] == postings[0][1]:
            return self._post_plain_postings(request)
        # One posting between two accounts, the common case, in straight lines.
        source, destination, amount, asset = postings[0]
        balances = self.balances
        ks = (source, asset)
        kd = (destination, asset)
        b = balances.get(ks) or self.balance_of(source, asset)
        limit = b[4]
        if limit is not None:
            available = b[0] - b[1] - b[3]
            if available - amount < -limit:
                raise InsufficientFunds(source, asset, max(available + limit, 0), amount)
        after_source = (b[0], b[1] + amount, b[2], b[3], b[4])
        b = balances.get(kd) or self.balance_of(destination, asset)
        after_destination = (b[0] + amount, b[1], b[2], b[3], b[4])
        try:
            balances[ks] = after_source
            balances[kd] = after_destination
            dirty = self.writes.balances
            dirty[ks] = None
            dirty[kd] = None
            known = self.known_accounts
            if source not in known or destination not in known:
                first_usage = request.timestamp if request.timestamp is not None else self.now
                for account in (source, destination):
                    if account not in known:
                        known[account] = None
                        self.writes.new_accounts[account] = first_usage
            # _new_transaction and _entry, inline (no reference, key or undo here)
            metadata = request.metadata
            meta = dict(metadata) if metadata else {}
            meta_text = J.metadata_text(meta) if meta else "{}"
            tx_id = self.next_tx
            self.next_tx = tx_id + 1
            now = self.now
            timestamp = request.timestamp
            effective = now if timestamp is None else timestamp
            body = J.transaction_body(
                tx_id, effective, None, None, None, meta_text, J.encode_postings(postings)
            )
            seq = self.seq
            digest = J.entry_hash(self.head, seq, J.TX, tx_id, now, body)
            self.head = digest
            self.seq = seq + 1
            writes = self.writes
            writes.journal.append((seq, J.TX, tx_id, meta_text, now, digest, None, None))
            writes.transactions.append((tx_id, seq, effective, now, None, meta_text, None, None))
            writes.postings.append((tx_id, 0, source, destination, amount, asset, effective))
            now_datetime = self.now_datetime
            tx = Transaction(
                tx_id,
                [postings[0]],
                meta,
                now_datetime if timestamp is None else from_micros(effective),
                now_datetime,
                None,
                None,
                None,
                None,
                seq,
                (
                    (source, asset, after_source[0], after_source[1]),
                    (destination, asset, after_destination[0], after_destination[1]),
                ),
            )
            self.batch_results[tx_id] = tx
        except BaseException:
            self._invalidate()  # half applied: the batch fails and the state is reloaded
            raise
        self.undo.clear()
        return tx

    def _post_plain_postings(self, request: Request) -> Transaction:
        """``_post_plain`` for any number of postings."""
        postings = request.postings
        balances = self.balances
        balance_of = self.balance_of
        after: dict[tuple[str, str], BalanceTuple] = {}
        for source, destination, amount, asset in postings:
            ks = (source, asset)
            b = after.get(ks) or balances.get(ks) or balance_of(source, asset)
            if source != destination:
                limit = b[4]
                if limit is not None:
                    available = b[0] - b[1] - b[3]
                    if available - amount < -limit:
                        raise InsufficientFunds(source, asset, max(available + limit, 0), amount)
            after[ks] = (b[0], b[1] + amount, b[2], b[3], b[4])
            kd = (destination, asset)
            b = after.get(kd) or balances.get(kd) or balance_of(destination, asset)
            after[kd] = (b[0] + amount, b[1], b[2], b[3], b[4])
        try:
            balances.update(after)
            dirty = self.writes.balances
            for key in after:
                dirty[key] = None
            known = self.known_accounts
            timestamp = request.timestamp if request.timestamp is not None else self.now
            for account, _ in after:
                if account not in known:
                    known[account] = None
                    self.writes.new_accounts[account] = timestamp
            tx = self._new_transaction(
                request, list(postings), dict(request.metadata or {}), timestamp=request.timestamp
            )
        except BaseException:
            self._invalidate()  # half applied: the batch fails and the state is reloaded
            raise
        self.undo.clear()
        return tx

    def _hold(self, request: Request, postings: list[Posting], *, check: bool) -> Hold:
        self._check_reference(request.reference)
        self._move(postings, request.overdrafts, check=check, pending=True, timestamp=self.now)
        hold_id = self.next_hold
        self.next_hold = hold_id + 1
        expires_at = (
            self.now + request.timeout_micros if request.timeout_micros is not None else None
        )
        meta_text = J.metadata_text(request.metadata)
        postings_text = J.encode_postings(postings)
        body = J.hold_body(hold_id, postings_text, expires_at, request.reference, meta_text)
        seq = self._entry(J.HOLD, hold_id, body, "", request)
        self.writes.holds.append(
            (
                hold_id,
                seq,
                postings_text,
                self.now,
                expires_at,
                request.reference,
                meta_text,
                "pending",
            )
        )
        hold = _PendingHold(hold_id, postings, expires_at)
        self._set(self.pending_holds, hold_id, hold)
        if expires_at is not None:
            # Heap entries of rolled-back holds are skipped when popped (not pending).
            heapq.heappush(self.expiries, (expires_at, hold_id))
            self.runtime.note_expiry(expires_at)
        return Hold(
            id=hold_id,
            postings=postings,
            status="pending",
            created_at=from_micros(self.now),
            expires_at=None if expires_at is None else from_micros(expires_at),
            reference=request.reference,
            metadata=dict(request.metadata or {}),
            seq=seq,
        )

    def _set_hold_status(self, hold_id: int, status: str) -> None:
        self.undo.append((self.pending_holds, hold_id, self.pending_holds.pop(hold_id)))
        self._set(self.writes.hold_status, hold_id, status)
        if len(self.finished_holds) > FINISHED_HOLDS_KEPT:
            self.finished_holds.clear()
        self._set(self.finished_holds, hold_id, status)

    def _finish_pending_hold(self, hold_id: int | None) -> _PendingHold:
        if hold_id is None:
            raise ValidationError("a hold id is required")
        hold = self.pending_holds.get(hold_id)
        if hold is None:
            rows = self.store.query(
                "SELECT status FROM holds WHERE ledger_id = ? AND id = ?",
                (self.runtime.ledger_id, hold_id),
            )
            status = self.finished_holds.get(hold_id) or (rows[0][0] if rows else None)
            if status is None:
                raise HoldNotFound(f"hold {hold_id} does not exist in this ledger")
            raise HoldStateError(
                f"hold {hold_id} is already {status}; only a pending hold can be posted or voided",
                hold_id=hold_id,
                status=status,
            )
        return hold

    def _void_hold(self, hold_id: int | None, kind: int, request: Request | None) -> Hold:
        hold = self._finish_pending_hold(hold_id)
        self._release(hold.postings)
        seq = self._entry(kind, hold.id, "", "", request)
        status = "voided" if kind == J.HOLD_VOID else "expired"
        self._set_hold_status(hold.id, status)
        return Hold(
            id=hold.id,
            postings=hold.postings,
            status=status,
            created_at=from_micros(self.now),
            expires_at=None if hold.expires_at is None else from_micros(hold.expires_at),
            seq=seq,
        )

    def _post_hold(self, request: Request) -> Transaction:
        hold = self._finish_pending_hold(request.target_id)
        held = hold.postings
        amounts = request.amounts
        if amounts is None:
            amounts = [p.amount for p in held]
        if len(amounts) != len(held):
            raise ValidationError(
                f"hold {hold.id} has {len(held)} postings: give one amount per posting"
            )
        for amount, posting in zip(amounts, held, strict=True):
            if amount < 0 or amount > posting.amount:
                raise HoldStateError(
                    f"cannot post {amount} {posting.asset} from hold {hold.id}: it holds "
                    f"{posting.amount}",
                    hold_id=hold.id,
                )
        if sum(amounts) == 0:
            raise ValidationError("posting a hold needs a positive amount; void it instead")
        self._release(held)
        postings = [
            Posting(p.source, p.destination, amount, p.asset)
            for p, amount in zip(held, amounts, strict=True)
            if amount
        ]
        self._move(postings, None, check=False, pending=False, timestamp=self.now)
        self._set_hold_status(hold.id, "posted")
        return self._new_transaction(
            request, postings, dict(request.metadata or {}), hold_id=hold.id
        )

    def _expire_due(self) -> None:
        expiries = self.expiries
        now = self.now
        while expiries and expiries[0][0] <= now:
            _, hold_id = heapq.heappop(expiries)
            if hold_id in self.pending_holds:
                self._void_hold(hold_id, J.HOLD_EXPIRE, None)
        self.undo.clear()  # expiries are never rolled back
        self.runtime.next_expiry = expiries[0][0] if expiries else None

    def _revert(self, request: Request) -> Transaction:
        tx_id = request.target_id
        if tx_id is None:
            raise ValidationError("a transaction id is required")
        original = self._transaction(tx_id)
        if tx_id in self.batch_reverted or original.reverted_by is not None:
            raise AlreadyReverted(f"transaction {tx_id} was already reverted")
        self._set(self.batch_reverted, tx_id, None)
        postings = [
            Posting(p.destination, p.source, p.amount, p.asset) for p in reversed(original.postings)
        ]
        timestamp = to_micros(original.timestamp) if request.at_effective_date else None
        self._move(postings, None, check=not request.force, pending=False, timestamp=self.now)
        return self._new_transaction(
            request,
            postings,
            dict(request.metadata or {}),
            reverts_id=tx_id,
            timestamp=timestamp,
        )

    def _run(self, request: Request) -> Any:
        from coffer import numscript

        store = _ScriptStore(self)
        outcome = numscript.execute(
            request.script,
            vars=request.variables or {},
            store=store,
            feature_flags=request.feature_flags,
        )
        postings = [Posting(p.source, p.destination, p.amount, p.asset) for p in outcome.postings]
        if not postings:
            raise NoPostings("the script produced no postings: nothing to commit")
        metadata = dict(request.metadata or {})
        for meta_key, value in outcome.tx_metadata.items():
            if meta_key in metadata and metadata[meta_key] != value:
                raise MetadataOverride(
                    f"metadata {meta_key!r} is set by both the script and the request"
                )
            metadata[meta_key] = value
        result: Any
        if request.pending:
            result = self._hold_from_script(request, postings, metadata)
        else:
            self._check_reference(request.reference)
            timestamp = request.timestamp if request.timestamp is not None else self.now
            self._move(postings, None, check=False, pending=False, timestamp=timestamp)
            result = self._new_transaction(request, postings, metadata, timestamp=request.timestamp)
        for account, values in outcome.account_metadata.items():
            self._write_account_metadata(account, dict(values), None, None)
        if request.dry_run:
            touched: dict[str, dict[str, int]] = {}
            for p in postings:
                for account in (p.source, p.destination):
                    b = self.balances[(account, p.asset)]
                    touched.setdefault(account, {})[p.asset] = b[0] - b[1]
            return DryRun(
                postings=postings,
                metadata=metadata,
                account_metadata={k: dict(v) for k, v in outcome.account_metadata.items()},
                balances=touched,
            )
        return result

    def _hold_from_script(
        self, request: Request, postings: list[Posting], metadata: dict[str, str]
    ) -> Hold:
        scripted = Request(
            op=Op.HOLD,
            postings=tuple(postings),
            metadata=metadata,
            reference=request.reference,
            timeout_micros=request.timeout_micros,
        )
        # The interpreter already enforced the floors (with the script's overdrafts).
        return self._hold(scripted, postings, check=False)

    def _tx_metadata(self, request: Request) -> Any:
        tx_id = request.target_id
        if tx_id is None or tx_id < 0 or tx_id >= self.next_tx:
            raise TransactionNotFound(f"transaction {tx_id} does not exist in this ledger")
        current = self.writes.tx_metadata.get(tx_id)
        if current is not None:
            metadata = _load_json(current)
        elif tx_id in self.batch_results or tx_id in self.inflight_results:
            metadata = dict(self._transaction(tx_id).metadata)
        else:
            rows = self.store.query(
                "SELECT metadata FROM transactions WHERE ledger_id = ? AND id = ?",
                (self.runtime.ledger_id, tx_id),
            )
            if not rows:
                raise TransactionNotFound(f"transaction {tx_id} does not exist in this ledger")
            metadata = _load_json(rows[0][0])
        if request.op is Op.TX_METADATA:
            changes = dict(request.metadata or {})
            metadata.update(changes)
            payload = J.canonical_json({"metadata": changes})
            kind = J.TX_METADATA
        else:
            metadata.pop(request.key or "", None)
            payload = J.canonical_json({"key": request.key})
            kind = J.TX_METADATA_DELETE
        self._entry(kind, tx_id, payload, payload, request)
        text = J.metadata_text(metadata)
        self._set(self.writes.tx_metadata, tx_id, text)
        if tx_id in self.batch_results:
            self.batch_results[tx_id].metadata = metadata
            self._patch_new_transaction_row(tx_id, text)
        return metadata

    def _transaction(self, tx_id: int) -> Transaction:
        """A transaction of this batch, of one not yet written, or from the database."""
        found = self.batch_results.get(tx_id)
        if found is not None:
            return found
        pending = self.inflight_results.get(tx_id)
        if pending is not None and pending[1] == self._state_epoch:
            return pending[0]
        return self.runtime.read_transaction(tx_id, connection=self.store)

    def _patch_new_transaction_row(self, tx_id: int, text: str) -> None:
        """A transaction created in this batch is inserted with its final metadata."""
        rows = self.writes.transactions
        for index in range(len(rows) - 1, -1, -1):
            if rows[index][0] == tx_id:
                row = rows[index]
                rows[index] = (*row[:5], text, *row[6:])
                self.writes.tx_metadata.pop(tx_id, None)
                return

    def _account_metadata(self, request: Request) -> Any:
        address = request.address
        assert address is not None
        if request.op is Op.ACCOUNT_METADATA:
            return self._write_account_metadata(
                address, dict(request.metadata or {}), None, request
            )
        return self._write_account_metadata(address, None, request.key, request)

    def _write_account_metadata(
        self,
        address: str,
        changes: dict[str, str] | None,
        delete_key: str | None,
        request: Request | None,
    ) -> dict[str, str]:
        metadata = dict(self.account_metadata_of(address))
        if changes is not None:
            metadata.update(changes)
            payload = J.canonical_json({"account": address, "metadata": changes})
            kind = J.ACCOUNT_METADATA
        else:
            metadata.pop(delete_key or "", None)
            payload = J.canonical_json({"account": address, "key": delete_key})
            kind = J.ACCOUNT_METADATA_DELETE
        self._entry(kind, None, payload, payload, request)
        self._set(self.account_metadata, address, metadata)
        self._set(self.writes.account_metadata, address, J.metadata_text(metadata))
        self._set(self.known_accounts, address, None)
        return metadata

    def _overdraft(self, request: Request) -> Any:
        address, asset = request.address, request.asset
        assert address is not None and asset is not None
        b = self.balance_of(address, asset)
        self.writes.eager = True
        self._set(self.balances, (address, asset), (b[0], b[1], b[2], b[3], request.limit))
        self._set(self.writes.balances, (address, asset), None)
        self._touch_account(address, self.now)
        payload = J.canonical_json(
            {
                "account": address,
                "asset": asset,
                "overdraft": None if request.limit is None else str(request.limit),
            }
        )
        self._entry(J.OVERDRAFT, None, payload, payload, request)
        return request.limit

    def _group(self, request: Request) -> list[Any]:
        """All-or-nothing: the first failing child fails every child."""
        results: list[Any] = []
        for index, child in enumerate(request.children):
            try:
                child.result = self._apply(child)
                child.error = None
            except CofferError as error:
                for other in request.children:
                    other.result = None
                    other.error = Aborted(
                        f"not applied: transaction {index} of this atomic batch failed "
                        f"({error.code}: {error.message})"
                    )
                child.error = error
                raise
            results.append(child.result)
        return results

    # -- checkpoints --------------------------------------------------------------------

    def _checkpoint_if_due(self, *, force: bool) -> None:
        size = self.frontier.size
        interval = self.runtime.settings.checkpoint_interval
        if size == self.last_checkpoint or (not force and size - self.last_checkpoint < interval):
            return
        root = self.frontier.root()
        signer: Signer = self.runtime.signer
        signature = signer.sign(checkpoint_message(self.ledger_name, size, root))
        self.writes.checkpoints.append(
            (size, root, self.frontier.to_bytes(), self.now, signer.public_key, signature)
        )
        self.last_checkpoint = size


def _load_json(text: str) -> dict[str, str]:
    value = json.loads(text)
    assert isinstance(value, dict)
    return value
