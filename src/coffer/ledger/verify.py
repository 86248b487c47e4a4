"""Recompute a ledger from its stored rows and compare with everything stored.

``verify`` streams the journal, transactions, postings and holds in order, recomputes the
hash chain, the Merkle root at every checkpoint (and its signature), and replays every
entry into balances, metadata and hold states; then it compares those with the stored
balances, metadata, hold states and ledger head. Any row changed or deleted directly in the
database shows up as the first entry or balance that does not match.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from coffer.db.engine import Backend
from coffer.ledger import journal as J
from coffer.ledger import merkle
from coffer.ledger.models import ConsistencyProof, InclusionProof, to_micros
from coffer.ledger.signing import checkpoint_message, verify_signature

MAX_PROBLEMS = 100
_MASK = (1 << 64) - 1
_ONE = 1 << 64  # a transaction's count, above its mixed id
_FETCH = 10_000


@dataclass
class LedgerCheck:
    name: str
    entries: int = 0
    transactions: int = 0
    holds: int = 0
    checkpoints: int = 0
    balances: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


@dataclass
class VerifyReport:
    ledgers: list[LedgerCheck]
    elapsed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.ledgers)

    @property
    def entries(self) -> int:
        return sum(check.entries for check in self.ledgers)

    @property
    def first_problem(self) -> str | None:
        for check in self.ledgers:
            if check.problems:
                return f"ledger {check.name!r}: {check.problems[0]}"
        return None

    def __str__(self) -> str:
        lines = []
        for check in self.ledgers:
            state = "ok" if check.ok else f"{len(check.problems)} problem(s)"
            lines.append(
                f"ledger {check.name}: {check.entries} journal entries, {check.transactions} "
                f"transactions, {check.holds} holds, {check.checkpoints} checkpoints, "
                f"{check.balances} balances: {state}"
            )
            lines.extend(f"  - {problem}" for problem in check.problems)
        lines.append("intact" if self.ok else f"TAMPERED: {self.first_problem}")
        return "\n".join(lines)


class _Stream:
    """A peekable stream of rows in order."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self.rows = rows  # the rows after the head
        self.head: tuple[Any, ...] | None = next(rows, None)

    def pop(self) -> tuple[Any, ...] | None:
        row = self.head
        if row is not None:
            self.head = next(self.rows, None)
        return row


def _rows(connection: Any, backend: Backend, sql: str, params: tuple[Any, ...]) -> Iterator[Any]:
    """The rows of a query in order, fetched in chunks (iterating them is C code)."""
    if backend is Backend.POSTGRESQL:
        chunks = _pg_chunks(connection, sql, params)
    else:
        chunks = _sqlite_chunks(connection, sql, params)
    return itertools.chain.from_iterable(chunks)


def _sqlite_chunks(connection: Any, sql: str, params: tuple[Any, ...]) -> Iterator[list[Any]]:
    cursor = connection.execute(sql, params)
    while chunk := cursor.fetchmany(_FETCH):
        yield chunk


_cursor_names = itertools.count()


def _pg_chunks(connection: Any, sql: str, params: tuple[Any, ...]) -> Iterator[list[Any]]:
    """Chunks of a server-side cursor, the next one always requested ahead.

    The connection is in pipeline mode (see :func:`verify_database`): the FETCH for the
    next chunk is sent before the rows of this one are checked, so PostgreSQL reads and
    sends it while Python works, instead of each waiting for the other.
    """
    name = f"coffer_verify_{next(_cursor_names)}"
    connection.execute(f"DECLARE {name} NO SCROLL CURSOR FOR {sql.replace('?', '%s')}", params)
    fetch = f"FETCH {_FETCH} FROM {name}"
    ahead = connection.cursor()
    ahead.execute(fetch)
    spare = connection.cursor()
    while chunk := ahead.fetchall():
        spare.execute(fetch)
        ahead, spare = spare, ahead
        yield chunk
    connection.execute(f"CLOSE {name}")


def verify_database(connection: Any, backend: Backend, public_key: bytes | None) -> VerifyReport:
    """Verify every ledger through ``connection`` (a raw driver connection, autocommit)."""
    started = time.perf_counter()
    if backend is Backend.POSTGRESQL:
        with connection.pipeline():
            checks = _verify_all(
                connection, backend, public_key, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            )
    else:
        checks = _verify_all(connection, backend, public_key, "BEGIN")
    return VerifyReport(ledgers=checks, elapsed_seconds=time.perf_counter() - started)


