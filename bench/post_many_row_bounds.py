"""Upper bounds for "fewer rows": post_many when some tables' rows are not written at all.

./dev bench post_many_row_bounds [--runs 5] [--backend sqlite|postgresql]
                                 [--variants all,balances,postings,journal,balances+postings]

A measurement only: each variant but ``all`` leaves the named tables' rows of its batches
unwritten (the database is then wrong, and thrown away). The variants share one ledger and
alternate run by run, 10 calls of ``post_many`` (1,000 transfers, 10,000 accounts) each,
so the ratios to ``all`` compare the same hour and the same table sizes. They bound what
writing those rows more cheaply, or less often, could gain (docs/performance.md).
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import coffer
from coffer.ledger import store
from common import fresh_database, median, signing_key_env
from ledger_post_many import BATCH, fund, transfers

CALLS = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--variants", default="all,balances,postings,journal,balances+postings")
    args = parser.parse_args()
    variants = args.variants.split(",")
    real_inserts = store._inserts
    skipped: set[str] = set()

    def inserts(*positional: Any, **named: Any) -> Any:
        return [item for item in real_inserts(*positional, **named) if item[1] not in skipped]

    store._inserts = inserts
    results: dict[str, list[float]] = {variant: [] for variant in variants}
    with signing_key_env(), fresh_database(args.backend) as url, coffer.open(url) as c:
        ledger = c.ledger("bench")
        fund(ledger)
        rng = random.Random(42)
        for _ in range(args.runs):
            for variant in variants:
                skipped.clear()
                skipped.update(name for name in variant.split("+") if name != "all")
                work = [transfers(rng) for _ in range(CALLS)]
                started = time.perf_counter()
                for batch in work:
                    outcomes = ledger.post_many(batch)
                    assert not any(isinstance(outcome, Exception) for outcome in outcomes)
                results[variant].append(CALLS * BATCH / (time.perf_counter() - started))
    base = median(results[variants[0]])
    for variant, runs in results.items():
        shown = ", ".join(f"{run:,.0f}" for run in runs)
        print(
            f"post_many, {args.backend}, rows not written: {variant}: median "
            f"{median(runs):,.0f} transfers/s, x{median(runs) / base:.2f} (runs: {shown})"
        )


if __name__ == "__main__":
    main()
