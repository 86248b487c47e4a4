"""What the sequencer and the readers of one ledger share: its identity, settings and
signer, and SQL reads of transactions and holds on a pooled connection or the
sequencer's."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coffer.db.engine import Backend
from coffer.errors import HoldNotFound, TransactionNotFound
from coffer.ledger import journal as J
from coffer.ledger.models import Checkpoint, Hold, Posting, Transaction, from_micros
from coffer.ledger.signing import Signer
from coffer.ledger.store import WriteStore
from coffer.ledger.validation import MAX_PAGE_SIZE
from coffer.ledger.witness import Witness

if TYPE_CHECKING:
    from coffer.settings import Settings

log = logging.getLogger("coffer.witness")

# Checkpoints waiting for the witness, at most (a later one covers a dropped one's entries).
MAX_UNPUBLISHED = 10_000
# A written checkpoint row: tree size, root, frontier, created_at (micros), key, signature.
CheckpointRow = tuple[int, bytes, bytes, int, bytes, bytes]


@dataclass
class LedgerInfo:
    id: int
    name: str
    created_at: datetime
    metadata: dict[str, str]
    bucket: str
    features: dict[str, str]
    # the tenant owning the ledger, and whether Coffer's own domains write it (the
    # public API refuses writes to system ledgers); the ledger itself reads neither
    platform_id: str = "plat_default"
    system: bool = False


class LedgerRuntime:
    """What the sequencer and the readers of one ledger share."""

    def __init__(
        self,
        *,
        name: str,
        ledger_id: int,
        engine: sa.Engine,
        backend: Backend,
        settings: Settings,
        signer: Signer,
        witness: Witness | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.ledger_id = ledger_id
        self.engine = engine
        self.backend = backend
        self.settings = settings
        self.signer = signer
        # Where every signed checkpoint is published once written (None: nowhere).
        self.witness = witness
        # Seconds since the epoch: when a checkpoint is due by time (tests inject theirs).
        self.clock = clock
        self._to_publish: deque[Checkpoint] = deque()
        self._publish_ready = threading.Condition()
        self._publisher: threading.Thread | None = None
        self._publisher_stop = False
        self.next_expiry: int | None = None
        self._expiry_lock = threading.Lock()

    def note_expiry(self, expires_at: int) -> None:
        with self._expiry_lock:
            if self.next_expiry is None or expires_at < self.next_expiry:
                self.next_expiry = expires_at

    def publish(self, rows: Sequence[CheckpointRow]) -> None:
        """Hand written checkpoints to the witness, in order, from a thread of their own
        (started on the first one): a witness's fsync or network call never holds up the
        writes. A failure is logged, never raised: the batch is committed, and the next
        checkpoint published covers this one's entries too."""
        if self.witness is None:
            return
        checkpoints = [
            Checkpoint.of_row(self.name, size, root, created_at, public_key, signature)
            for size, root, _, created_at, public_key, signature in rows
        ]
        with self._publish_ready:
            self._to_publish.extend(checkpoints)
            while len(self._to_publish) > MAX_UNPUBLISHED:
                dropped = self._to_publish.popleft()  # a later one covers its entries
                log.warning("witness behind: checkpoint %s not published", dropped.tree_size)
            if self._publisher is None:
                self._publisher = threading.Thread(
                    target=self._publish_loop, name=f"coffer-witness-{self.name}", daemon=True
                )
                self._publisher.start()
            self._publish_ready.notify_all()

    def _publish_loop(self) -> None:
        witness = self.witness
        assert witness is not None
        while True:
            with self._publish_ready:
                while not self._to_publish and not self._publisher_stop:
                    self._publish_ready.wait()
                if not self._to_publish:
                    self._publisher = None
                    self._publish_ready.notify_all()
                    return
                checkpoint = self._to_publish[0]
            try:
                witness.publish(checkpoint)
            except Exception:
                log.exception(
                    "could not publish checkpoint %s of ledger %r to %r",
                    checkpoint.tree_size,
                    self.name,
                    witness,
                )
            with self._publish_ready:
                if self._to_publish and self._to_publish[0] is checkpoint:
                    self._to_publish.popleft()
                self._publish_ready.notify_all()

    def flush_witness(self, timeout_seconds: float = 30.0) -> bool:
        """Wait until every checkpoint handed over is published (or failed and logged);
        False if that took longer than ``timeout_seconds``."""
        deadline = time.monotonic() + timeout_seconds
        with self._publish_ready:
            while self._to_publish:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._publish_ready.wait(left)
        return True

    def close_witness(self, timeout_seconds: float = 30.0) -> None:
        """Publish what is left, then stop the publishing thread."""
        with self._publish_ready:
            self._publisher_stop = True
            self._publish_ready.notify_all()
            thread = self._publisher
        if thread is not None:
            thread.join(timeout_seconds)

    # -- SQL reads, with ? placeholders, on a pooled connection or the sequencer's ----

    def query(
        self, sql: str, params: Sequence[Any] = (), *, connection: WriteStore | None = None
    ) -> list[tuple[Any, ...]]:
        if connection is not None:
            return connection.query(sql, params)
        if self.backend is Backend.POSTGRESQL:
            sql = sql.replace("?", "%s")

        def read() -> list[tuple[Any, ...]]:
            with self.engine.connect() as conn:
                return [tuple(row) for row in conn.exec_driver_sql(sql, tuple(params)).fetchall()]

        try:
            return read()
        except sa.exc.DBAPIError as exc:
            # A restart or failover ended the pooled connections; SQLAlchemy has dropped
            # them. A read is safe to run again, once, on a new connection.
            if not exc.connection_invalidated:
                raise
        return read()

    def read_transactions(
        self,
        where: str,
        params: Sequence[Any],
        *,
        order: str = "DESC",
        limit: int | None = None,
        connection: WriteStore | None = None,
    ) -> list[Transaction]:
        sql = (
            "SELECT t.id, t.seq, t.timestamp, t.inserted_at, t.reference, t.metadata,"
            " t.reverts_id, t.hold_id, r.id FROM transactions t LEFT JOIN transactions r"
            " ON r.ledger_id = t.ledger_id AND r.reverts_id = t.id"
            f" WHERE t.ledger_id = ? AND {where} ORDER BY t.id {order}"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.query(sql, (self.ledger_id, *params), connection=connection)
        if not rows:
            return []
        ids = [int(row[0]) for row in rows]
        postings: dict[int, list[Posting]] = {tx_id: [] for tx_id in ids}
        low, high = min(ids), max(ids)
        # a run of ids (or very many): one range of the postings' key
        if high - low < 2 * len(ids) or len(ids) > MAX_PAGE_SIZE + 1:
            window, window_params = "tx_id >= ? AND tx_id <= ?", [low, high]
        else:  # scattered (one account's page, say): each transaction's postings by key
            window, window_params = f"tx_id IN ({','.join('?' * len(ids))})", ids
        for tx_id, source, destination, amount, asset in self.query(
            "SELECT tx_id, source, destination, amount, asset FROM postings"
            f" WHERE ledger_id = ? AND {window} ORDER BY tx_id, idx",
            (self.ledger_id, *window_params),
            connection=connection,
        ):
            bucket = postings.get(int(tx_id))
            if bucket is not None:
                bucket.append(Posting(source, destination, int(amount), asset))
        return [
            Transaction(
                id=int(tx_id),
                postings=postings[int(tx_id)],
                metadata=json.loads(meta),
                timestamp=from_micros(int(ts)),
                inserted_at=from_micros(int(inserted)),
                reference=reference,
                reverts_id=None if reverts is None else int(reverts),
                hold_id=None if hold is None else int(hold),
                reverted_by=None if reverted_by is None else int(reverted_by),
                seq=int(seq),
            )
            for tx_id, seq, ts, inserted, reference, meta, reverts, hold, reverted_by in rows
        ]

    def read_transaction(self, tx_id: int, *, connection: WriteStore | None = None) -> Transaction:
        found = self.read_transactions("t.id = ?", (tx_id,), connection=connection)
        if not found:
            raise TransactionNotFound(f"transaction {tx_id} does not exist in ledger {self.name!r}")
        return found[0]

    def read_hold(self, hold_id: int, *, connection: WriteStore | None = None) -> Hold:
        rows = self.query(
            "SELECT id, seq, postings, created_at, expires_at, reference, metadata, status"
            " FROM holds WHERE ledger_id = ? AND id = ?",
            (self.ledger_id, hold_id),
            connection=connection,
        )
        if not rows:
            raise HoldNotFound(f"hold {hold_id} does not exist in ledger {self.name!r}")
        return _hold_from_row(rows[0])


def _hold_from_row(row: Sequence[Any]) -> Hold:
    hold_id, seq, postings, created_at, expires_at, reference, metadata, status = row
    return Hold(
        id=int(hold_id),
        postings=[Posting(*p) for p in J.decode_postings(postings)],
        status=status,
        created_at=from_micros(int(created_at)),
        expires_at=None if expires_at is None else from_micros(int(expires_at)),
        reference=reference,
        metadata=json.loads(metadata),
        seq=int(seq),
    )
