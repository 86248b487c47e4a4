"""64 threads each calling post() one transfer at a time (target: 15,000/s on PostgreSQL,
and at least 80% of that when every transfer also credits one hot fee account).

    ./dev bench ledger_threads [--runs 5] [--seconds 5] [--backend postgresql|sqlite|both] [--tune-gc]

Prints both figures and their ratio, measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import threading
import time

import coffer
from coffer import Posting
from common import fresh_database, median, report, signing_key_env

THREADS = 64
ACCOUNTS = 10_000


def one_run(url: str, seconds: float, hot: bool) -> float:
    with coffer.open(url) as c:
        ledger = c.ledger("bench")
        for start in range(0, ACCOUNTS, 1_000):
            ledger.post_many(
                [
                    [Posting("world", f"users:{i}", 10**12, "USD/2")]
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
                source = f"users:{rng.randrange(ACCOUNTS)}"
                postings = [
                    Posting(
                        source, f"users:{rng.randrange(ACCOUNTS)}", rng.randrange(1, 100), "USD/2"
                    )
                ]
                if hot:
                    postings.append(Posting(source, "platform:fees", 1, "USD/2"))
                ledger.post(postings)
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
    parser.add_argument(
        "--tune-gc", action="store_true", help="call coffer.tune_gc() first, as a server does"
    )
    parser.add_argument("--backend", default="postgresql")
    args = parser.parse_args()
    suffix = ""
    if args.tune_gc:
        coffer.tune_gc()
        suffix = ", coffer.tune_gc()"
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    with signing_key_env():
        for backend in backends:
            spread: list[float] = []
            hot: list[float] = []
            for _ in range(args.runs):
                with fresh_database(backend) as url:
                    spread.append(one_run(url, args.seconds, hot=False))
                with fresh_database(backend) as url:
                    hot.append(one_run(url, args.seconds, hot=True))
            report(f"64 threads x post(), {backend}{suffix}", spread, "transfers/s")
            report(f"64 threads x post() + hot fee account, {backend}{suffix}", hot, "transfers/s")
            print(f"hot/spread ratio, {backend}: {median(hot) / median(spread):.2f}")


if __name__ == "__main__":
    main()
