"""post_many with batches of 1,000 transfers among 10,000 accounts (target: 50,000/s).

./dev bench ledger_post_many [--runs 5] [--batches 100] [--backend sqlite|postgresql|both] [--tune-gc]
                             [--pin-cpu | --compare-pin]
                             [--against GIT_REF]

``--against`` runs each run in a new process, alternately with Coffer as it is now and as
it was at GIT_REF, and prints both medians and their ratio. ``--pin-cpu`` keeps the process
on one CPU (``coffer.pin_to_one_cpu()``); ``--compare-pin`` runs each run in a new process,
alternately with and without it, and prints both medians and their ratio.
"""

from __future__ import annotations

import argparse
import random
import time

import coffer
from coffer import Posting
from common import (
    add_tuning_arguments,
    apply_tuning,
    compare,
    fresh_database,
    report,
    signing_key_env,
)

ACCOUNTS = 10_000
BATCH = 1_000


def fund(ledger: coffer.Ledger) -> None:
    """Give each of the ACCOUNTS accounts enough for every batch."""
    funding = [[Posting("world", f"users:{i}", 1_000_000_000, "USD/2")] for i in range(ACCOUNTS)]
    for start in range(0, ACCOUNTS, BATCH):
        ledger.post_many(funding[start : start + BATCH])


def transfers(rng: random.Random) -> list[list[Posting]]:
    """One batch: BATCH transfers between random accounts."""
    return [
        [
            Posting(
                f"users:{rng.randrange(ACCOUNTS)}",
                f"users:{rng.randrange(ACCOUNTS)}",
                rng.randrange(1, 1000),
                "USD/2",
            )
        ]
        for _ in range(BATCH)
    ]


def one_run(url: str, batches: int) -> float:
    with coffer.open(url) as c:
        ledger = c.ledger("bench")
        fund(ledger)
        rng = random.Random(42)
        work = [transfers(rng) for _ in range(batches)]
        started = time.perf_counter()
        failed = 0
        for batch in work:
            results = ledger.post_many(batch)
            failed += sum(1 for r in results if isinstance(r, Exception))
        elapsed = time.perf_counter() - started
        assert failed == 0, f"{failed} transfers failed"
        return batches * BATCH / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batches", type=int, default=100)
    add_tuning_arguments(parser)
    parser.add_argument("--backend", default="both")
    parser.add_argument("--against", help="a git ref to compare with, run by run")
    args = parser.parse_args()
    suffix, flags = apply_tuning(args)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if args.compare_pin or args.against:
        for backend in backends:
            extra = ["--batches", str(args.batches), "--backend", backend, *flags]
            name = f"post_many 1,000-transfer batches, 10,000 accounts, {backend}{suffix}"
            compare("ledger_post_many.py", args, extra, name, "transfers/s")
        return
    with signing_key_env():
        for backend in backends:
            runs = []
            for _ in range(args.runs):
                with fresh_database(backend) as url:
                    runs.append(one_run(url, args.batches))
            report(
                f"post_many 1,000-transfer batches, 10,000 accounts, {backend}{suffix}",
                runs,
                "transfers/s",
            )


if __name__ == "__main__":
    main()
