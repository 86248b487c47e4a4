"""The ledger's journal, signed checkpoints and their inclusion and consistency proofs.
Mixed into :class:`~coffer.ledger.service.Ledger`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coffer.errors import NotFound, ValidationError
from coffer.ledger import journal as J
from coffer.ledger import merkle
from coffer.ledger.models import (
    Checkpoint,
    ConsistencyProof,
    InclusionProof,
    JournalEntry,
    from_micros,
    to_micros,
)
from coffer.ledger.parts import LedgerParts
from coffer.ledger.requests import Op, Request
from coffer.ledger.validation import _page_size


class LedgerAudit(LedgerParts):
    """Journal, checkpoints and proofs of one ledger (see :class:`~coffer.ledger.service.Ledger`)."""

    def journal(self, *, after_seq: int = -1, limit: int = 100) -> list[JournalEntry]:
        """Journal entries in order, each with what is needed to recompute its hash."""
        size = _page_size(limit)
        lid = self._runtime.ledger_id
        rows = self._runtime.query(
            "SELECT seq, kind, ref_id, payload, created_at, hash FROM journal"
            " WHERE ledger_id = ? AND seq >= ? ORDER BY seq LIMIT ?",
            (lid, max(after_seq, -1), size + 1),
        )
        entries: list[JournalEntry] = []
        previous: bytes | None = None
        for seq, kind, ref_id, payload, created_at, digest in rows:
            if previous is None:
                previous = J.GENESIS_HASH
                if seq > 0:
                    previous = bytes(
                        self._runtime.query(
                            "SELECT hash FROM journal WHERE ledger_id = ? AND seq = ?",
                            (lid, seq - 1),
                        )[0][0]
                    )
            if seq > after_seq:
                entries.append(
                    JournalEntry(
                        seq=int(seq),
                        kind=int(kind),
                        ref_id=None if ref_id is None else int(ref_id),
                        body=self._entry_body(int(kind), ref_id, payload),
                        created_at=from_micros(int(created_at)),
                        hash=bytes(digest),
                        previous_hash=previous,
                    )
                )
            previous = bytes(digest)
        return entries[:size]

    def _entry_body(self, kind: int, ref_id: int | None, payload: str) -> str:
        if kind == J.TX:
            assert ref_id is not None
            tx = self.transaction(int(ref_id))
            return J.transaction_body(
                tx.id,
                to_micros(tx.timestamp),
                tx.reference,
                tx.reverts_id,
                tx.hold_id,
                payload,
                J.encode_postings(tx.postings),
            )
        if kind == J.HOLD:
            assert ref_id is not None
            rows = self._runtime.query(
                "SELECT postings, expires_at, reference, metadata FROM holds"
                " WHERE ledger_id = ? AND id = ?",
                (self._runtime.ledger_id, ref_id),
            )
            postings, expires_at, reference, metadata = rows[0]
            return J.hold_body(
                int(ref_id),
                postings,
                None if expires_at is None else int(expires_at),
                reference,
                metadata,
            )
        if kind in (J.HOLD_VOID, J.HOLD_EXPIRE):
            return ""
        return payload

    def checkpoint(self) -> Checkpoint:
        """Sign a checkpoint of the journal as it is now (no-op if one is current)."""
        self._submit(Request(op=Op.CHECKPOINT))
        self._runtime.flush_witness()
        latest = self.checkpoints(limit=1)
        if not latest:
            raise NotFound("the journal is empty: there is nothing to checkpoint")
        return latest[0]

    def checkpoint_if_due(self) -> bool:
        """Sign (and publish) a checkpoint when entries lack one and the newest is
        ``checkpoint_seconds`` old, whoever wrote them: the worker calls this every round,
        so a ledger whose writes stopped gets its tail checkpointed too. True if it did."""
        runtime = self._runtime
        lid = runtime.ledger_id
        head = runtime.query("SELECT next_seq FROM ledgers WHERE id = ?", (lid,))
        newest = runtime.query(
            "SELECT tree_size, created_at FROM checkpoints WHERE ledger_id = ?"
            " ORDER BY tree_size DESC LIMIT 1",
            (lid,),
        )
        entries = int(head[0][0]) if head else 0
        size, created_at = (int(newest[0][0]), int(newest[0][1])) if newest else (0, 0)
        if entries <= size:
            return False
        if runtime.clock() - created_at / 1_000_000 < runtime.settings.checkpoint_seconds:
            return False
        self._submit(Request(op=Op.CHECKPOINT))
        self._runtime.flush_witness()
        return True

    def checkpoints(self, *, limit: int = 100) -> list[Checkpoint]:
        """Signed checkpoints, newest first."""
        rows = self._runtime.query(
            "SELECT tree_size, root, created_at, public_key, signature FROM checkpoints"
            " WHERE ledger_id = ? ORDER BY tree_size DESC LIMIT ?",
            (self._runtime.ledger_id, _page_size(limit)),
        )
        return [self._checkpoint(row) for row in rows]

    def _checkpoint(self, row: Sequence[Any]) -> Checkpoint:
        return Checkpoint.of_row(self.name, *row)

    def _checkpoint_at(self, tree_size: int) -> Checkpoint:
        rows = self._runtime.query(
            "SELECT tree_size, root, created_at, public_key, signature FROM checkpoints"
            " WHERE ledger_id = ? AND tree_size = ?",
            (self._runtime.ledger_id, tree_size),
        )
        if not rows:
            raise NotFound(f"there is no checkpoint of size {tree_size} in ledger {self.name!r}")
        return self._checkpoint(rows[0])

    def _leaves(self, tree_size: int) -> list[bytes]:
        rows = self._runtime.query(
            "SELECT hash FROM journal WHERE ledger_id = ? AND seq < ? ORDER BY seq",
            (self._runtime.ledger_id, tree_size),
        )
        return [merkle.leaf_hash(bytes(row[0])) for row in rows]

    def inclusion_proof(self, tx_id: int, *, tree_size: int | None = None) -> InclusionProof:
        """Prove that transaction ``tx_id`` is in a signed checkpoint (the newest by default)."""
        tx = self.transaction(tx_id)
        if tree_size is None:
            latest = self.checkpoints(limit=1)
            checkpoint = latest[0] if latest and latest[0].tree_size > tx.seq else self.checkpoint()
        else:
            checkpoint = self._checkpoint_at(tree_size)
        if tx.seq >= checkpoint.tree_size:
            raise ValidationError(
                f"transaction {tx_id} is entry {tx.seq}, after checkpoint {checkpoint.tree_size}"
            )
        entry = self.journal(after_seq=tx.seq - 1, limit=1)[0]
        path = merkle.inclusion_path(tx.seq, self._leaves(checkpoint.tree_size))
        return InclusionProof(
            entry=entry,
            leaf_index=tx.seq,
            tree_size=checkpoint.tree_size,
            path=path,
            checkpoint=checkpoint,
        )

    def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof:
        """Prove that the checkpoint of ``old_size`` entries is a prefix of ``new_size``."""
        old, new = self._checkpoint_at(old_size), self._checkpoint_at(new_size)
        if old_size > new_size:
            raise ValidationError("old_size must not exceed new_size")
        path = (
            merkle.consistency_path(old_size, self._leaves(new_size)) if old_size < new_size else []
        )
        return ConsistencyProof(old=old, new=new, path=path)