def _verify_all(
    connection: Any, backend: Backend, public_key: bytes | None, begin: str
) -> list[LedgerCheck]:
    connection.execute(begin)
    try:
        ledgers = list(
            connection.execute(
                "SELECT id, name, next_seq, head_hash, next_tx_id, next_hold_id, balances_tx,"
                " listed_tx FROM ledgers ORDER BY name"
            ).fetchall()
        )
        return [_verify_ledger(connection, backend, row, public_key) for row in ledgers]
    finally:
        connection.execute("ROLLBACK")


def _verify_ledger(
    connection: Any, backend: Backend, ledger: tuple[Any, ...], public_key: bytes | None
) -> LedgerCheck:
    lid, name, next_seq, head_hash, next_tx_id, next_hold_id, balances_tx, listed_tx = ledger
    check = LedgerCheck(name=name)
    params = (lid,)
    entries = _rows(
        connection,
        backend,
        "SELECT seq, kind, ref_id, payload, created_at, hash FROM journal WHERE ledger_id = ?"
        " ORDER BY seq",
        params,
    )
    txs = _Stream(
        _rows(
            connection,
            backend,
            "SELECT id, seq, timestamp, reference, metadata, reverts_id, hold_id FROM transactions"
            " WHERE ledger_id = ? ORDER BY id",
            params,
        )
    )
    posts = _Stream(
        _rows(
            connection,
            backend,
            "SELECT tx_id, source, destination, amount, asset, timestamp FROM postings"
            " WHERE ledger_id = ? ORDER BY tx_id, idx",
            params,
        )
    )
    holds = _Stream(
        _rows(
            connection,
            backend,
            "SELECT id, seq, postings, expires_at, reference, metadata, status FROM holds"
            " WHERE ledger_id = ? ORDER BY id",
            params,
        )
    )
    checkpoints = list(
        _rows(
            connection,
            backend,
            "SELECT tree_size, root, public_key, signature FROM checkpoints WHERE ledger_id = ?"
            " ORDER BY tree_size",
            params,
        )
    )
    next_checkpoint = 0

    # Replayed positions, one dict per column: input, output, pending in, pending out.
    columns: tuple[dict[tuple[str, str], int], ...] = ({}, {}, {}, {})
    inputs, outputs = columns[0], columns[1]
    overdrafts: dict[tuple[str, str], int | None] = {}

    tx_meta_changes: dict[int, list[dict[str, Any]]] = {}
    tx_meta_stored: dict[int, str] = {}
    account_meta: dict[str, dict[str, str]] = {}
    hold_state: dict[int, tuple[list[tuple[str, str, int, str]], str, str]] = {}
    frontier = merkle.Frontier()
    previous = J.GENESIS_HASH
    expected = 0
    # Posting lists: per (account, side), how many transactions and a sum of their ids
    # mixed with a salt drawn for this run (see _check_posting_lists).
    salt = secrets.randbits(62)
    by_source: dict[str, int] = {}
    by_destination: dict[str, int] = {}
    entry_hash = J.entry_hash
    # The entries' hashes not yet added to the Merkle frontier (added in runs, before each
    # checkpoint and at the end: one call per run instead of two per entry).
    digests: list[bytes] = []
    transactions = 0
    post_rows = posts.rows

    for seq, kind, ref_id, payload, created_at, stored_hash in entries:
        if seq != expected:
            check.problem(f"journal entry {expected} is missing (next stored entry is {seq})")
            break
        body = ""
        if kind == J.TX:
            row = txs.pop()
            if row is None or row[0] != ref_id or row[1] != seq:
                check.problem(
                    f"journal entry {seq}: transaction {ref_id} is missing or out of place"
                )
                break
            tx_id, _, ts, reference, stored_meta, reverts_id, hold_id = row
            # Under load the balance rows lag: they hold the postings before balances_tx.
            held_by_rows = tx_id < balances_tx
            listed = tx_id < listed_tx
            encoded: list[str] = []
            while posts.head is not None and posts.head[0] < tx_id:
                check.problem(f"posting of transaction {posts.head[0]} has no journal entry")
                posts.pop()
            head = posts.head
            while head is not None and head[0] == tx_id:
                _, source, destination, amount, asset, posting_ts = head
                head = next(post_rows, None)
                amount = int(amount)
                encoded.append(f"{source},{destination},{amount},{asset}")
                if posting_ts != ts:
                    check.problem(f"journal entry {seq}: a posting of tx {tx_id} changed its time")
                if held_by_rows:
                    key = (source, asset)
                    outputs[key] = outputs.get(key, 0) + amount
                    key = (destination, asset)
                    inputs[key] = inputs.get(key, 0) + amount
            posts.head = head
            if listed and encoded:  # once per transaction, account and side, as listed
                mixed = (hash((salt, tx_id)) & _MASK) + _ONE
                if len(encoded) == 1:  # the common case: source and destination as read
                    by_source[source] = by_source.get(source, 0) + mixed
                    by_destination[destination] = by_destination.get(destination, 0) + mixed
                else:
                    parts = [text.split(",", 2) for text in encoded]
                    for account in {part[0] for part in parts}:
                        by_source[account] = by_source.get(account, 0) + mixed
                    for account in {part[1] for part in parts}:
                        by_destination[account] = by_destination.get(account, 0) + mixed
            if hold_id is not None:
                held = hold_state.get(hold_id)
                if held is None or held[1] != "pending":
                    check.problem(
                        f"journal entry {seq}: posts hold {hold_id}, which is not pending"
                    )
                else:
                    _pend(columns, held[0], -1)
                    hold_state[hold_id] = (held[0], "posted", held[2])
            body = (
                f"{tx_id}|{ts}|{'' if reference is None else J.canonical_json(reference)}|"
                f"{'' if reverts_id is None else reverts_id}|{'' if hold_id is None else hold_id}|"
                f"{payload}|{';'.join(encoded)}"
            )
            if stored_meta != payload:
                tx_meta_stored[tx_id] = stored_meta
            transactions += 1
        elif kind == J.HOLD:
            row = holds.pop()
            if row is None or row[0] != ref_id or row[1] != seq:
                check.problem(f"journal entry {seq}: hold {ref_id} is missing or out of place")
                break
            hold_id, _, postings_text, expires_at, reference, metadata, status = row
            held_postings = J.decode_postings(postings_text)
            _pend(columns, held_postings, 1)
            hold_state[hold_id] = (held_postings, "pending", status)
            body = J.hold_body(hold_id, postings_text, expires_at, reference, metadata)
            check.holds += 1
        elif kind in (J.HOLD_VOID, J.HOLD_EXPIRE):
            held = hold_state.get(ref_id)
            if held is None or held[1] != "pending":
                check.problem(f"journal entry {seq}: ends hold {ref_id}, which is not pending")
            else:
                _pend(columns, held[0], -1)
                final = "voided" if kind == J.HOLD_VOID else "expired"
                hold_state[ref_id] = (held[0], final, held[2])
        else:
            body = payload
            data = json.loads(payload)
            if kind in (J.TX_METADATA, J.TX_METADATA_DELETE):
                tx_meta_changes.setdefault(ref_id, []).append(data)
            elif kind == J.ACCOUNT_METADATA:
                account_meta.setdefault(data["account"], {}).update(data["metadata"])
            elif kind == J.ACCOUNT_METADATA_DELETE:
                account_meta.setdefault(data["account"], {}).pop(data["key"], None)
            elif kind == J.OVERDRAFT:
                limit = data["overdraft"]
                overdrafts[(data["account"], data["asset"])] = None if limit is None else int(limit)
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
        while next_checkpoint < len(checkpoints) and checkpoints[next_checkpoint][0] == expected:
            frontier.append_leaves(digests)
            digests.clear()
            _check_checkpoint(check, name, checkpoints[next_checkpoint], frontier, public_key)
            next_checkpoint += 1
    frontier.append_leaves(digests)
    check.entries = expected
    check.transactions = transactions
    if check.problems:
        return check

    if expected != next_seq or previous != bytes(head_hash):
        check.problem(
            f"the ledger head says {next_seq} entries but the journal has {expected}: "
            "entries were removed or the head was changed"
        )
    if next_tx_id != check.transactions or next_hold_id != check.holds:
        check.problem("the ledger's transaction or hold counters do not match the journal")
    for leftover, what in (
        (txs, "transaction"),
        (posts, "posting of transaction"),
        (holds, "hold"),
    ):
        if leftover.head is not None:
            check.problem(f"{what} {leftover.head[0]} has no journal entry")
    if next_checkpoint != len(checkpoints):
        check.problem(f"checkpoint of size {checkpoints[next_checkpoint][0]} is beyond the journal")
    check.checkpoints = len(checkpoints)

    # Transaction metadata: stored = initial (journal) + later changes.
    if tx_meta_changes or tx_meta_stored:
        _check_transaction_metadata(
            connection, backend, lid, check, tx_meta_changes, tx_meta_stored
        )
    _check_accounts(connection, backend, lid, check, account_meta)
    for row in _rows(
        connection,
        backend,
        "SELECT id, status FROM holds WHERE ledger_id = ? ORDER BY id",
        (lid,),
    ):
        held = hold_state.get(row[0])
        if held is not None and held[1] != row[1]:
            check.problem(f"hold {row[0]} is stored as {row[1]} but the journal says {held[1]}")

    stored: dict[tuple[str, str], tuple[int, int, int, int, int | None]] = {}
    for account, asset, inp, out, pin, pout, overdraft in _rows(
        connection,
        backend,
        "SELECT account, asset, input, output, pending_input, pending_output, overdraft"
        " FROM balances WHERE ledger_id = ?",
        (lid,),
    ):
        stored[(account, asset)] = (
            int(inp),
            int(out),
            int(pin),
            int(pout),
            None if overdraft is None else int(overdraft),
        )
    check.balances = len(stored)
    _check_posting_lists(
        connection, backend, lid, check, listed_tx, next_tx_id, salt, (by_source, by_destination)
    )
    if not 0 <= balances_tx <= next_tx_id:
        check.problem(f"the ledger's balance mark {balances_tx} is beyond its transactions")
        return check
    keys = set(stored).union(*columns, overdrafts)
    for key in sorted(keys):
        default_limit = None if key[0] == "world" else 0
        expected_row = (
            *(column.get(key, 0) for column in columns),
            overdrafts.get(key, default_limit),
        )
        actual = stored.get(key, (0, 0, 0, 0, default_limit))
        if expected_row != actual:
            check.problem(
                f"balance of {key[0]} in {key[1]} is stored as {_show(actual)} but the journal "
                f"gives {_show(expected_row)}"
            )
    return check


