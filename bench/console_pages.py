"""Server time of the console's transactions page and overview on a ledger of 1,000,000
transactions: p50 and p95 (target: p95 < 150 ms), each also as a ratio to the ledger
API's own listing of the same page (GET /api/ledger/v2/{ledger}/transactions, 25 per
page) measured in the same run.

./dev bench console_pages [--transactions 1000000] [--requests 200] [--backend sqlite|postgresql|both]

On PostgreSQL the tables are ANALYZEd after the build (as autovacuum does on its own).
The ledger is built through the bulk path (``Ledger.post_many``, batches of 2,000
transactions, two assets, timestamps spread over 60 days): every transaction is
journaled, hashed and balanced as any other. Requests go through the ASGI app in
process (no socket), signed in as a console operator; each page is asked ``--requests``
times: the newest page, deep pages (a random ``before`` cursor), an account filter, and
the overview once its daily volumes have caught up (the catch-up is timed on its own).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import coffer
from coffer import Posting
from coffer.ledger.models import TransactionRequest
from common import (
    analyze,
    console_and_api,
    console_bench,
    fresh_database,
    ok,
    print_figures,
    timed,
)

BATCH = 2_000
ACCOUNTS = 10_000
LEDGER = "bench"


def build(book: coffer.Coffer, transactions: int) -> float:
    """Post ``transactions`` transactions; returns the seconds it took."""
    ledger = book.ledger(LEDGER)
    start = datetime.now(UTC) - timedelta(days=60)
    step = timedelta(days=60) / transactions
    rng = random.Random(7)
    began = time.perf_counter()
    for first in range(0, transactions, BATCH):
        batch = []
        for i in range(first, min(first + BATCH, transactions)):
            asset = "USD/2" if i % 3 else "EUR/2"
            batch.append(
                TransactionRequest(
                    postings=[
                        Posting("world", f"users:{rng.randrange(ACCOUNTS)}", 100 + i % 5000, asset)
                    ],
                    timestamp=start + step * i,
                    metadata={"order": f"o{i}"},
                )
            )
        results = ledger.post_many(batch)
        failed = [r for r in results if isinstance(r, Exception)]
        assert not failed, failed[:3]
        if (first // BATCH) % 25 == 0:
            done = first + len(batch)
            rate = done / (time.perf_counter() - began)
            print(f"  built {done:,} transactions ({rate:,.0f}/s)", flush=True)
    posted = time.perf_counter() - began
    ledger.catch_up_balances()
    ledger.list_postings()
    print(
        f"  posted in {posted:.1f} s, balances and posting lists caught up in"
        f" {time.perf_counter() - began - posted:.1f} s",
        flush=True,
    )
    return time.perf_counter() - began


def run(backend: str, transactions: int, requests: int) -> None:
    with fresh_database(backend) as url, coffer.open(url) as book:
        print(f"[{backend}] building {transactions:,} transactions ...", flush=True)
        seconds = build(book, transactions)
        print(
            f"[{backend}] built in {seconds:.1f} s ({transactions / seconds:,.0f} transactions/s)"
        )
        analyze(book, backend)
        with console_and_api(book, "ledger:read") as (client, api):
            base = f"/console/ledgers/{LEDGER}/transactions"
            rng = random.Random(11)
            began = time.perf_counter()
            views = 0
            while "Counted" in ok(client.get("/console/")).text:
                views += 1
            catch_up = time.perf_counter() - began
            print(
                f"[{backend}] overview volumes caught up over {views + 1} views in {catch_up:.1f} s"
            )
            reference = f"/api/ledger/v2/{LEDGER}/transactions?pageSize=25"
            ok(client.get(base))
            ok(client.get(reference, headers=api))
            figures = {
                "API listing, newest 25 (reference)": timed(
                    lambda: ok(client.get(reference, headers=api)), requests
                ),
                "transactions page, newest": timed(lambda: ok(client.get(base)), requests),
                "transactions page, deep (random cursor)": timed(
                    lambda: ok(
                        client.get(base, params={"before": rng.randrange(25, transactions)})
                    ),
                    requests,
                ),
                "transactions page, account filter": timed(
                    lambda: ok(
                        client.get(base, params={"account": f"users:{rng.randrange(ACCOUNTS)}"})
                    ),
                    requests,
                ),
                "overview": timed(lambda: ok(client.get("/console/")), requests),
            }
        print_figures(
            f"[{backend}] {transactions:,} transactions, {requests} requests each; server time in ms",
            figures,
            "API listing, newest 25 (reference)",
        )


if __name__ == "__main__":
    console_bench(__doc__, "transactions", 1_000_000, run)
