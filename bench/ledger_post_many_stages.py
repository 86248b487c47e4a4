"""Where one post_many of 1,000 transfers spends its time, stage by stage.

    ./dev bench ledger_post_many_stages [--batches 30] [--backend sqlite|postgresql|both]

Times each stage of the calls of the ledger_post_many bench (10,000 funded accounts,
batches of 1,000 random transfers) with perf_counter stamps around the sequencer's
methods, and prints milliseconds per batch (medians over the batches):

- validate: checking the postings and building the requests (the call minus its submit);
- apply: applying the batch in memory (floors, hashes, journal rows, results);
- write: storing it (SQLite: the executemany calls and the commit; PostgreSQL: building
  the statement's array literals, then the statement);
- the rest of the call (publishing, answering).

On PostgreSQL it then runs one more batch's statement under EXPLAIN (ANALYZE, WAL), in a
transaction it rolls back, and prints the server's time per table.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import psycopg

import coffer
from coffer.ledger import sequencer, service, store
from common import fresh_database, signing_key_env
from ledger_post_many import BATCH, fund, transfers


class Stamps:
    """Per-call durations of wrapped methods, by label."""

    def __init__(self) -> None:
        self.calls: dict[str, list[float]] = defaultdict(list)
        self._undo: list[tuple[type, str, Any]] = []

    def wrap(self, owner: type, name: str, label: str) -> None:
        original = getattr(owner, name)
        calls = self.calls[label]

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                calls.append(time.perf_counter() - started)

        self._undo.append((owner, name, original))
        setattr(owner, name, timed)

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()

    def clear(self) -> None:
        for calls in self.calls.values():
            calls.clear()


def _ms(values: list[float]) -> float:
    return 1000 * statistics.median(values) if values else 0.0


def stages(backend: str, batches: int) -> None:
    stamps = Stamps()
    stamps.wrap(service.Ledger, "_post_many", "call")
    stamps.wrap(sequencer.Sequencer, "submit", "submit")
    stamps.wrap(sequencer.Sequencer, "_apply_batch", "apply")
    stamps.wrap(store.WriteStore, "write", "write")
    stamps.wrap(store.WriteStore, "postgresql_statement", "statement")
    captured: dict[str, tuple[str, dict[str, Any]]] = {}
    try:
        with fresh_database(backend) as url, coffer.open(url) as c:
            ledger = c.ledger("bench")
            fund(ledger)
            rng = random.Random(42)
            work = [transfers(rng) for _ in range(batches)]
            stamps.clear()
            started = time.perf_counter()
            for batch in work:
                ledger.post_many(batch)
            elapsed = time.perf_counter() - started
            calls = {label: list(values) for label, values in stamps.calls.items()}
            if backend == "postgresql":
                captured["statement"] = _next_statement(ledger, rng)
            if captured:
                explain = _explain(url, *captured["statement"])
    finally:
        stamps.restore()
    call, submit = calls["call"], calls["submit"]
    apply, write, statement = calls["apply"], calls["write"], calls["statement"]
    print(
        f"post_many stages, {backend}: {batches * BATCH / elapsed:,.0f} transfers/s over"
        f" {batches} batches; ms per batch of 1,000 (medians):"
    )
    rows = [
        ("whole call", _ms(call)),
        ("validate (call minus submit)", _ms([a - b for a, b in zip(call, submit, strict=True)])),
        ("apply in memory", _ms(apply)),
        ("write", _ms(write)),
    ]
    if statement:
        rows.append(("  of which building the statement", _ms(statement)))
    if len(submit) == len(apply) == len(write):  # one batch per call, as here
        rest = [s - a - w for s, a, w in zip(submit, apply, write, strict=True)]
        rows.append(("the rest (publish, answer)", _ms(rest)))
    for label, value in rows:
        print(f"  {label:34s} {value:7.2f}")
    if captured:
        print("  PostgreSQL's time for one batch's statement, by table (EXPLAIN ANALYZE):")
        for label, value in explain:
            print(f"    {label:32s} {value:7.2f}")


def _next_statement(ledger: coffer.Ledger, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """The statement the next batch would send, which is then not written."""
    seen: list[tuple[str, dict[str, Any]]] = []

    class Stop(Exception):
        pass

    original: Callable[..., Any] = store.WriteStore.postgresql_statement

    def capture(self: store.WriteStore, *args: Any, **kwargs: Any) -> Any:
        if not seen:
            seen.append(original(self, *args, **kwargs))
        raise Stop

    store.WriteStore.postgresql_statement = capture  # type: ignore[method-assign]
    try:
        ledger.post_many(transfers(rng))
    finally:
        store.WriteStore.postgresql_statement = original  # type: ignore[method-assign]
    return seen[0]


_INSERT = re.compile(r"(Insert|Update) on (\w+).*actual time=[\d.]+\.\.([\d.]+)")


def _explain(url: str, sql: str, params: dict[str, Any]) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    with psycopg.connect(url) as connection, connection.transaction(force_rollback=True):
        plan = connection.execute("EXPLAIN (ANALYZE, WAL) " + sql, params).fetchall()
    for (line,) in plan:
        match = _INSERT.search(line)
        if match:
            out.append((f"{match.group(1).lower()} {match.group(2)}", float(match.group(3))))
        elif line.startswith("Execution Time"):
            out.append(("whole statement", float(line.split()[2])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--backend", default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with signing_key_env():
        for backend in backends:
            stages(backend, args.batches)


if __name__ == "__main__":
    main()
