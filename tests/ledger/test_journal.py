"""The journal: hash chain, checkpoints, proofs, and detection of direct database edits."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

import coffer
from coffer import Posting
from coffer.core import Coffer
from coffer.ledger import merkle

USD = "USD/2"


def populate(c: Coffer) -> None:
    ledger = c.ledger("main")
    for index in range(30):
        ledger.post([Posting("world", f"users:{index % 5}", 100 + index, USD)])
    ledger.post([Posting("users:1", "users:2", 50, USD)], metadata={"note": "x"})
    hold = ledger.post([Posting("users:3", "shop", 40, USD)], pending=True)
    ledger.post_pending(hold.id, 30)
    other = ledger.post([Posting("users:4", "shop", 10, USD)], pending=True)
    ledger.void_pending(other.id)
    ledger.revert(0, force=True)
    ledger.set_transaction_metadata(1, {"k": "v"})
    ledger.set_account_metadata("users:1", {"tier": "gold"})
    ledger.set_overdraft("users:0", USD, 1_000)
    ledger.checkpoint()
    ledger.post([Posting("world", "users:9", 7, USD)])


def test_verify_passes_on_an_intact_database(coffer_db: Coffer) -> None:
    populate(coffer_db)
    report = coffer_db.verify()
    assert report.ok, report
    assert report.entries == 40
    assert report.ledgers[0].checkpoints >= 1


TAMPERING: dict[str, str] = {
    "posting amount": "UPDATE postings SET amount = amount + 1 WHERE tx_id = 3",
    "posting account": "UPDATE postings SET destination = 'users:evil' WHERE tx_id = 4",
    "deleted posting": "DELETE FROM postings WHERE tx_id = 5",
    "transaction timestamp": "UPDATE transactions SET timestamp = timestamp - 1000 WHERE id = 6",
    "transaction insertion time": "UPDATE transactions SET inserted_at = inserted_at + 1"
    " WHERE id = 6",
    "transaction reference": "UPDATE transactions SET reference = 'forged' WHERE id = 7",
    "transaction metadata": 'UPDATE transactions SET metadata = \'{"k":"w"}\' WHERE id = 1',
    "deleted transaction": "DELETE FROM transactions WHERE id = 8",
    "balance": "UPDATE balances SET input = input + 5 WHERE account = 'users:2'",
    "pending balance": "UPDATE balances SET pending_output = 1 WHERE account = 'users:1'",
    "overdraft": "UPDATE balances SET overdraft = 5 WHERE account = 'users:0'",
    "deleted balance": "DELETE FROM balances WHERE account = 'users:3'",
    "journal hash": "UPDATE journal SET hash = hash WHERE seq = 10; UPDATE journal SET"
    " created_at = created_at + 1 WHERE seq = 10",
    "journal payload": "UPDATE journal SET payload = '{}' WHERE seq = 30",
    "deleted journal entry": "DELETE FROM journal WHERE seq = 12",
    "hold status": "UPDATE holds SET status = 'pending' WHERE id = 1",
    "account metadata": "UPDATE accounts SET metadata = '{}' WHERE address = 'users:1'",
    "checkpoint root": "UPDATE checkpoints SET created_at = created_at + 1,"
    " root = (SELECT hash FROM journal WHERE seq = 0)",
    "truncated tail": "DELETE FROM postings WHERE tx_id = (SELECT max(id) FROM transactions);"
    " DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal);"
    " DELETE FROM transactions WHERE id = (SELECT max(id) FROM transactions)",
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_direct_edits_are_detected(database_url: str, what: str) -> None:
    with coffer.open(database_url) as c:
        populate(c)
        assert c.verify().ok
        with c.engine.begin() as connection:
            for statement in TAMPERING[what].split(";"):
                connection.execute(sa.text(statement))
    with coffer.open(database_url) as c:
        report = c.verify()
    assert not report.ok, f"{what} went unnoticed"
    assert report.first_problem


REORDERING: dict[str, list[str]] = {
    "insertion time": ["UPDATE transactions SET inserted_at = inserted_at - 1000 WHERE id = 1"],
    "swapped postings": [
        "UPDATE postings SET idx = 99 WHERE tx_id = 1 AND idx = 0",
        "UPDATE postings SET idx = 0 WHERE tx_id = 1 AND idx = 2",
        "UPDATE postings SET idx = 2 WHERE tx_id = 1 AND idx = 99",
    ],
    "renumbered postings": ["UPDATE postings SET idx = 7 WHERE tx_id = 1 AND idx = 2"],
}


@pytest.mark.parametrize("what", sorted(REORDERING))
def test_edits_of_insertion_time_and_posting_order_name_their_entry(
    database_url: str, what: str
) -> None:
    """The insertion time is the entry's time, and the postings' ordinals their order in
    the entry's body: an edit of either is reported at the transaction's entry."""
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        ledger.post([Posting("world", "users:1", 100, USD)])
        ledger.post(
            [
                Posting("users:1", "users:2", 10, USD),
                Posting("users:1", "users:3", 20, USD),
                Posting("users:1", "users:4", 30, USD),
            ]
        )
        ledger.post([Posting("world", "users:5", 1, USD)])
        assert c.verify().ok
        with c.engine.begin() as connection:
            for statement in REORDERING[what]:
                connection.execute(sa.text(statement))
        report = c.verify()
    assert not report.ok, f"{what} went unnoticed"
    assert "journal entry 1" in (report.first_problem or ""), report


def test_an_edit_early_in_a_long_journal_stops_verify_at_once(database_url: str) -> None:
    """verify reads the journal's streams in batches of 10,000 (on PostgreSQL, server-side
    cursors with the next batch requested ahead): stopping at an early entry leaves none
    of them behind, the next ledger is still checked in full, and verify can run again."""
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        for start in range(0, 25_000, 5_000):
            ledger.post_many(
                [[Posting("world", f"users:{i % 50}", 1, USD)] for i in range(start, start + 5_000)]
            )
        # "other" sorts after "main": it is checked after main's streams were abandoned.
        other = c.ledger("other")
        other.post_many([[Posting("world", f"users:{i % 7}", i + 1, USD)] for i in range(12_000)])
        other.catch_up_balances()  # large batches leave the balance rows to later
        assert c.verify().entries == 37_000
        with c.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE postings SET amount = 2 WHERE tx_id = 3"
                    " AND ledger_id = (SELECT id FROM ledgers WHERE name = 'main')"
                )
            )
        report = c.verify()
        assert not report.ok
        main, other = report.ledgers
        assert (main.name, main.entries) == ("main", 3)
        assert "journal entry 3" in (report.first_problem or "")
        assert (other.name, other.ok, other.entries, other.balances) == ("other", True, 12_000, 8)
        assert c.verify().entries == 12_003  # and again, on the same connections


def test_cli_verify_exit_codes(database_url: str) -> None:
    with coffer.open(database_url) as c:
        populate(c)
    command = [sys.executable, "-m", "coffer.cli.main", "verify", "--database", database_url]
    intact = subprocess.run(command, capture_output=True, text=True, check=False)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "intact" in intact.stdout
    with coffer.open(database_url) as c, c.engine.begin() as connection:
        connection.execute(sa.text("UPDATE postings SET amount = 1 WHERE tx_id = 2"))
    tampered = subprocess.run(command, capture_output=True, text=True, check=False)
    assert tampered.returncode == 1
    assert "journal entry 2" in tampered.stdout


def test_inclusion_and_consistency_proofs(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    key = coffer_db.signer.public_key
    for index in range(10):
        ledger.post([Posting("world", "a", index + 1, USD)])
    first = ledger.checkpoint()
    for index in range(7):
        ledger.post([Posting("world", "b", index + 1, USD)])
    second = ledger.checkpoint()
    assert (first.tree_size, second.tree_size) == (10, 17)
    for tx_id in (0, 5, 9, 12, 16):
        proof = ledger.inclusion_proof(tx_id)
        assert coffer.verify_inclusion_proof(proof, key)
    old = ledger.inclusion_proof(3, tree_size=10)
    assert coffer.verify_inclusion_proof(old, key)
    consistency = ledger.consistency_proof(10, 17)
    assert coffer.verify_consistency_proof(consistency, key)
    # forged proofs fail
    proof = ledger.inclusion_proof(4)
    forged_entry = type(proof.entry)(
        seq=proof.entry.seq,
        kind=proof.entry.kind,
        ref_id=proof.entry.ref_id,
        body=proof.entry.body.replace(",5,", ",6,"),
        created_at=proof.entry.created_at,
        hash=proof.entry.hash,
        previous_hash=proof.entry.previous_hash,
    )
    assert not coffer.verify_inclusion_proof(
        type(proof)(forged_entry, proof.leaf_index, proof.tree_size, proof.path, proof.checkpoint),
        key,
    )
    assert not coffer.verify_inclusion_proof(proof, b"\x01" * 32)


def _leaves(count: int) -> list[bytes]:
    return [merkle.leaf_hash(str(index).encode()) for index in range(count)]


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962's definition, recursively, as the oracle."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return merkle.node_hash(_reference_root(leaves[:split]), _reference_root(leaves[split:]))


@given(st.integers(min_value=1, max_value=70))
@settings(max_examples=40, deadline=None)
def test_merkle_root_matches_rfc6962(size: int) -> None:
    leaves = _leaves(size)
    assert merkle.root(leaves) == _reference_root(leaves)
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.append_leaf_hash(leaf)
    restored = merkle.Frontier.from_bytes(frontier.size, frontier.to_bytes())
    assert restored.root() == frontier.root() == _reference_root(leaves)


@given(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
@settings(max_examples=40, deadline=None)
def test_appending_entries_in_a_run_builds_the_same_tree(before: int, added: int) -> None:
    """``append_leaves`` (a batch's entries at once) gives the tree of one leaf at a time."""
    data = [bytes([i % 256]) * 32 for i in range(before + added)]
    one_by_one, in_runs = merkle.Frontier(), merkle.Frontier()
    for item in data:
        one_by_one.append_leaf_hash(merkle.leaf_hash(item))
    in_runs.append_leaves(data[:before])
    in_runs.append_leaves(data[before:])
    assert (in_runs.size, in_runs.nodes) == (one_by_one.size, one_by_one.nodes)
    if data:
        assert in_runs.root() == _reference_root([merkle.leaf_hash(d) for d in data])


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_merkle_proofs_verify_and_reject_forgeries(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=64))
    leaves = _leaves(size)
    root = merkle.root(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    path = merkle.inclusion_path(index, leaves)
    assert merkle.verify_inclusion(leaves[index], index, size, path, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"x"), index, size, path, root)
    if size > 1:
        assert not merkle.verify_inclusion(leaves[index], (index + 1) % size, size, path, root)
    old = data.draw(st.integers(min_value=1, max_value=size))
    proof = merkle.consistency_path(old, leaves) if old < size else []
    old_root = merkle.root(leaves[:old])
    assert merkle.verify_consistency(old, size, old_root, root, proof)
    if old < size:
        assert not merkle.verify_consistency(old, size, merkle.leaf_hash(b"y"), root, proof)


