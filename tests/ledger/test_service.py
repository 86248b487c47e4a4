"""The embedded ledger API, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

import coffer
from coffer import UNBOUNDED, Posting, TransactionRequest
from coffer.core import Coffer
from coffer.errors import (
    AlreadyReverted,
    DuplicateReference,
    HoldNotFound,
    HoldStateError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAccount,
    InvalidAmount,
    InvalidAsset,
    TransactionNotFound,
    ValidationError,
)
from coffer.ledger import Hold, Transaction

USD = "USD/2"


def fund(ledger: coffer.Ledger, account: str, amount: int, asset: str = USD) -> Transaction:
    return ledger.post([Posting("world", account, amount, asset)])


def test_post_and_balances(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    tx = ledger.post(
        [Posting("world", "users:alice", 10_000, USD)],
        metadata={"order": "42"},
        reference="order-42",
    )
    assert tx.id == 0
    assert tx.metadata == {"order": "42"}
    assert tx.post_commit_volumes is not None
    assert tx.post_commit_volumes["users:alice"][USD].balance == 10_000
    assert ledger.balance("users:alice", USD) == 10_000
    assert ledger.balance("world", USD) == -10_000
    assert ledger.balance("users:nobody", USD) == 0
    balances = ledger.balances("users:alice")
    assert balances[USD].balance == balances[USD].available == 10_000
    stored = ledger.transaction(tx.id)
    assert stored.postings == tx.postings
    assert stored.reference == "order-42"
    assert stored.metadata == {"order": "42"}


def test_multi_posting_transaction_is_atomic(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    fund(ledger, "a", 100)
    with pytest.raises(InsufficientFunds) as info:
        ledger.post([Posting("a", "b", 60, USD), Posting("a", "c", 60, USD)])
    assert (info.value.account, info.value.asset) == ("a", USD)
    assert (info.value.available, info.value.needed) == (40, 60)
    assert ledger.balance("a", USD) == 100
    assert ledger.balance("b", USD) == 0
    ledger.post([Posting("a", "b", 60, USD), Posting("b", "c", 60, USD)])
    assert (ledger.balance("a", USD), ledger.balance("c", USD)) == (40, 60)


def test_max_amount_on_every_backend(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    top = 2**128 - 1
    fund(ledger, "whale", top, "ETH/18")
    fund(ledger, "whale", top, "ETH/18")
    assert ledger.balance("whale", "ETH/18") == 2 * top
    assert ledger.balance("world", "ETH/18") == -2 * top
    assert ledger.transaction(1).postings[0].amount == top
    with pytest.raises(InvalidAmount):
        ledger.post([Posting("world", "whale", top + 1, "ETH/18")])


@pytest.mark.parametrize(
    ("posting", "error"),
    [
        (Posting("world", "a", -1, USD), InvalidAmount),
        (Posting("world", "a", 2**128, USD), InvalidAmount),
        (Posting("world", "a", 1.5, USD), InvalidAmount),  # type: ignore[arg-type]
        (Posting("world", "a", 1, "usd"), InvalidAsset),
        (Posting("world", "a", 1, "USD/x"), InvalidAsset),
        (Posting("world", "a b", 1, USD), InvalidAccount),
        (Posting("world", "a::b", 1, USD), InvalidAccount),
        (Posting("", "a", 1, USD), InvalidAccount),
    ],
)
def test_bad_input_is_rejected_and_changes_nothing(
    coffer_db: Coffer, posting: Posting, error: type[Exception]
) -> None:
    ledger = coffer_db.ledger("main")
    with pytest.raises(error):
        ledger.post([posting])
    assert ledger.transactions().data == []


def test_only_world_goes_negative_unless_overdraft(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    with pytest.raises(InsufficientFunds):
        ledger.post([Posting("users:bob", "shop", 1, USD)])
    ledger.set_overdraft("users:bob", USD, 500)
    ledger.post([Posting("users:bob", "shop", 500, USD)])
    with pytest.raises(InsufficientFunds) as info:
        ledger.post([Posting("users:bob", "shop", 1, USD)])
    assert info.value.available == 0
    ledger.set_overdraft("users:bob", USD, UNBOUNDED)
    ledger.post([Posting("users:bob", "shop", 10**9, USD)])
    assert ledger.balances("users:bob")[USD].overdraft is UNBOUNDED
    # a grant by the transaction itself
    with pytest.raises(InsufficientFunds):
        ledger.post([Posting("users:carol", "shop", 100, USD)])
    ledger.post([Posting("users:carol", "shop", 100, USD)], overdrafts={"users:carol": 100})
    assert ledger.balance("users:carol", USD) == -100


def test_idempotency(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    first = ledger.post([Posting("world", "a", 5, USD)], idempotency_key="key-1")
    again = ledger.post([Posting("world", "a", 5, USD)], idempotency_key="key-1")
    assert again.id == first.id
    assert ledger.balance("a", USD) == 5
    with pytest.raises(IdempotencyConflict):
        ledger.post([Posting("world", "a", 6, USD)], idempotency_key="key-1")
    # seen again after a restart (the key is in the database, not only in memory)
    coffer_db._ledgers.clear()
    fresh = coffer_db.ledger("main")
    assert fresh.post([Posting("world", "a", 5, USD)], idempotency_key="key-1").id == first.id
    with pytest.raises(IdempotencyConflict):
        fresh.post([Posting("world", "a", 7, USD)], idempotency_key="key-1")
    assert fresh.balance("a", USD) == 5


def test_concurrent_duplicates_commit_once(coffer_db: Coffer) -> None:
    import threading

    ledger = coffer_db.ledger("main")
    results: list[int] = []

    def send() -> None:
        tx = ledger.post([Posting("world", "a", 1, USD)], idempotency_key="same")
        results.append(tx.id)

    threads = [threading.Thread(target=send) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert ledger.balance("a", USD) == 1


def test_reference_is_unique(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    ledger.post([Posting("world", "a", 5, USD)], reference="ref")
    with pytest.raises(DuplicateReference):
        ledger.post([Posting("world", "a", 5, USD)], reference="ref")
    coffer_db._ledgers.clear()
    with pytest.raises(DuplicateReference):
        coffer_db.ledger("main").post([Posting("world", "a", 5, USD)], reference="ref")
    other = coffer_db.ledger("other")
    other.post([Posting("world", "a", 5, USD)], reference="ref")  # per ledger


def test_holds_post_in_full_and_in_part(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    fund(ledger, "alice", 1_000)
    hold = ledger.post([Posting("alice", "shop", 600, USD)], pending=True, timeout_seconds=600)
    assert isinstance(hold, Hold)
    assert hold.status == "pending"
    position = ledger.balances("alice")[USD]
    assert (position.balance, position.pending_output, position.available) == (1_000, 600, 400)
    with pytest.raises(InsufficientFunds):
        ledger.post([Posting("alice", "bob", 401, USD)])
    tx = ledger.post_pending(hold.id, 250)
    assert tx.hold_id == hold.id
    assert tx.postings == [Posting("alice", "shop", 250, USD)]
    position = ledger.balances("alice")[USD]
    assert (position.balance, position.pending_output, position.available) == (750, 0, 750)
    assert ledger.balances("shop")[USD].pending_input == 0
    assert ledger.hold(hold.id).status == "posted"
    with pytest.raises(HoldStateError):
        ledger.post_pending(hold.id)
    with pytest.raises(HoldStateError):
        ledger.void_pending(hold.id)

    full = ledger.post([Posting("alice", "shop", 100, USD)], pending=True)
    assert ledger.post_pending(full.id).postings[0].amount == 100
    assert ledger.balance("alice", USD) == 650


def test_hold_errors(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    fund(ledger, "alice", 1_000)
    hold = ledger.post([Posting("alice", "shop", 300, USD)], pending=True)
    with pytest.raises(HoldStateError):
        ledger.post_pending(hold.id, 301)
    with pytest.raises(ValidationError):
        ledger.post_pending(hold.id, 0)
    voided = ledger.void_pending(hold.id)
    assert voided.status == "voided"
    assert ledger.balances("alice")[USD].available == 1_000
    with pytest.raises(HoldStateError):
        ledger.post_pending(hold.id)
    with pytest.raises(HoldNotFound):
        ledger.post_pending(99)
    with pytest.raises(InsufficientFunds):
        ledger.post([Posting("alice", "shop", 1_001, USD)], pending=True)


def test_holds_expire_at_their_timeout(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    fund(ledger, "alice", 1_000)
    hold = ledger.post([Posting("alice", "shop", 700, USD)], pending=True, timeout_seconds=0.2)
    assert ledger.balances("alice")[USD].available == 300
    time.sleep(0.3)
    assert ledger.balances("alice")[USD].available == 1_000
    assert ledger.hold(hold.id).status == "expired"
    with pytest.raises(HoldStateError):
        ledger.post_pending(hold.id)
    assert coffer_db.verify().ok


def test_multi_posting_hold_partial(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    fund(ledger, "alice", 1_000)
    hold = ledger.post(
        [Posting("alice", "shop", 500, USD), Posting("alice", "fees", 50, USD)], pending=True
    )
    with pytest.raises(ValidationError):
        ledger.post_pending(hold.id, 100)
    tx = ledger.post_pending(hold.id, amounts=[400, 0])
    assert tx.postings == [Posting("alice", "shop", 400, USD)]
    assert ledger.balances("alice")[USD].available == 600


def test_revert(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    fund(ledger, "alice", 100)
    tx = ledger.post([Posting("alice", "bob", 80, USD)])
    back = ledger.revert(tx.id)
    assert back.reverts_id == tx.id
    assert back.postings == [Posting("bob", "alice", 80, USD)]
    assert ledger.transaction(tx.id).reverted
    with pytest.raises(AlreadyReverted):
        ledger.revert(tx.id)
    with pytest.raises(TransactionNotFound):
        ledger.revert(42)
    spent = ledger.post([Posting("alice", "bob", 100, USD)])
    ledger.post([Posting("bob", "carol", 100, USD)])
    with pytest.raises(InsufficientFunds):
        ledger.revert(spent.id)
    forced = ledger.revert(spent.id, force=True)
    assert ledger.balance("bob", USD) == -100
    assert forced.reverts_id == spent.id


def test_post_many_each_alone_or_all_or_nothing(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    results = ledger.post_many(
        [
            [Posting("world", "a", 10, USD)],
            [Posting("a", "b", 20, USD)],
            TransactionRequest([Posting("a", "b", 5, USD)], metadata={"k": "v"}),
            [Posting("world", "a", -1, USD)],
        ]
    )
    assert isinstance(results[0], Transaction)
    assert isinstance(results[1], InsufficientFunds)
    assert isinstance(results[2], Transaction) and results[2].metadata == {"k": "v"}
    assert isinstance(results[3], InvalidAmount)
    assert ledger.balance("a", USD) == 5

    outcome = ledger.post_many(
        [[Posting("world", "c", 10, USD)], [Posting("c", "d", 11, USD)]], atomic=True
    )
    assert all(isinstance(r, coffer.CofferError) for r in outcome)
    assert isinstance(outcome[1], InsufficientFunds)
    assert ledger.balance("c", USD) == 0
    outcome = ledger.post_many(
        [[Posting("world", "c", 10, USD)], [Posting("c", "d", 10, USD)]], atomic=True
    )
    assert all(isinstance(r, Transaction) for r in outcome)
    assert ledger.balance("d", USD) == 10


def test_a_refused_transfer_in_a_batch_changes_nothing(coffer_db: Coffer) -> None:
    """Plain transfers are applied without a savepoint: every check must come first."""
    ledger = coffer_db.ledger("main")
    ledger.post([Posting("world", "a", 100, USD)])
    last = ledger.post([Posting("world", "z", 1, USD)]).id
    results = ledger.post_many(
        [
            [Posting("a", "b", 60, USD), Posting("a", "c", 50, USD)],  # 110 of 100
            [Posting("a", "a", 70, USD), Posting("a", "b", 30, USD), Posting("b", "c", 30, USD)],
            [Posting("a", "b", 71, USD)],  # 70 left
        ]
    )
    refused = results[0]
    assert isinstance(refused, InsufficientFunds)
    assert (refused.account, refused.available, refused.needed) == ("a", 40, 50)
    assert isinstance(results[1], Transaction) and results[1].id == last + 1
    assert isinstance(results[2], InsufficientFunds) and results[2].available == 70
    assert ledger.balance("a", USD) == 70
    assert ledger.balance("b", USD) == 0
    assert ledger.balance("c", USD) == 30
    volumes = ledger.balances("a")[USD]
    assert (volumes.input, volumes.output) == (170, 100)
    assert [t.id for t in ledger.transactions().data][:2] == [last + 1, last]
    assert coffer_db.verify().ok


def test_point_in_time_balances(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    day = datetime(2026, 1, 1, tzinfo=UTC)
    ledger.post([Posting("world", "a", 100, USD)], timestamp=day)
    ledger.post([Posting("a", "b", 30, USD)], timestamp=day + timedelta(days=2))
    ledger.post([Posting("world", "a", 5, USD)], timestamp=day + timedelta(days=1))  # backdated
    assert ledger.balance("a", USD, at=day - timedelta(seconds=1)) == 0
    assert ledger.balance("a", USD, at=day) == 100
    assert ledger.balance("a", USD, at=day + timedelta(days=1)) == 105
    assert ledger.balance("a", USD, at=day + timedelta(days=3)) == 75
    assert ledger.balance("a", USD) == 75
    assert ledger.balances("b", at=day + timedelta(days=3))[USD].balance == 30


def test_transactions_paging_and_filters(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    for index in range(25):
        ledger.post(
            [Posting("world", f"users:{index % 3}", 1, USD)],
            metadata={"parity": str(index % 2)},
            reference=f"r{index}",
        )
    seen: list[int] = []
    page = ledger.transactions(page_size=10)
    while True:
        seen.extend(tx.id for tx in page.data)
        if not page.has_more:
            break
        assert page.next_cursor is not None
        page = ledger.transactions(cursor=page.next_cursor)
    assert seen == list(range(24, -1, -1))
    mine = ledger.transactions(account="users:1", page_size=100).data
    assert [tx.id for tx in mine] == [i for i in range(24, -1, -1) if i % 3 == 1]
    even = ledger.transactions(metadata={"parity": "0"}, page_size=100, order="asc").data
    assert [tx.id for tx in even] == list(range(0, 25, 2))
    assert [tx.id for tx in ledger.transactions(reference="r7").data] == [7]
    # since_id bounds both orders, and the pages a cursor goes on with
    recent = ledger.transactions(since_id=20, page_size=2)
    assert [tx.id for tx in recent.data] == [24, 23] and recent.next_cursor is not None
    rest = ledger.transactions(cursor=recent.next_cursor, page_size=100).data
    assert [tx.id for tx in rest] == [22, 21, 20]
    even = ledger.transactions(metadata={"parity": "0"}, since_id=19, order="asc").data
    assert [tx.id for tx in even] == [20, 22, 24]
    with pytest.raises(ValidationError):
        ledger.transactions(since_id=-1)


def test_metadata_updates(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    tx = fund(ledger, "a", 1)
    ledger.set_transaction_metadata(tx.id, {"a": "1", "b": "2"})
    ledger.delete_transaction_metadata(tx.id, "a")
    assert ledger.transaction(tx.id).metadata == {"b": "2"}
    ledger.set_account_metadata("a", {"kyc": "ok"})
    ledger.set_account_metadata("new:account", {"x": "y"})
    ledger.delete_account_metadata("a", "missing")
    assert ledger.account("a").metadata == {"kyc": "ok"}
    assert ledger.account("new:account").metadata == {"x": "y"}
    assert [a.address for a in ledger.accounts(prefix="new:").data] == ["new:account"]
    with pytest.raises(TransactionNotFound):
        ledger.set_transaction_metadata(10, {"a": "b"})
    assert coffer_db.verify().ok


def test_open_uses_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from coffer.settings import get_settings

    monkeypatch.setenv("COFFER_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    get_settings.cache_clear()
    try:
        with coffer.open() as c:
            assert str(c.url).endswith("env.db")
            fund(c.ledger("x"), "a", 1)
    finally:
        get_settings.cache_clear()


def test_ledger_names_are_checked(coffer_db: Coffer) -> None:
    with pytest.raises(ValidationError):
        coffer_db.ledger("bad name")
    coffer_db.create_ledger("named", metadata={"team": "payments"})
    assert coffer_db.ledger_info("named").metadata == {"team": "payments"}
    assert {info.name for info in coffer_db.ledgers()} >= {"named"}


def test_an_idempotency_key_belongs_to_one_request_of_any_kind(coffer_db: Coffer) -> None:
    ledger = coffer_db.ledger("main")
    ledger.set_account_metadata("a:b", {"x": "y"}, idempotency_key="k1")
    assert ledger.set_account_metadata("a:b", {"x": "y"}, idempotency_key="k1") == {"x": "y"}
    with pytest.raises(IdempotencyConflict):
        ledger.post([Posting("world", "a", 5, USD)], idempotency_key="k1")
    coffer_db._ledgers.clear()  # the same after a restart, from the database
    with pytest.raises(IdempotencyConflict):
        coffer_db.ledger("main").post([Posting("world", "a", 5, USD)], idempotency_key="k1")
    assert coffer_db.ledger("main").balance("a", USD) == 0


def test_transactions_need_postings(coffer_db: Coffer) -> None:
    from coffer.errors import NoPostings

    ledger = coffer_db.ledger("main")
    with pytest.raises(NoPostings):
        ledger.post([])
    with pytest.raises(NoPostings):
        ledger.run('set_tx_meta("k", "v")')
    results = ledger.post_many([[], [Posting("world", "a", 1, USD)]])
    assert isinstance(results[0], NoPostings) and isinstance(results[1], Transaction)


def test_post_many_mixes_postings_and_scripts(coffer_db: Coffer) -> None:
    from coffer import ScriptRequest

    ledger = coffer_db.ledger("main")
    split = "send [USD/2 100] ( source = @world destination = { 10% to @fees remaining to @a } )"
    results = ledger.post_many(
        [ScriptRequest(split), [Posting("a", "b", 90, USD)], ScriptRequest(split)], atomic=True
    )
    assert all(isinstance(r, Transaction) for r in results)
    assert (ledger.balance("fees", USD), ledger.balance("a", USD)) == (20, 90)
    failed = ledger.post_many(
        [
            ScriptRequest(split),
            ScriptRequest("send [USD/2 1] ( source = @nobody destination = @a )"),
        ],
        atomic=True,
    )
    assert all(isinstance(r, coffer.CofferError) for r in failed)
    assert ledger.balance("fees", USD) == 20
