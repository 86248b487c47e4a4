"""What the sequencer's modules share: limits, the in-memory balance tuple, a batch
prepared for the writer, savepoints of the state, and how failures become errors."""

from __future__ import annotations

import json
import logging
import os
import queue
from typing import TYPE_CHECKING, Any

from coffer.db.engine import driver_connection_lost
from coffer.errors import CofferError, DatabaseUnavailable, WriteInDoubt
from coffer.ledger.batch_writes import Batch
from coffer.ledger.models import Posting, Transaction
from coffer.ledger.requests import Request
from coffer.ledger.store import Head, Writes

if TYPE_CHECKING:
    from coffer.ledger.sequencer.core import Sequencer

BalanceTuple = tuple[int, int, int, int, int | None]  # input, output, pending in, out, overdraft
MISSING: Any = object()
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

log = logging.getLogger("coffer.ledger.sequencer")


class PendingHold:
    __slots__ = ("expires_at", "id", "postings")

    def __init__(self, hold_id: int, postings: list[Posting], expires_at: int | None) -> None:
        self.id = hold_id
        self.postings = postings
        self.expires_at = expires_at


class Savepoint:
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


class Prepared:
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

    def stored(self) -> Batch:
        """What the store writes of the batch."""
        return Batch(
            self.writes, self.balance_rows, self.expected_seq, self.head, self.now, self.balances_tx
        )


class Pipeline(queue.Queue["Prepared | None"]):
    """A bounded queue that counts what it holds until the writer has written it."""

    def __init__(self, owner: Sequencer, depth: int) -> None:
        super().__init__(maxsize=depth)
        self._owner = owner

    def put(self, item: Prepared | None, block: bool = True, timeout: float | None = None) -> None:
        with self._owner._idle:
            self._owner._pipeline_busy += 1
        super().put(item, block, timeout)
        wake = self._owner._wake_writer
        if wake is not None:
            os.write(wake, b"x")


def write_in_doubt(exc: BaseException) -> CofferError:
    """The error of a batch whose write may or may not have committed."""
    return WriteInDoubt(
        "the connection to the database was lost while this request was being written, and"
        " whether it committed could not be told; retry it with the same idempotency key"
        f" to find out ({exc})"
    )


def as_coffer_error(exc: BaseException) -> CofferError:
    if isinstance(exc, CofferError):
        return exc
    if driver_connection_lost(exc):
        return DatabaseUnavailable(f"the database could not be reached; retry later ({exc})")
    return CofferError(f"the ledger could not write this batch: {exc}")


def load_json(text: str) -> dict[str, str]:
    value = json.loads(text)
    assert isinstance(value, dict)
    return value
