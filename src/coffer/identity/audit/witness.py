"""The audit log's head, signed and published to the witness with the ledgers' checkpoints.

The audit log is hash-chained, but whoever can write the database can rewrite it and
recompute every hash after the change. So its head (the number of entries and the last
entry's hash) is signed with the checkpoint key and published to the witness outside the
database, as a checkpoint of the stream :data:`~coffer.ledger.witness.AUDIT_LOG_STREAM`
(``tree_size``: entries, ``root``: the last entry's hash). ``coffer verify --witness``
then requires that the log still holds every witnessed head: a log cut below a witnessed
head, or rewritten before it (hashes recomputed), is reported.

The worker publishes the head each round when it moved (:class:`AuditHeadPublisher`);
``Coffer.verify()`` and ``coffer audit witness`` do too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from coffer.identity.audit import repository as R
from coffer.ledger.models import Checkpoint
from coffer.ledger.signing import Signer, checkpoint_message, verify_signature
from coffer.ledger.witness import AUDIT_LOG_STREAM, Witness, WitnessConflict

__all__ = [
    "AuditHeadPublisher",
    "WitnessedHeads",
    "publish_audit_head",
    "witnessed_heads",
]

log = logging.getLogger("coffer.witness")


def _head_checkpoint(engine: sa.Engine, signer: Signer) -> Checkpoint | None:
    """The signed head of the audit log as it is now (None: the log is empty)."""
    with engine.connect() as connection:
        head = R.head(connection)
    if head is None or head[0] <= 1:
        return None
    entries, last_hash = head[0] - 1, head[1]
    return Checkpoint(
        ledger=AUDIT_LOG_STREAM,
        tree_size=entries,
        root=last_hash,
        created_at=datetime.now(UTC),
        public_key=signer.public_key,
        signature=signer.sign(checkpoint_message(AUDIT_LOG_STREAM, entries, last_hash)),
    )


def publish_audit_head(engine: sa.Engine, signer: Signer, witness: Witness) -> int:
    """Sign the audit log's head and publish it; returns the number of entries it covers
    (0: an empty log, nothing published). A witness that holds another hash for the
    same number of entries raises :class:`~coffer.ledger.witness.WitnessConflict`."""
    checkpoint = _head_checkpoint(engine, signer)
    if checkpoint is None:
        return 0
    witness.publish(checkpoint)
    return checkpoint.tree_size


class AuditHeadPublisher:
    """Publishes the head when it moved since the last publication by this process. A
    failure to publish is logged and never raised (the next round tries again)."""

    def __init__(self, engine: sa.Engine, signer: Signer, witness: Witness | None) -> None:
        self.engine = engine
        self.signer = signer
        self.witness = witness
        self._published = 0
        self._lock = threading.Lock()

    def publish_if_moved(self) -> bool:
        if self.witness is None:
            return False
        with self._lock:
            with self.engine.connect() as connection:
                head = R.head(connection)
            if head is None or head[0] - 1 <= self._published:
                return False
            try:
                self._published = publish_audit_head(self.engine, self.signer, self.witness)
            except (OSError, WitnessConflict) as error:
                log.warning("audit log head not published to the witness: %s", error)
                return False
            return True


@dataclass(slots=True)
class WitnessedHeads:
    """The audit log's heads a witness holds: entries -> hash, and its problems."""

    hashes: dict[int, bytes]
    problems: list[str]

    @property
    def newest(self) -> int:
        return max(self.hashes, default=0)


def witnessed_heads(witness: Witness, public_key: bytes | None) -> WitnessedHeads:
    """Read the witnessed heads; a head not signed by ``public_key`` is a problem."""
    out = WitnessedHeads({}, [])
    for checkpoint in witness.published(AUDIT_LOG_STREAM):
        size = checkpoint.tree_size
        message = checkpoint_message(AUDIT_LOG_STREAM, size, checkpoint.root)
        if (public_key is not None and checkpoint.public_key != public_key) or not (
            verify_signature(checkpoint.public_key, message, checkpoint.signature)
        ):
            out.problems.append(
                f"the witness's audit log head at entry {size} is not signed by the checkpoint key"
            )
            continue
        if out.hashes.get(size, checkpoint.root) != checkpoint.root:
            out.problems.append(f"the witness holds two different audit log heads at entry {size}")
        out.hashes[size] = checkpoint.root
    return out


HashCheck = Callable[[int, bytes], str | None]


def head_check(heads: WitnessedHeads) -> HashCheck:
    """A check of each recomputed entry hash against the witnessed head of that entry."""

    def check(seq: int, digest: bytes) -> str | None:
        witnessed = heads.hashes.get(seq)
        if witnessed is None or witnessed == digest:
            return None
        return (
            f"entry {seq} does not hash to the head the witness holds for it: the log was "
            f"rewritten at or before entry {seq} (hashes recomputed)"
        )

    return check
