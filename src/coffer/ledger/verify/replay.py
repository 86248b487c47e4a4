"""The journal replayed entry by entry, against the rows it names.

Each entry's body is rebuilt from the stored rows (a transaction's from its row and its
postings in their stored order, a hold's from its row) and hashed onto the chain; the
Merkle frontier is checked at every checkpoint. Meanwhile the replay builds what the
journal says the state is: balances, overdrafts, metadata, hold states, and per account
the sums the posting lists must match (see :func:`.checks.check_posting_lists`).

Besides the hash, every transaction row must carry the entry's time as its insertion time,
and its postings the ordinals 0, 1, 2... in their order: both are hashed through the
entry (its ``created_at``, and the postings' order in the body), so an edit of either
shows at that entry.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from coffer.ledger import journal as J
from coffer.ledger import merkle
from coffer.ledger.verify.checks import check_checkpoint
from coffer.ledger.verify.report import LedgerCheck
from coffer.ledger.verify.rows import Stream

MASK = (1 << 64) - 1
ONE = 1 << 64  # a transaction's count, above its mixed id

Positions = tuple[dict[tuple[str, str], int], ...]  # input, output, pending in, pending out
HeldPostings = list[tuple[str, str, int, str]]


@dataclass
class Streams:
    """The rows of one ledger, each in order."""

    entries: Iterator[tuple[Any, ...]]
    transactions: Stream
    postings: Stream
    holds: Stream
    checkpoints: list[tuple[Any, ...]]


class Replay:
    """What the journal says, built entry by entry, and the chain's hashes."""

    def __init__(
        self,
        check: LedgerCheck,
        streams: Streams,
        *,
        balances_tx: int,
        listed_tx: int,
        public_key: bytes | None,
        witnessed: list[tuple[int, bytes]] | None = None,
    ) -> None:
        self.check = check
        self.streams = streams
        self.balances_tx = balances_tx
        self.listed_tx = listed_tx
        self.public_key = public_key
        # Replayed positions, one dict per column: input, output, pending in, pending out.
        self.columns: Positions = ({}, {}, {}, {})
        self.overdrafts: dict[tuple[str, str], int | None] = {}
        self.tx_meta_changes: dict[int, list[dict[str, Any]]] = {}
        self.tx_meta_stored: dict[int, str] = {}
        self.account_meta: dict[str, dict[str, str]] = {}
        self.hold_state: dict[int, tuple[HeldPostings, str, str]] = {}
        # Posting lists: per (account, side), how many transactions and a sum of their ids
        # mixed with a salt drawn for this run (see checks.check_posting_lists).
        self.salt = secrets.randbits(62)
        self.by_source: dict[str, int] = {}
        self.by_destination: dict[str, int] = {}
        self.frontier = merkle.Frontier()
        self.previous = J.GENESIS_HASH
        self.entries = 0  # entries that matched, in order
        self.transactions = 0
        self.next_checkpoint = 0  # index of the next checkpoint to check
        # What a witness holds: (tree size, root) by increasing size, each compared with
        # the root of the journal's first entries (see coffer.ledger.verify.witnessed).
        self.witnessed = witnessed or []
        self.next_witnessed = 0
        self.witness_matched = 0  # the largest witnessed size the journal matched

    # -- the chain ----------------------------------------------------------------------

    def run(self) -> None:
        """Replay every entry until the end of the journal or the first that does not match."""
        check = self.check
        entry_hash = J.entry_hash
        # The entries' hashes not yet added to the Merkle frontier (added in runs, before
        # each checkpoint and at the end: one call per run instead of two per entry).
        digests: list[bytes] = []
        previous = self.previous
        expected = 0
        due = self._next_due()
        for seq, kind, ref_id, payload, created_at, stored_hash in self.streams.entries:
            if seq != expected:
                check.problem(f"journal entry {expected} is missing (next stored entry is {seq})")
                break
            if kind == J.TX:
                body = self.transaction(seq, ref_id, payload, created_at)
            elif kind == J.HOLD:
                body = self.hold(seq, ref_id)
            elif kind == J.HOLD_VOID or kind == J.HOLD_EXPIRE:
                body = self.end_hold(seq, kind, ref_id)
            else:
                body = self.change(kind, ref_id, payload)
            if body is None:
                break
            digest = entry_hash(previous, seq, kind, ref_id, created_at, body)
            if digest != stored_hash:
                check.problem(
                    f"journal entry {seq} ({J.KIND_NAMES.get(kind, kind)}"
                    f"{'' if ref_id is None else f' {ref_id}'}) does not match its hash: "
                    "its rows or the entry were changed"
                )
                break
            previous = digest
            digests.append(digest)
            expected += 1
            if expected == due:
                self.frontier.append_leaves(digests)
                digests.clear()
                due = self._checkpoints_at(expected)
        self.frontier.append_leaves(digests)
        self.previous = previous
        self.entries = expected

    def _next_due(self) -> int:
        """The size of the next stored or witnessed checkpoint (-1: none)."""
        sizes = []
        if self.next_checkpoint < len(self.streams.checkpoints):
            sizes.append(int(self.streams.checkpoints[self.next_checkpoint][0]))
        if self.next_witnessed < len(self.witnessed):
            sizes.append(self.witnessed[self.next_witnessed][0])
        return min(sizes) if sizes else -1

    def _witnessed_at(self, size: int) -> None:
        """Compare the witness's roots of ``size`` entries with the journal's."""
        witnessed = self.witnessed
        while self.next_witnessed < len(witnessed) and witnessed[self.next_witnessed][0] == size:
            root = witnessed[self.next_witnessed][1]
            self.next_witnessed += 1
            if self.frontier.root() != root:
                self.check.problem(
                    f"the journal's first {size} entries differ from the witness's checkpoint "
                    f"of size {size}: history was rewritten between entry "
                    f"{self.witness_matched} and entry {size - 1}"
                )
                self.witnessed = witnessed[: self.next_witnessed]  # one report is enough
                return
            self.witness_matched = size

    def _checkpoints_at(self, size: int) -> int:
        """Check the checkpoints of ``size`` entries; the size of the next one (-1: none)."""
        self._witnessed_at(size)
        checkpoints = self.streams.checkpoints
        while (
            self.next_checkpoint < len(checkpoints) and checkpoints[self.next_checkpoint][0] == size
        ):
            check_checkpoint(
                self.check,
                self.check.name,
                checkpoints[self.next_checkpoint],
                self.frontier,
                self.public_key,
            )
            self.next_checkpoint += 1
        return self._next_due()

    # -- entries ------------------------------------------------------------------------

    def transaction(self, seq: int, ref_id: int, payload: str, created_at: int) -> str | None:
        """The body of a transaction's entry, from its row and postings; its postings
        replayed. None: the row is missing or out of place (the replay stops)."""
        check = self.check
        streams = self.streams
        row = streams.transactions.pop()
        if row is None or row[0] != ref_id or row[1] != seq:
            check.problem(f"journal entry {seq}: transaction {ref_id} is missing or out of place")
            return None
        tx_id, _, ts, inserted_at, reference, stored_meta, reverts_id, hold_id = row
        if inserted_at != created_at:
            check.problem(f"journal entry {seq}: the insertion time of tx {tx_id} was changed")
        # Under load the balance rows lag: they hold the postings before balances_tx.
        held_by_rows = tx_id < self.balances_tx
        columns = self.columns
        inputs, outputs = columns[0], columns[1]
        posts = streams.postings
        encoded: list[str] = []
        while posts.head is not None and posts.head[0] < tx_id:
            check.problem(f"posting of transaction {posts.head[0]} has no journal entry")
            posts.pop()
        post_rows = posts.rows
        head = posts.head
        source = destination = ""
        while head is not None and head[0] == tx_id:
            _, ordinal, source, destination, amount, asset, posting_ts = head
            head = next(post_rows, None)
            amount = int(amount)
            if ordinal != len(encoded):
                check.problem(
                    f"journal entry {seq}: the postings of tx {tx_id} were reordered or renumbered"
                )
            encoded.append(f"{source},{destination},{amount},{asset}")
            if posting_ts != ts:
                check.problem(f"journal entry {seq}: a posting of tx {tx_id} changed its time")
            if held_by_rows:
                key = (source, asset)
                outputs[key] = outputs.get(key, 0) + amount
                key = (destination, asset)
                inputs[key] = inputs.get(key, 0) + amount
        posts.head = head
        if tx_id < self.listed_tx and encoded:  # once per transaction, account and side
            self._list(tx_id, encoded, source, destination)
        if hold_id is not None:
            self._post_hold(seq, hold_id)
        if stored_meta != payload:
            self.tx_meta_stored[tx_id] = stored_meta
        self.transactions += 1
        return (
            f"{tx_id}|{ts}|{'' if reference is None else J.canonical_json(reference)}|"
            f"{'' if reverts_id is None else reverts_id}|{'' if hold_id is None else hold_id}|"
            f"{payload}|{';'.join(encoded)}"
        )

    def _list(self, tx_id: int, encoded: list[str], source: str, destination: str) -> None:
        """Count a listed transaction for its accounts, as sources and as destinations."""
        mixed = (hash((self.salt, tx_id)) & MASK) + ONE
        by_source, by_destination = self.by_source, self.by_destination
        if len(encoded) == 1:  # the common case: source and destination as read
            by_source[source] = by_source.get(source, 0) + mixed
            by_destination[destination] = by_destination.get(destination, 0) + mixed
            return
        parts = [text.split(",", 2) for text in encoded]
        for account in {part[0] for part in parts}:
            by_source[account] = by_source.get(account, 0) + mixed
        for account in {part[1] for part in parts}:
            by_destination[account] = by_destination.get(account, 0) + mixed

    def _post_hold(self, seq: int, hold_id: int) -> None:
        held = self.hold_state.get(hold_id)
        if held is None or held[1] != "pending":
            self.check.problem(f"journal entry {seq}: posts hold {hold_id}, which is not pending")
            return
        pend(self.columns, held[0], -1)
        self.hold_state[hold_id] = (held[0], "posted", held[2])

    def hold(self, seq: int, ref_id: int) -> str | None:
        """The body of a hold's entry, from its row; its amounts reserved."""
        row = self.streams.holds.pop()
        if row is None or row[0] != ref_id or row[1] != seq:
            self.check.problem(f"journal entry {seq}: hold {ref_id} is missing or out of place")
            return None
        hold_id, _, postings_text, expires_at, reference, metadata, status = row
        held_postings = J.decode_postings(postings_text)
        pend(self.columns, held_postings, 1)
        self.hold_state[hold_id] = (held_postings, "pending", status)
        self.check.holds += 1
        return J.hold_body(hold_id, postings_text, expires_at, reference, metadata)

    def end_hold(self, seq: int, kind: int, ref_id: int) -> str:
        """A hold voided or expired: its amounts released (the entry has no body)."""
        held = self.hold_state.get(ref_id)
        if held is None or held[1] != "pending":
            self.check.problem(f"journal entry {seq}: ends hold {ref_id}, which is not pending")
        else:
            pend(self.columns, held[0], -1)
            final = "voided" if kind == J.HOLD_VOID else "expired"
            self.hold_state[ref_id] = (held[0], final, held[2])
        return ""

    def change(self, kind: int, ref_id: int | None, payload: str) -> str:
        """Metadata and overdraft entries: the body is their payload."""
        data = json.loads(payload)
        if kind in (J.TX_METADATA, J.TX_METADATA_DELETE):
            assert ref_id is not None
            self.tx_meta_changes.setdefault(ref_id, []).append(data)
        elif kind == J.ACCOUNT_METADATA:
            self.account_meta.setdefault(data["account"], {}).update(data["metadata"])
        elif kind == J.ACCOUNT_METADATA_DELETE:
            self.account_meta.setdefault(data["account"], {}).pop(data["key"], None)
        elif kind == J.OVERDRAFT:
            limit = data["overdraft"]
            self.overdrafts[(data["account"], data["asset"])] = (
                None if limit is None else int(limit)
            )
        return payload


def pend(columns: Positions, postings: HeldPostings, sign: int) -> None:
    """Reserve (sign 1) or release (sign -1) the pending amounts of a hold's postings."""
    pending_in, pending_out = columns[2], columns[3]
    for source, destination, amount, asset in postings:
        pending_out[(source, asset)] = pending_out.get((source, asset), 0) + sign * amount
        pending_in[(destination, asset)] = pending_in.get((destination, asset), 0) + sign * amount