def test_processes_starting_at_once_share_one_new_signing_key(tmp_path: Path) -> None:
    """The key file is written whole and then linked into place: processes that start at
    the same moment read the same complete key, and none fails on the file appearing
    meanwhile (6 processes released together by a barrier, 10 new key files)."""
    import multiprocessing

    from coffer.ledger.signing import Signer

    context = multiprocessing.get_context("fork")
    for round_ in range(10):
        path = str(tmp_path / f"signing-{round_}.key")
        barrier = context.Barrier(6)
        results = context.Queue()
        workers = [
            context.Process(target=_public_key_of, args=(path, barrier, results)) for _ in range(6)
        ]
        for worker in workers:
            worker.start()
        keys = [results.get(timeout=30) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        assert all(isinstance(key, bytes) for key in keys), keys
        assert len(set(keys)) == 1
        assert Signer.from_settings(None, path).public_key == keys[0]
        # the public key is written next to it, for `coffer verify` elsewhere
        assert bytes.fromhex((tmp_path / f"signing-{round_}.key.pub").read_text()) == keys[0]
    # no partial files left: each key and its public key
    assert len(list(tmp_path.iterdir())) == 20


def _public_key_of(path: str, barrier: Any, results: Any) -> None:
    from coffer.ledger.signing import Signer

    barrier.wait()
    try:
        results.put(Signer.from_settings(None, path).public_key)
    except Exception as exc:
        results.put(repr(exc))


EARLIER = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def test_a_batch_mixing_plain_and_keyed_transactions_stores_every_column(
    database_url: str,
) -> None:
    """Plain transfers and ones with a reference, a key, a hold or a revert, in one batch:
    each row keeps its columns (SQLite writes the plain ones without their NULL columns)."""
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        first = ledger.post([Posting("world", "a", 100, USD)])
        hold = ledger.post([Posting("a", "b", 10, USD)], pending=True)
        requests: list[Any] = [
            [Posting("world", "a", 1, USD)],
            coffer.TransactionRequest([Posting("world", "a", 2, USD)], reference="ref-1"),
            coffer.TransactionRequest([Posting("world", "a", 3, USD)], idempotency_key="k-1"),
            [Posting("a", "b", 4, USD)],
            # plain too (no key, reference or overdraft), with metadata and its own time
            coffer.TransactionRequest(
                [Posting("world", "c", 5, USD)], metadata={"k": "v"}, timestamp=EARLIER
            ),
        ]
        results = ledger.post_many(requests)
        assert all(isinstance(r, coffer.Transaction) for r in results), results
        post = ledger.post_pending(hold.id)
        revert = ledger.revert(first.id, force=True)
        again = ledger.post_many(requests[2:3])[0]
        assert isinstance(again, coffer.Transaction) and again.id == results[2].id
        assert ledger.transaction(results[1].id).reference == "ref-1"
        assert ledger.transaction(results[0].id).reference is None
        assert ledger.transaction(post.id).hold_id == hold.id
        assert ledger.transaction(revert.id).reverts_id == first.id
        assert ledger.balance("b", USD) == 14
        stored = ledger.transaction(results[4].id)
        assert stored.metadata == {"k": "v"} and stored.timestamp == EARLIER
        assert stored.inserted_at > EARLIER
        assert ledger.balance("c", USD, at=EARLIER) == 5
        assert c.verify().ok


_addresses = st.from_regex(r"[a-z0-9_-]{1,8}(:[a-z0-9_-]{1,8}){0,2}", fullmatch=True)


@given(
    st.lists(
        st.tuples(
            _addresses,
            _addresses,
            st.integers(min_value=0, max_value=2**128 - 1),
            st.sampled_from(["USD/2", "EUR", "BTC/8"]),
        ),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=60, deadline=None)
def test_postings_encode_and_decode_to_themselves(
    postings: list[tuple[str, str, int, str]],
) -> None:
    """The journal's text of postings (one posting takes a shorter path) reads back whole."""
    from coffer.ledger import journal as J

    text = J.encode_postings(postings)
    assert J.decode_postings(text) == postings
    assert text.count(";") == len(postings) - 1
