"""Reads by account with posting lists: what listing a window costs, and what a read pays
for the transactions not listed yet.

    ./dev bench account_reads [--runs 5] [--backend sqlite|postgresql|both]
                              [--unlisted 0,5000,19000]

For each size, on a fresh database: 10,000 funded accounts, 40 post_many calls of 1,000
random transfers (listed as they go), then that many transfers left unlisted. It times
``transactions(account=..., page_size=25)`` and a point-in-time ``balance(..., at=...)``
of 20 accounts (milliseconds per read), then ``ledger.list_postings()`` of the unlisted
window, then the same reads again. Medians of the runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import coffer
from coffer.settings import Settings
from common import fresh_database, signing_key_env
from ledger_post_many import ACCOUNTS, BATCH, fund, transfers

HISTORY_BATCHES = 40
READS = 20


def _reads(ledger: coffer.Ledger, rng: random.Random) -> tuple[float, float]:
    later = datetime.now(UTC) + timedelta(days=1)
    accounts = [f"users:{rng.randrange(ACCOUNTS)}" for _ in range(READS)]
    started = time.perf_counter()
    for account in accounts:
        ledger.transactions(account=account, page_size=25)
    history = (time.perf_counter() - started) / READS
    started = time.perf_counter()
    for account in accounts:
        ledger.balance(account, "USD/2", at=later)
    at = (time.perf_counter() - started) / READS
    return history * 1000, at * 1000


def one_run(url: str, unlisted: int) -> tuple[float, float, float, float, float]:
    with coffer.open(url) as c:
        ledger = c.ledger("bench")
        fund(ledger)
        rng = random.Random(3)
        for _ in range(HISTORY_BATCHES):
            ledger.post_many(transfers(rng))
        ledger.list_postings()
        for start in range(0, unlisted, BATCH):
            ledger.post_many(transfers(rng)[: min(BATCH, unlisted - start)])
        before = _reads(ledger, rng)
        started = time.perf_counter()
        ledger.list_postings()
        listing = (time.perf_counter() - started) * 1000
        after = _reads(ledger, rng)
        return (*before, listing, *after)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", default="both")
    parser.add_argument("--unlisted", default="0,5000,19000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.unlisted.split(",")]
    assert max(sizes) < Settings().posting_lists_every, "a window this large is listed by a caller"
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with signing_key_env():
        for backend in backends:
            for size in sizes:
                runs = []
                for _ in range(args.runs):
                    with fresh_database(backend) as url:
                        runs.append(one_run(url, size))
                h1, a1, listing, h2, a2 = (
                    statistics.median(col) for col in zip(*runs, strict=True)
                )
                print(
                    f"{backend}, {HISTORY_BATCHES * BATCH:,} transfers listed +"
                    f" {size:,} unlisted: transactions(account=) {h1:.2f} ms,"
                    f" balance(at=) {a1:.2f} ms; list_postings() {listing:.0f} ms;"
                    f" then {h2:.2f} ms and {a2:.2f} ms; medians of {args.runs}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