def _check_posting_lists(
    connection: Any,
    backend: Backend,
    lid: int,
    check: LedgerCheck,
    listed_tx: int,
    end: int,
    salt: int,
    expected: tuple[dict[str, int], dict[str, int]],
) -> None:
    """The posting lists must hold the (account, side, transaction) of the postings before
    their mark, each once. Both are summed up per account and side: each transaction
    counts as its id mixed with ``salt`` (drawn anew by every run) in the low 64 bits, plus
    2**64, so the high bits count them. The postings' sums are made during the main pass.
    A list changed, shortened, lengthened or deleted, or a moved mark, changes a sum,
    except with a chance of about 2**-64 that no tampering made beforehand can aim at."""
    if not 0 <= listed_tx <= end:
        check.problem(f"the ledger's posting lists mark {listed_tx} is beyond its transactions")
        return
    stored: tuple[dict[str, int], dict[str, int]] = ({}, {})
    try:
        # As text, split here: JSON arrays on SQLite, and on PostgreSQL array literals,
        # which the driver would otherwise convert element by element.
        columns = "sources, destinations"
        brackets = "[]"
        if backend is Backend.POSTGRESQL:
            columns = "sources::text, destinations::text"
            brackets = "{}"
        for account, sources, destinations in _rows(
            connection,
            backend,
            f"SELECT account, {columns} FROM posting_lists WHERE ledger_id = ?",
            (lid,),
        ):
            for side, text in ((0, sources), (1, destinations)):
                if text[0] != brackets[0] or text[-1] != brackets[1]:
                    raise ValueError(f"{account}'s list is not an array: {text[:40]!r}")
                ids = [int(tx_id) for tx_id in text[1:-1].split(",")] if len(text) > 2 else []
                if ids:
                    totals = stored[side]
                    totals[account] = totals.get(account, 0) + sum(
                        [(hash((salt, tx_id)) & _MASK) + _ONE for tx_id in ids]
                    )
    except (ValueError, TypeError) as exc:
        check.problem(f"the posting lists cannot be read: {exc}")
        return
    for side, role in ((0, "source"), (1, "destination")):
        found, wanted = stored[side], expected[side]
        for account in sorted(found.keys() | wanted.keys()):
            listed, posted = found.get(account, 0), wanted.get(account, 0)
            if listed != posted:
                check.problem(
                    f"the posting list of {account} as {role} does not match its postings"
                    f" ({listed >> 64} transactions listed, {posted >> 64} before the lists'"
                    " mark)"
                )
                return


