"""64 threads each calling post() one transfer at a time (target: 15,000/s on PostgreSQL,
and at least 80% of that when every transfer also credits one hot fee account).

    ./dev bench ledger_threads [--runs 5] [--seconds 5] [--backend postgresql|sqlite|both] [--tune-gc]
                               [--case both|spread|hot] [--pin-cpu | --compare-pin]
                               [--against GIT_REF]

Prints both figures and their ratio, measured in the same run. ``--against`` runs each
run in a new process, alternately with Coffer as it is now and as it was at GIT_REF.
``--pin-cpu`` keeps the process on one CPU (``coffer.pin_to_one_cpu()``, as ``coffer serve
--pin-cpu`` does); ``--compare-pin`` runs each run in a new process, alternately with and
without it, and prints both medians and their ratio.
"""

from __future__ import annotations

import argparse
import random
import threading
import time

import coffer
from coffer import Posting
from common import (
    add_tuning_arguments,
    apply_tuning,
    compare,
    fresh_database,
    median,
    report,
    signing_key_env,
)

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
    add_tuning_arguments(parser)
    parser.add_argument("--backend", default="postgresql")
    parser.add_argument("--case", choices=["both", "spread", "hot"], default="both")
    parser.add_argument("--against", help="a git ref to compare with, run by run")
    args = parser.parse_args()
    suffix, flags = apply_tuning(args)
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    cases = ["spread", "hot"] if args.case == "both" else [args.case]
    names = {"spread": "64 threads x post()", "hot": "64 threads x post() + hot fee account"}
    if args.compare_pin or args.against:
        for backend in backends:
            for case in cases:
                extra = ["--seconds", str(args.seconds), "--backend", backend, "--case", case]
                name = f"{names[case]}, {backend}{suffix}"
                compare("ledger_threads.py", args, [*extra, *flags], name, "transfers/s")
        return
    with signing_key_env():
        for backend in backends:
            figures: dict[str, list[float]] = {case: [] for case in cases}
            for _ in range(args.runs):
                for case in cases:
                    with fresh_database(backend) as url:
                        figures[case].append(one_run(url, args.seconds, hot=case == "hot"))
            for case in cases:
                report(f"{names[case]}, {backend}{suffix}", figures[case], "transfers/s")
            if len(cases) == 2:
                ratio = median(figures["hot"]) / median(figures["spread"])
                print(f"hot/spread ratio, {backend}: {ratio:.2f}")


if __name__ == "__main__":
    main()
