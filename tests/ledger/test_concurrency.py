"""Money is conserved and floors hold under concurrent writers; SIGKILL loses nothing acknowledged."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import coffer
from coffer import Posting
from coffer.errors import InsufficientFunds, WriteInDoubt
from dbtools import end_connections, use_settings

USD = "USD/2"
ACCOUNTS = 20


def check_conservation(url: str, committed: int | None = None) -> None:
    """Per asset all balances sum to zero, no account is below its floor, verify passes;
    ``committed``: how many transfers the writers were told succeeded (seeding aside)."""
    with coffer.open(url) as c:
        if committed is not None:
            stored = c.ledger("main").transactions(page_size=1).data[0].id + 1
            assert stored == ACCOUNTS + committed, (stored, committed)
        with c.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT account, asset, input, output, pending_output FROM balances")
            ).fetchall()
        totals: dict[str, int] = {}
        for account, asset, inp, out, pending in rows:
            balance = int(inp) - int(out)
            totals[asset] = totals.get(asset, 0) + balance
            if account != "world":
                assert balance - int(pending) >= 0, f"{account} crossed its floor: {balance}"
        assert all(total == 0 for total in totals.values()), totals
        report = c.verify()
        assert report.ok, report


def hammer(ledger: coffer.Ledger, seed: int, count: int, hot: bool) -> int:
    """Post ``count`` random transfers; how many succeeded. Any refusal but a lack of
    funds raises (callers running it in threads collect the outcomes)."""
    rng = random.Random(seed)
    done = 0
    for _ in range(count):
        source = f"users:{rng.randrange(ACCOUNTS)}"
        destination = f"users:{rng.randrange(ACCOUNTS)}"
        postings = [Posting(source, destination, rng.randrange(1, 400), USD)]
        if hot:
            postings.append(Posting(source, "platform:fees", 1, USD))
        try:
            ledger.post(postings)
            done += 1
        except InsufficientFunds:
            pass
    return done


def seed_accounts(url: str) -> None:
    with coffer.open(url) as c:
        c.ledger("main").post_many(
            [[Posting("world", f"users:{i}", 1_000, USD)] for i in range(ACCOUNTS)]
        )


def _hammer_threads(
    url: str, seeds: list[int], count: int, hot: bool
) -> tuple[int, list[BaseException]]:
    """One thread per seed, each posting ``count`` transfers to one ledger: how many
    succeeded in all, and the unexpected errors the threads raised."""
    outcomes: list[int | BaseException] = []

    def run(ledger: coffer.Ledger, seed: int) -> None:
        try:
            outcomes.append(hammer(ledger, seed, count, hot))
        except BaseException as error:
            outcomes.append(error)

    with coffer.open(url) as c:
        ledger = c.ledger("main")
        workers = [threading.Thread(target=run, args=(ledger, seed)) for seed in seeds]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert len(outcomes) == len(seeds)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    return sum(o for o in outcomes if isinstance(o, int)), errors


def hammer_in_threads(url: str, threads: int, count: int, hot: bool) -> int:
    """``threads`` threads of one process, each posting ``count`` transfers to one ledger;
    how many succeeded. An unexpected error in any thread fails the caller."""
    done, errors = _hammer_threads(url, list(range(threads)), count, hot)
    assert not errors, errors[:3]
    assert done > 0
    return done


@pytest.mark.parametrize("hot", [False, True], ids=["spread", "hot-fee-account"])
def test_sixty_four_threads(database_url: str, hot: bool) -> None:
    seed_accounts(database_url)
    done = hammer_in_threads(database_url, 64, 40, hot)
    check_conservation(database_url, done)


@pytest.mark.parametrize("rows", ["written", "lagging"])
def test_balance_cache_eviction_waits_for_unwritten_batches(
    database_url: str, monkeypatch: pytest.MonkeyPatch, rows: str
) -> None:
    """Dropping the balance cache mid-stream must not reload balances a batch still holds.

    With a tiny cache every batch evicts it; a batch applied while the one before is still
    being written would otherwise read that one's balances from the database before they
    are there, and overwrite them (a lost update that verify reports). ``lagging``: every
    batch leaves its balance rows to later (up to 40 postings), so the cache must keep
    the accounts whose rows lag.
    """
    from coffer.ledger.sequencer import state

    seed_accounts(database_url)
    monkeypatch.setattr(state, "BALANCE_CACHE_SIZE", 4)
    if rows == "lagging":  # the settings coffer.open() reads when given none
        use_settings(monkeypatch, lazy_batch=1, balance_flush_postings=40)
    hammer_in_threads(database_url, 16, 30, False)
    check_conservation(database_url)


def _process_worker(url: str, seed: int, count: int, hot: bool, results: Any) -> None:
    done, errors = _hammer_threads(url, [seed * 100 + t for t in range(8)], count, hot)
    results.put((done, [repr(error) for error in errors]))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["spread", "hot-fee-account", "lagging-rows"])
def test_four_processes(database_url: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``lagging-rows``: every batch leaves its balance rows to later (up to 30 postings),
    so each process taking the ledger over catches up the rows another left lagging; and
    the posting lists are written every 20 transactions, by whichever process sees them due."""
    hot = mode == "hot-fee-account"
    if mode == "lagging-rows":  # read by the spawned processes as they open coffer (Settings)
        monkeypatch.setenv("COFFER_LAZY_BATCH", "1")
        monkeypatch.setenv("COFFER_BALANCE_FLUSH_POSTINGS", "30")
        monkeypatch.setenv("COFFER_POSTING_LISTS_EVERY", "20")
    seed_accounts(database_url)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(target=_process_worker, args=(database_url, seed, 25, hot, results))
        for seed in range(4)
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=300)
        assert worker.exitcode == 0
    assert all(not errors for _, errors in reports), reports
    done = sum(count for count, _ in reports)
    assert done > 0
    check_conservation(database_url, done)


