"""verify(): journal entries checked per second (target: 100,000/s).

./dev bench ledger_verify [--runs 5] [--entries 200000] [--backend postgresql|sqlite|both]
"""

from __future__ import annotations

import argparse
import random

import coffer
from coffer import Posting
from common import fresh_database, report, signing_key_env


def build(url: str, entries: int) -> None:
    rng = random.Random(7)
    with coffer.open(url) as c:
        ledger = c.ledger("bench")
        for start in range(0, entries, 1_000):
            ledger.post_many(
                [
                    [
                        Posting(
                            "world",
                            f"users:{rng.randrange(10_000)}",
                            rng.randrange(1, 10**6),
                            "USD/2",
                        )
                    ]
                    for _ in range(min(1_000, entries - start))
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--backend", default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with signing_key_env():
        for backend in backends:
            with fresh_database(backend) as url:
                build(url, args.entries)
                runs = []
                for _ in range(args.runs):
                    with coffer.open(url) as c:
                        result = c.verify()
                    assert result.ok, result
                    runs.append(result.entries / result.elapsed_seconds)
            report(f"verify, {args.entries:,} entries, {backend}", runs, "entries/s")


if __name__ == "__main__":
    main()
