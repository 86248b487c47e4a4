"""One thread, one post() at a time: latency percentiles (target: median < 2 ms on PostgreSQL).

./dev bench ledger_latency [--runs 5] [--count 2000] [--backend postgresql|sqlite|both]
"""

from __future__ import annotations

import argparse
import time

import coffer
from coffer import Posting
from common import fresh_database, median, signing_key_env


def one_run(url: str, count: int) -> list[float]:
    with coffer.open(url) as c:
        ledger = c.ledger("bench")
        ledger.post([Posting("world", "users:0", 10**12, "USD/2")])
        for _ in range(100):  # warm up
            ledger.post([Posting("users:0", "users:1", 1, "USD/2")])
        samples = []
        for index in range(count):
            started = time.perf_counter()
            ledger.post([Posting("users:0", f"users:{index % 100 + 1}", 1, "USD/2")])
            samples.append((time.perf_counter() - started) * 1000)
        return sorted(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--backend", default="postgresql")
    args = parser.parse_args()
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    with signing_key_env():
        for backend in backends:
            p50s, p99s = [], []
            for _ in range(args.runs):
                with fresh_database(backend) as url:
                    samples = one_run(url, args.count)
                p50s.append(samples[len(samples) // 2])
                p99s.append(samples[int(len(samples) * 0.99)])
            runs = ", ".join(f"{v:.3f}" for v in p50s)
            print(
                f"single-thread post() latency, {backend}: median p50 {median(p50s):.3f} ms"
                f" (runs: {runs}); median p99 {median(p99s):.3f} ms"
            )


if __name__ == "__main__":
    main()
