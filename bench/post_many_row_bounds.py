"""Upper bounds for "fewer rows": post_many when some tables' rows are not written at all.

./dev bench post_many_row_bounds [--runs 5] [--backend sqlite|postgresql]
                                 [--variants all,balances,postings,journal,balances+postings]
./dev bench post_many_row_bounds --variants all,with-account-indexes

A measurement only: each variant but ``all`` leaves the named tables' rows of its batches
unwritten (the database is then wrong, and thrown away). ``with-account-indexes`` writes
every row, to a second database where the postings also have the indexes by source and by
destination they had until the ninth session (posting lists replaced them). The
variants alternate run by run, 10 calls of ``post_many`` (1,000 transfers, 10,000
accounts) each, so the ratios to the first compare the same hour; the variants of one
database share its ledger. They bound what writing those rows more cheaply, or less
often, could gain (docs/performance.md).
"""

from __future__ import annotations

import argparse
import random
import time
from contextlib import ExitStack
from typing import Any

import sqlalchemy as sa

import coffer
from coffer.ledger import batch_writes
from common import fresh_database, median, report, signing_key_env
from ledger_post_many import BATCH, fund, transfers

CALLS = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--variants", default="all,balances,postings,journal,balances+postings")
    args = parser.parse_args()
    variants = args.variants.split(",")
    real_inserts = batch_writes._inserts
    skipped: set[str] = set()

    def inserts(*positional: Any, **named: Any) -> Any:
        return [item for item in real_inserts(*positional, **named) if item[1] not in skipped]

    batch_writes._inserts = inserts
    results: dict[str, list[float]] = {variant: [] for variant in variants}
    with signing_key_env(), ExitStack() as stack:
        ledgers: dict[bool, coffer.Ledger] = {}  # by "with the account indexes"
        for indexed in sorted({"with-account-indexes" in variant for variant in variants}):
            book = stack.enter_context(
                coffer.open(stack.enter_context(fresh_database(args.backend)))
            )
            if indexed:
                with book.engine.begin() as connection:
                    for column in ("source", "destination"):
                        connection.execute(
                            sa.text(
                                f"CREATE INDEX postings_{column} ON postings (ledger_id, {column})"
                            )
                        )
            ledgers[indexed] = book.ledger("bench")
            fund(ledgers[indexed])
        rngs = {indexed: random.Random(42) for indexed in ledgers}
        for _ in range(args.runs):
            for variant in variants:
                indexed = "with-account-indexes" in variant
                skipped.clear()
                skipped.update(variant.split("+"))
                work = [transfers(rngs[indexed]) for _ in range(CALLS)]
                started = time.perf_counter()
                for batch in work:
                    outcomes = ledgers[indexed].post_many(batch)
                    assert not any(isinstance(outcome, Exception) for outcome in outcomes)
                results[variant].append(CALLS * BATCH / (time.perf_counter() - started))
    base = median(results[variants[0]])
    for variant, runs in results.items():
        report(f"post_many, {args.backend}, without: {variant}", runs, "transfers/s")
        print(f"  x{median(runs) / base:.2f} of {variants[0]}")


if __name__ == "__main__":
    main()
