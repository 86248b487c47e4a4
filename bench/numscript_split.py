"""A 3-way split (fee, seller, platform) run through ledger.run from 64 threads
(target: 5,000 transactions/s on PostgreSQL).

    ./dev bench numscript_split [--runs 5] [--seconds 5] [--backend postgresql|sqlite|both]
"""

from __future__ import annotations

import argparse
import random
import threading
import time

import coffer
from coffer import Posting
from common import fresh_database, report, signing_key_env

THREADS = 64
BUYERS = 10_000
SELLERS = 1_000
SPLIT = """
vars {
  account $buyer
  account $seller
  monetary $price
}
send $price (
  source = $buyer
  destination = {
    3% to @fees:processing
    10% to @platform:commission
    remaining to $seller
  }
)
"""


def one_run(url: str, seconds: float) -> float:
    with coffer.open(url) as c:
        ledger = c.ledger("bench")
        for start in range(0, BUYERS, 1_000):
            ledger.post_many(
                [
                    [Posting("world", f"buyers:{i}", 10**12, "USD/2")]
                    for i in range(start, start + 1_000)
                ]
            )
        deadline = time.perf_counter() + seconds
        counts = [0] * THREADS
        go = threading.Barrier(THREADS + 1)

        def worker(index: int) -> None:
            rng = random.Random(index)
            go.wait()
            done = 0
            while time.perf_counter() < deadline:
                ledger.run(
                    SPLIT,
                    vars={
                        "buyer": f"buyers:{rng.randrange(BUYERS)}",
                        "seller": f"sellers:{rng.randrange(SELLERS)}",
                        "price": f"USD/2 {rng.randrange(100, 100_000)}",
                    },
                )
                done += 1
            counts[index] = done

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        go.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        return sum(counts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--backend", default="postgresql")
    args = parser.parse_args()
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    with signing_key_env():
        for backend in backends:
            runs = []
            for _ in range(args.runs):
                with fresh_database(backend) as url:
                    runs.append(one_run(url, args.seconds))
            report(f"3-way split via ledger.run, 64 threads, {backend}", runs, "transactions/s")


if __name__ == "__main__":
    main()
