"""Callers that queue on a ledger run on the home CPU until answered (coffer.runtime.cpupin.HomeCpu);
a caller alone keeps its CPUs, every caller gets its own back, and SQLite's writer thread
(whose statements run without the GIL) is never moved."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import coffer
from coffer import Posting
from coffer.ledger import sequencer as sequencer_module
from coffer.settings import Settings

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="moving threads between CPUs needs Linux and two CPUs or more",
)

USD = "USD/2"
THREADS = 8
PER_THREAD = 40


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[frozenset[int]]]:
    """The caller's CPUs for every submit, as it queues its requests."""
    calls: list[frozenset[int]] = []
    inner = sequencer_module.Sequencer._submit

    def spy(self: Any, requests: Any) -> None:
        calls.append(frozenset(os.sched_getaffinity(0)))
        inner(self, requests)

    monkeypatch.setattr(sequencer_module.Sequencer, "_submit", spy)
    yield calls


def test_busy_callers_go_home_and_come_back(database_url: str, seen: list[frozenset[int]]) -> None:
    allowed = frozenset(os.sched_getaffinity(0))
    home = max(allowed)
    settings = Settings(database_url=database_url, home_cpu=str(home))
    with coffer.open(database_url, settings=settings) as c:
        ledger = c.ledger("main")
        ledger.post_many([[Posting("world", f"users:{i}", 10**6, USD)] for i in range(THREADS)])
        ledger.post([Posting("users:0", "users:1", 1, USD)])
        # Alone: no caller was ever busy, so nobody moved.
        assert seen and all(cpus == allowed for cpus in seen)
        seen.clear()

        after: list[frozenset[int]] = []  # a caller's CPUs after each of its calls
        go = threading.Barrier(THREADS)

        def caller(index: int) -> None:
            go.wait()
            for n in range(PER_THREAD):
                destination = f"users:{(index + n + 1) % THREADS}"
                ledger.post([Posting(f"users:{index}", destination, 1, USD)])
                after.append(frozenset(os.sched_getaffinity(0)))

        threads = [threading.Thread(target=caller, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(after) == THREADS * PER_THREAD and set(after) == {allowed}
        assert len(seen) == THREADS * PER_THREAD
        moved = [cpus for cpus in seen if cpus == {home}]
        assert moved, "no caller queued behind another: nothing to check"
        assert all(cpus in (allowed, frozenset({home})) for cpus in seen)

        writers = [t for t in threading.enumerate() if t.name == "coffer-writer-main"]
        assert writers  # concurrent callers' batches went to the writer thread
        for writer in writers:
            assert writer.native_id is not None
            cpus = frozenset(os.sched_getaffinity(writer.native_id))
            # PostgreSQL's writer wakes the callers: it stays home. SQLite's runs its
            # statements without the GIL, on any CPU.
            expected = {home} if database_url.startswith("postgresql") else allowed
            assert cpus == expected
        assert os.sched_getaffinity(0) == allowed
        assert sum(ledger.balance(f"users:{i}", USD) for i in range(THREADS)) == THREADS * 10**6
        assert c.verify().ok


def test_off_moves_nobody(database_url: str, seen: list[frozenset[int]]) -> None:
    allowed = frozenset(os.sched_getaffinity(0))
    settings = Settings(database_url=database_url, home_cpu="off")
    with coffer.open(database_url, settings=settings) as c:
        ledger = c.ledger("main")
        ledger.post([Posting("world", "users:0", 10**6, USD)])
        go = threading.Barrier(THREADS)

        def caller() -> None:
            go.wait()
            for _ in range(PER_THREAD):
                ledger.post([Posting("users:0", "users:1", 1, USD)])

        threads = [threading.Thread(target=caller) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(seen) == 1 + THREADS * PER_THREAD
        assert all(cpus == allowed for cpus in seen)
        assert ledger.balance("users:1", USD) == THREADS * PER_THREAD
