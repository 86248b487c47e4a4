"""Balance rows under load: large batches leave them to later; every reader sees them
current, verify checks them as they lag, and tampering with them or their mark shows."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

import coffer
from coffer import Posting
from coffer.settings import Settings

USD = "USD/2"
LAZY_BATCH = Settings().lazy_batch


def mark(c: coffer.Coffer, name: str = "main") -> tuple[int, int]:
    """(balances_tx, next_tx_id) of ledger ``name``."""
    with c.engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT balances_tx, next_tx_id FROM ledgers WHERE name = :n"), {"n": name}
        ).one()
    return int(row[0]), int(row[1])


def stored(c: coffer.Coffer, account: str) -> int | None:
    with c.engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT input, output FROM balances WHERE account = :a AND asset = :s"),
            {"a": account, "s": USD},
        ).one_or_none()
    return None if row is None else int(row[0]) - int(row[1])


def transfers(count: int, accounts: int = 10) -> list[list[Posting]]:
    return [[Posting("world", f"users:{i % accounts}", i + 1, USD)] for i in range(count)]


def test_a_large_batch_leaves_its_rows_and_a_read_catches_them_up(database_url: str) -> None:
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        ledger.post([Posting("world", "users:0", 5, USD)])  # alone: rows written at once
        assert mark(c) == (1, 1)
        ledger.post_many(transfers(LAZY_BATCH))
        lagging, end = mark(c)
        assert (lagging, end) == (1, 1 + LAZY_BATCH)
        assert stored(c, "users:0") == 5  # the row still lags
        assert c.verify().ok  # and verify accounts for it
        expected = 5 + sum(i + 1 for i in range(LAZY_BATCH) if i % 10 == 0)
        assert ledger.balance("users:0", USD) == expected
        assert mark(c) == (end, end)
        assert stored(c, "users:0") == expected
        assert stored(c, "users:9") == sum(i + 1 for i in range(LAZY_BATCH) if i % 10 == 9)
        assert c.verify().ok


def test_rows_are_written_once_enough_postings_went_unwritten(database_url: str) -> None:
    settings = Settings(lazy_batch=10, balance_flush_postings=25)
    with coffer.open(database_url, settings=settings) as c:
        ledger = c.ledger("main")
        ledger.post_many(transfers(10))
        assert mark(c) == (0, 10)
        ledger.post_many(transfers(10))
        assert mark(c) == (0, 20)
        ledger.post_many(transfers(10))  # 30 unwritten postings: this batch writes them
        assert mark(c) == (30, 30)
        assert stored(c, "users:3") == 3 * 4
        assert stored(c, "world") == -3 * sum(range(1, 11))
        assert c.verify().ok


def test_a_hold_or_an_overdraft_writes_the_rows_that_lag(database_url: str) -> None:
    """Pending amounts and overdrafts are not in the postings a catch-up adds."""
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        ledger.post_many(transfers(LAZY_BATCH))
        assert mark(c)[0] == 0
        hold = ledger.post([Posting("users:1", "users:2", 2, USD)], pending=True)
        end = mark(c)[1]
        assert mark(c) == (end, end)
        ledger.post_many(transfers(LAZY_BATCH))
        assert mark(c)[0] == end
        ledger.set_overdraft("users:5", USD, 1_000)
        assert mark(c)[0] == mark(c)[1]
        ledger.post_many(transfers(LAZY_BATCH))
        ledger.void_pending(hold.id)
        assert mark(c)[0] == mark(c)[1]
        balances = ledger.balances("users:1")[USD]
        assert (balances.pending_output, balances.available) == (0, balances.balance)
        assert c.verify().ok


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE balances SET input = '1' WHERE account = 'users:3'",
        "DELETE FROM balances WHERE account = 'users:3'",
        "UPDATE ledgers SET balances_tx = 0",
        "UPDATE ledgers SET balances_tx = balances_tx - 1",
        "UPDATE ledgers SET balances_tx = next_tx_id + 1",
    ],
)
def test_tampering_with_rows_that_lag_or_their_mark_shows(
    database_url: str, tampering: str
) -> None:
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        ledger.post_many(transfers(LAZY_BATCH))
        ledger.catch_up_balances()
        ledger.post_many(transfers(LAZY_BATCH))  # rows lag again
        assert mark(c)[0] == LAZY_BATCH
        assert c.verify().ok
        with c.engine.begin() as connection:
            connection.execute(sa.text(tampering))
        report = c.verify()
    assert not report.ok, tampering
    assert "balance" in (report.first_problem or "")


def test_readers_catch_up_while_large_batches_are_written(database_url: str) -> None:
    """A reader's catch-up and the writer's batches interleave: no read sees an account
    below its floor or money appear, the totals end conserved, and verify passes."""
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        ledger.post_many([[Posting("world", f"users:{i}", 1_000_000, USD)] for i in range(20)])
        done = threading.Event()
        problems: list[str] = []

        def read() -> None:
            while not done.is_set():
                seen = [ledger.balance(f"users:{i}", USD) for i in range(20)]
                world = ledger.balance("world", USD)
                if min(seen) < 0 or world != -20_000_000:
                    problems.append(f"users {seen}, world {world}")

        reader = threading.Thread(target=read)
        reader.start()
        try:
            for round_ in range(20):
                ledger.post_many(
                    [
                        [Posting(f"users:{(i + round_) % 20}", f"users:{(i * 7) % 20}", 3, USD)]
                        for i in range(LAZY_BATCH)
                    ]
                )
        finally:
            done.set()
            reader.join()
        assert not problems, problems[:3]
        assert sum(ledger.balance(f"users:{i}", USD) for i in range(20)) == 20_000_000
        assert c.verify().ok


def test_a_busy_ledger_keeps_its_rows_lagging_until_a_reader_catches_them_up(
    database_url: str,
) -> None:
    """Beyond quiet_flush_rows lagging balances, a small batch alone does not write them
    (a busy ledger's brief pauses would otherwise write them every few batches); once a
    reader has caught them up, the sequencer knows and a quiet batch writes its own."""
    with coffer.open(database_url, settings=Settings(quiet_flush_rows=0)) as c:
        ledger = c.ledger("main")
        ledger.post_many(transfers(LAZY_BATCH))
        ledger.post([Posting("world", "users:1", 1, USD)])
        assert mark(c) == (0, LAZY_BATCH + 1)
        assert ledger.balance("users:1", USD) == 1 + sum(
            i + 1 for i in range(LAZY_BATCH) if i % 10 == 1
        )
        assert mark(c) == (LAZY_BATCH + 1,) * 2
        ledger.post([Posting("world", "users:2", 1, USD)])
        assert mark(c) == (LAZY_BATCH + 2,) * 2
        assert c.verify().ok