WRITER = textwrap.dedent(
    """
    import os, random, sys, threading
    import coffer
    from coffer import Posting
    url, acks, run = sys.argv[1], sys.argv[2], sys.argv[3]
    lock = threading.Lock()
    out = open(acks, "a", buffering=1)
    with coffer.open(url) as c:
        ledger = c.ledger("main")
        def work(seed):
            rng = random.Random(seed)
            n = 0
            while True:
                n += 1
                key = f"{run}-{seed}-{n}"  # unique across the test's runs
                ledger.post([Posting("world", f"users:{rng.randrange(50)}", 1, "USD/2")],
                            reference=key)
                with lock:
                    out.write(key + "\\n")
                    out.flush()
                    os.fsync(out.fileno())
        threads = [threading.Thread(target=work, args=(s,), daemon=True) for s in range(16)]
        for t in threads: t.start()
        for t in threads: t.join()
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("rows", ["written", "lagging"])
def test_sigkill_loses_no_acknowledged_transaction(
    database_url: str, tmp_path: Path, rows: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lagging``: the writer's batches leave their balance rows to later (up to 200
    postings), so it dies with rows lagging, which the next writer and verify handle; and
    its posting lists are written every 50 transactions."""
    if rows == "lagging":  # read by the writer processes as they open coffer (Settings)
        monkeypatch.setenv("COFFER_LAZY_BATCH", "1")
        monkeypatch.setenv("COFFER_BALANCE_FLUSH_POSTINGS", "200")
        monkeypatch.setenv("COFFER_POSTING_LISTS_EVERY", "50")
    acks = tmp_path / "acks.txt"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    with coffer.open(database_url) as c:
        c.ledger("main")
    acks.touch()
    for run in range(3):
        process = subprocess.Popen([sys.executable, str(script), database_url, str(acks), str(run)])
        # Kill it once it is writing at full speed (its start-up time varies with the host).
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if acks.read_text().count(f"\n{run}-") >= 100:
                break
            time.sleep(0.05)
        time.sleep(0.5 + run * 0.5)
        assert process.poll() is None, "the writer stopped before it was killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    acknowledged = set(acks.read_text().split())
    for run in range(3):
        assert sum(1 for key in acknowledged if key.startswith(f"{run}-")) >= 100
    with coffer.open(database_url) as c:
        with c.engine.connect() as connection:
            stored = {
                row[0] for row in connection.execute(sa.text("SELECT reference FROM transactions"))
            }
        assert acknowledged <= stored, f"lost: {sorted(acknowledged - stored)[:5]}"
        report = c.verify()
        assert report.ok, report
        # the ledger keeps working after the crash
        c.ledger("main").post([Posting("world", "after", 1, USD)])
    check_conservation(database_url)


@pytest.mark.parametrize("in_flight", [3, 0], ids=["pipelined", "one-at-a-time"])
def test_writes_resume_after_postgresql_drops_the_connections(
    database_url: str, in_flight: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restart or an administrator ends every connection: the ledger reconnects, and
    writes that were not written are applied again, so callers see no error; nothing is
    written twice or half."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop connections")

    use_settings(monkeypatch, pg_in_flight=in_flight)
    seed_accounts(database_url)
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        first = hammer_in_threads_of(ledger, 16, 10)  # the writer keeps statements in flight
        assert end_connections(database_url) >= 2
        assert ledger.balance("users:1", USD) == 1_000 + first  # reads reconnect too
        for _ in range(6):
            ledger.post([Posting("world", "users:0", 1, USD)])
        assert end_connections(database_url) >= 2
        second = hammer_in_threads_of(ledger, 16, 10)  # some sent on the ended connections
        assert first == 160 and second == 160
    check_conservation(database_url, committed=first + 6 + second)


@pytest.mark.parametrize("in_flight", [3, 0], ids=["pipelined", "one-at-a-time"])
def test_connections_ended_during_heavy_writing_lose_and_repeat_nothing(
    database_url: str, in_flight: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connections are ended again and again while 16 threads write: every caller
    gets its transaction, and the ledger holds each of them exactly once."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop connections")
    import psycopg

    use_settings(monkeypatch, pg_in_flight=in_flight)
    seed_accounts(database_url)
    writing, finished = threading.Event(), threading.Event()
    ended: list[int] = []

    def head() -> int:
        with psycopg.connect(database_url, autocommit=True) as connection:
            row = connection.execute("SELECT next_seq FROM ledgers WHERE name = 'main'").fetchone()
        return int(row[0]) if row else 0

    def end_repeatedly() -> None:
        # Every 50 ms, but only once the ledger has written again since the last time:
        # on a slow host a batch may need longer than 50 ms to reconnect and write, and
        # a request that loses its connection on every attempt fails by design.
        writing.wait()
        while not finished.wait(0.05):
            before = head()
            ended.append(end_connections(database_url))
            while not finished.is_set() and head() == before:
                time.sleep(0.01)

    killer = threading.Thread(target=end_repeatedly)
    killer.start()
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        ledger.post([Posting("world", "users:0", 1, USD)])
        writing.set()
        try:
            done = hammer_in_threads_of(ledger, 16, 100)  # any error fails the test
        finally:
            finished.set()
            killer.join()
    assert done == 16 * 100
    assert len([count for count in ended if count]) >= 2, ended  # ended while writing
    check_conservation(database_url, committed=1 + done)


@pytest.mark.parametrize("unreachable", [0, 4], ids=["reachable", "then-unreachable"])
@pytest.mark.parametrize("in_flight", [3, 0], ids=["pipelined", "one-at-a-time"])
def test_a_commit_whose_answer_was_lost_is_told_by_the_journal(
    database_url: str, in_flight: int, unreachable: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection breaks after PostgreSQL committed a batch but before its answer
    arrived: once the server process has ended, the journal shows the batch, and its
    callers get their transactions (not an error, and not a second copy). With
    ``unreachable``, the database then refuses that many new connections, as while it
    restarts: the ledger keeps trying to reach it before it tells."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop connections")
    import psycopg

    from coffer.ledger import pgpipe, service, store

    use_settings(monkeypatch, pg_in_flight=in_flight)
    lost: list[int] = []
    refused: list[int] = []
    real_connect = service.raw_connect

    def connect(*args: Any, **kwargs: Any) -> Any:
        if lost and len(refused) < unreachable:
            refused.append(1)
            raise psycopg.OperationalError("connection refused: the server is restarting")
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(service, "raw_connect", connect)
    seed_accounts(database_url)

    def lose(pid: int) -> None:
        # the statement committed; its answer never arrives
        lost.append(pid)
        assert end_connections(database_url, only=pid) == 1
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    real_answers = pgpipe.PipelinedConnection.answers

    def answers(self: pgpipe.PipelinedConnection) -> list[pgpipe.Answer]:
        got = real_answers(self)
        if got and not lost:
            lose(self.connection.info.backend_pid)
        return got

    real_write = store.WriteStore._write_postgresql

    def write(self: store.WriteStore, *args: Any) -> None:
        real_write(self, *args)
        if not lost:
            lose(self.connection.info.backend_pid)

    monkeypatch.setattr(pgpipe.PipelinedConnection, "answers", answers)
    monkeypatch.setattr(store.WriteStore, "_write_postgresql", write)
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        if in_flight:
            hammer_in_threads_of(ledger, 8, 1)  # the writer thread takes the next ones
        else:
            ledger.post([Posting("world", "users:0", 1, USD)])
        assert len(lost) == 1 and len(refused) == unreachable
        tx = ledger.post([Posting("world", "users:0", 5, USD)], reference="after")
        assert ledger.transaction(tx.id).reference == "after"
        total = ledger.transactions(page_size=1).data[0].id + 1
    assert total == ACCOUNTS + (8 if in_flight else 1) + 1
    check_conservation(database_url, committed=(8 if in_flight else 1) + 1)


def test_a_write_left_in_doubt_says_so(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the lost connection's server process cannot be seen to end, the caller gets
    an error saying the write may have committed, and nothing is applied twice."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop connections")
    import psycopg

    from coffer.ledger import store

    use_settings(monkeypatch, pg_in_flight=0)
    monkeypatch.setattr(store.WriteStore, "backend_ended", lambda self, pid, timeout: False)
    seed_accounts(database_url)
    real_write = store.WriteStore._write_postgresql
    lost: list[int] = []

    def write(self: store.WriteStore, *args: Any) -> None:
        real_write(self, *args)
        if not lost:
            lost.append(self.connection.info.backend_pid)
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(store.WriteStore, "_write_postgresql", write)
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        with pytest.raises(
            WriteInDoubt, match="could not be told; retry it with the same"
        ) as doubt:
            ledger.post([Posting("world", "users:0", 1, USD)], idempotency_key="k1")
        assert doubt.value.status == 503 and doubt.value.code == "write_in_doubt"
        # it had committed: the retry answers the first transaction, not a second one
        first = ledger.post([Posting("world", "users:0", 1, USD)], idempotency_key="k1")
        again = ledger.post([Posting("world", "users:0", 1, USD)], idempotency_key="k1")
        assert first.id == again.id == ACCOUNTS
    check_conservation(database_url, committed=1)


def test_an_unreachable_database_is_a_retryable_error() -> None:
    """A write that fails because the database cannot be reached says so (503), apart
    from a refused statement (500)."""
    import psycopg

    from coffer.errors import DatabaseUnavailable
    from coffer.ledger.sequencer import as_coffer_error as _as_error

    down = _as_error(psycopg.OperationalError("connection refused"))
    assert isinstance(down, DatabaseUnavailable) and down.status == 503
    assert down.code == "database_unavailable"
    refused = _as_error(psycopg.errors.NumericValueOutOfRange("value out of range"))
    assert not isinstance(refused, DatabaseUnavailable) and refused.status == 500


def hammer_in_threads_of(ledger: coffer.Ledger, threads: int, count: int) -> int:
    """Transfers from ``world`` by ``threads`` threads of ``count`` each on an open ledger;
    how many succeeded (any error fails the caller)."""
    outcomes: list[int | BaseException] = []

    def run() -> None:
        try:
            for _ in range(count):
                ledger.post([Posting("world", "users:1", 1, USD)])
            outcomes.append(count)
        except BaseException as error:
            outcomes.append(error)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert not errors, errors[:3]
    return sum(o for o in outcomes if isinstance(o, int))