def _show(row: tuple[Any, ...]) -> str:
    return f"input={row[0]} output={row[1]} pending_in={row[2]} pending_out={row[3]}"


def _pend(
    columns: tuple[dict[tuple[str, str], int], ...],
    postings: list[tuple[str, str, int, str]],
    sign: int,
) -> None:
    """Reserve (sign 1) or release (sign -1) the pending amounts of a hold's postings."""
    pending_in, pending_out = columns[2], columns[3]
    for source, destination, amount, asset in postings:
        pending_out[(source, asset)] = pending_out.get((source, asset), 0) + sign * amount
        pending_in[(destination, asset)] = pending_in.get((destination, asset), 0) + sign * amount


def _check_checkpoint(
    check: LedgerCheck,
    name: str,
    row: tuple[Any, ...],
    frontier: merkle.Frontier,
    public_key: bytes | None,
) -> None:
    size, root, key, signature = row
    root, key, signature = bytes(root), bytes(key), bytes(signature)
    if frontier.root() != root:
        check.problem(f"checkpoint of size {size} does not match the journal's Merkle root")
    elif public_key is not None and key != public_key:
        check.problem(f"checkpoint of size {size} is signed by an unknown key")
    elif not verify_signature(key, checkpoint_message(name, size, root), signature):
        check.problem(f"checkpoint of size {size} has an invalid signature")


