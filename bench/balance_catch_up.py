"""What a reader pays when the balance rows lag: the first ``balance()`` after post_many.

    ./dev bench balance_catch_up [--runs 5] [--backend sqlite|postgresql|both]
                                 [--postings 1000,10000,49000]

Large batches leave their balance rows to later (docs/ledger.md, "Balance rows under
load"). For each window size it posts that many transfers among 10,000 accounts with
post_many (rows left lagging), then times the first ``ledger.balance()``, which adds the
window's postings to the rows, and a second one, which finds them current. Milliseconds,
medians of the runs, each on a fresh database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import coffer
from coffer.settings import Settings
from common import fresh_database, signing_key_env
from ledger_post_many import ACCOUNTS, BATCH, fund, transfers


def one_run(url: str, postings: int) -> tuple[float, float]:
    with coffer.open(url) as c:
        ledger = c.ledger("bench")
        fund(ledger)
        ledger.catch_up_balances()
        rng = random.Random(7)
        for start in range(0, postings, BATCH):
            ledger.post_many(transfers(rng)[: min(BATCH, postings - start)])
        started = time.perf_counter()
        ledger.balance("users:1", "USD/2")
        first = time.perf_counter() - started
        started = time.perf_counter()
        ledger.balance("users:2", "USD/2")
        second = time.perf_counter() - started
        return first * 1000, second * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", default="both")
    parser.add_argument("--postings", default="1000,10000,49000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.postings.split(",")]
    assert max(sizes) < Settings().balance_flush_postings, (
        "a window this large is written by a batch"
    )
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with signing_key_env():
        for backend in backends:
            for size in sizes:
                firsts, seconds = [], []
                for _ in range(args.runs):
                    with fresh_database(backend) as url:
                        first, second = one_run(url, size)
                    firsts.append(first)
                    seconds.append(second)
                print(
                    f"balance() after {size:,} postings left lagging ({ACCOUNTS:,} accounts),"
                    f" {backend}: first {statistics.median(firsts):.1f} ms (catch-up),"
                    f" next {statistics.median(seconds):.2f} ms; medians of {args.runs}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
