"""PostgreSQL: a large post_many goes in chunks whose statements the leader sends itself,
applying the next chunk while the server writes the one before (Settings.pg_lead_chunk)."""

from __future__ import annotations

from typing import Any

import pytest

import coffer
from coffer import Posting
from coffer.ledger import pgpipe, sequencer
from coffer.ledger.models import Transaction
from coffer.settings import Settings
from dbtools import end_connections

USD = "USD/2"


@pytest.fixture
def pg_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("statements in flight are PostgreSQL's")
    return database_url


def lead_settings() -> Settings:
    """Chunks of 100 requests (the environment's settings otherwise)."""
    return Settings(pg_lead_chunk=100)


def transfers(count: int, amount: int = 1) -> list[list[Posting]]:
    return [[Posting("world", f"users:{i % 37}", amount, USD)] for i in range(count)]


def check(url: str, transactions: int) -> None:
    """Every transaction once, balances as their postings say, verify passes."""
    with coffer.open(url) as c:
        ledger = c.ledger("main")
        assert ledger.transactions(page_size=1).data[0].id + 1 == transactions
        total = sum(ledger.balance(f"users:{i}", USD) for i in range(37))
        assert total == -ledger.balance("world", USD)
        report = c.verify()
        assert report.ok, report


def test_a_large_post_many_is_written_in_chunks_sent_ahead(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_flight_at_apply: list[int] = []
    sends: list[int] = []
    real_send = pgpipe.PipelinedConnection.send
    real_apply = sequencer.Sequencer._apply_batch

    def send(self: pgpipe.PipelinedConnection, sql: str, params: dict[str, Any]) -> None:
        sends.append(self.pending)
        real_send(self, sql, params)

    def apply(self: sequencer.Sequencer, batch: list[Any], *, careful: bool) -> None:
        pipe = self._lead_pipe
        in_flight_at_apply.append(pipe.pending if pipe is not None else 0)
        real_apply(self, batch, careful=careful)

    monkeypatch.setattr(pgpipe.PipelinedConnection, "send", send)
    monkeypatch.setattr(sequencer.Sequencer, "_apply_batch", apply)
    with coffer.open(pg_url, settings=lead_settings()) as c:
        ledger = c.ledger("main")
        results = ledger.post_many(transfers(1_000))
        assert all(isinstance(r, Transaction) for r in results)
        assert [r.id for r in results if isinstance(r, Transaction)] == list(range(1_000))
        seq = ledger._sequencer
        assert seq._writer_thread is None  # the leader sent them all
        assert not seq._lead_inflight
    assert len(sends) == 10
    assert max(sends) <= Settings().pg_in_flight - 1
    # a chunk was applied while the statement before it was in flight
    assert max(in_flight_at_apply) >= 1
    check(pg_url, 1_000)


def test_a_post_many_whose_connection_is_ended_between_chunks_loses_and_repeats_nothing(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_send = pgpipe.PipelinedConnection.send
    ended: dict[int, int] = {}  # server process -> how many were ended (1)

    def send(self: pgpipe.PipelinedConnection, sql: str, params: dict[str, Any]) -> None:
        real_send(self, sql, params)
        # a statement sent on this connection, maybe committed: end it (twice in all)
        if self.backend_pid not in ended and len(ended) < 2:
            ended[self.backend_pid] = end_connections(pg_url, only=self.backend_pid)

    monkeypatch.setattr(pgpipe.PipelinedConnection, "send", send)
    with coffer.open(pg_url, settings=lead_settings()) as c:
        ledger = c.ledger("main")
        results = ledger.post_many(transfers(1_000))
        assert list(ended.values()) == [1, 1]
        assert all(isinstance(r, Transaction) for r in results), results[:3]
        ids = sorted(r.id for r in results if isinstance(r, Transaction))
        assert ids == list(range(1_000))
        ledger.post([Posting("world", "users:0", 1, USD)])
    check(pg_url, 1_001)


def test_another_process_writing_between_chunks_sends_the_rest_again(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with coffer.open(pg_url, settings=lead_settings()) as other:
        other.ledger("main").post([Posting("world", "users:0", 1, USD)])
        real_send = pgpipe.PipelinedConnection.send
        wrote: list[int] = []

        def send(self: pgpipe.PipelinedConnection, sql: str, params: dict[str, Any]) -> None:
            real_send(self, sql, params)
            if len(wrote) < 2:
                # the chunks sent after this one were applied on a head that has moved
                wrote.append(other.ledger("main").post([Posting("world", "users:1", 1, USD)]).id)

        monkeypatch.setattr(pgpipe.PipelinedConnection, "send", send)
        with coffer.open(pg_url, settings=lead_settings()) as c:
            results = c.ledger("main").post_many(transfers(1_000, amount=2))
        monkeypatch.setattr(pgpipe.PipelinedConnection, "send", real_send)
    # once at least; a second time if another chunk was sent before the first failure was
    # answered (after it, the rest go under the ledger's lock, without these sends)
    assert 1 <= len(wrote) <= 2
    assert all(isinstance(r, Transaction) for r in results), results[:3]
    ids = {r.id for r in results if isinstance(r, Transaction)}
    assert len(ids) == 1_000 and not ids & set(wrote)
    check(pg_url, 1_000 + 1 + len(wrote))


def test_statements_of_many_shapes_go_unprepared_past_the_limit(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's statement text depends on which of its columns hold one value; past
    MAX_PREPARED shapes a connection sends them unprepared, with the same effect."""
    monkeypatch.setattr(pgpipe, "MAX_PREPARED", 1)
    with coffer.open(pg_url, settings=lead_settings()) as c:
        ledger = c.ledger("main")
        batches: list[list[Any]] = [
            transfers(300),  # one asset, one time: several columns are one parameter
            [[Posting("world", f"users:{i % 37}", i + 1, USD)] for i in range(300)],
            [
                coffer.TransactionRequest([Posting("world", "users:1", 5, USD)], reference=f"r{i}")
                for i in range(300)
            ],
        ]
        for batch in batches:
            results = ledger.post_many(batch)
            assert all(isinstance(r, Transaction) for r in results), results[:3]
        assert ledger.transaction(650).reference == "r50"
        pipe = ledger._sequencer._lead_pipe
        assert pipe is not None and len(pipe._statements) == 1  # the others went unprepared
    check(pg_url, 900)