def _check_transaction_metadata(
    connection: Any,
    backend: Backend,
    lid: int,
    check: LedgerCheck,
    changes: dict[int, list[dict[str, Any]]],
    stored_differs: dict[int, str],
) -> None:
    for tx_id in sorted(stored_differs):
        if tx_id not in changes:
            check.problem(f"metadata of transaction {tx_id} was changed outside the ledger")
    for tx_id, change in sorted(changes.items()):
        rows = list(
            _rows(
                connection,
                backend,
                "SELECT t.metadata, j.payload FROM transactions t JOIN journal j ON j.ledger_id ="
                " t.ledger_id AND j.seq = t.seq WHERE t.ledger_id = ? AND t.id = ?",
                (lid, tx_id),
            )
        )
        if not rows:
            check.problem(f"metadata entries name transaction {tx_id}, which does not exist")
            continue
        stored_meta, initial = rows[0]
        expected = json.loads(initial)
        for step in change:
            if "metadata" in step:
                expected.update(step["metadata"])
            else:
                expected.pop(step["key"], None)
        if json.loads(stored_meta) != expected:
            check.problem(f"metadata of transaction {tx_id} does not match the journal")


def _check_accounts(
    connection: Any,
    backend: Backend,
    lid: int,
    check: LedgerCheck,
    expected: dict[str, dict[str, str]],
) -> None:
    for address, metadata in _rows(
        connection, backend, "SELECT address, metadata FROM accounts WHERE ledger_id = ?", (lid,)
    ):
        if json.loads(metadata) != expected.get(address, {}):
            check.problem(f"metadata of account {address} does not match the journal")


def _entry_digest(proof_entry: Any) -> bytes:
    return J.entry_hash(
        proof_entry.previous_hash,
        proof_entry.seq,
        proof_entry.kind,
        proof_entry.ref_id,
        to_micros(proof_entry.created_at),
        proof_entry.body,
    )


def verify_inclusion_proof(proof: InclusionProof, public_key: bytes) -> bool:
    """Check an inclusion proof against a trusted public key, without the database."""
    entry = proof.entry
    if _entry_digest(entry) != entry.hash or entry.seq != proof.leaf_index:
        return False
    checkpoint = proof.checkpoint
    if checkpoint.tree_size != proof.tree_size or checkpoint.public_key != public_key:
        return False
    message = checkpoint_message(checkpoint.ledger, checkpoint.tree_size, checkpoint.root)
    if not verify_signature(public_key, message, checkpoint.signature):
        return False
    return merkle.verify_inclusion(
        merkle.leaf_hash(entry.hash),
        proof.leaf_index,
        proof.tree_size,
        proof.path,
        checkpoint.root,
    )


def verify_consistency_proof(proof: ConsistencyProof, public_key: bytes) -> bool:
    """Check that two signed checkpoints are consistent (the older is a prefix)."""
    for checkpoint in (proof.old, proof.new):
        message = checkpoint_message(checkpoint.ledger, checkpoint.tree_size, checkpoint.root)
        if checkpoint.public_key != public_key or not verify_signature(
            public_key, message, checkpoint.signature
        ):
            return False
    return merkle.verify_consistency(
        proof.old.tree_size, proof.new.tree_size, proof.old.root, proof.new.root, proof.path
    )
