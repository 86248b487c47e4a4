"""post_many of 1,000 transfers on PostgreSQL with several lead chunk sizes, per call.

    ./dev bench ledger_post_many_chunks [--chunks 0,250,500] [--blocks 20]

On one ledger (10,000 funded accounts, as ledger_post_many), alternates between the
settings of ``pg_lead_chunk`` (coffer.settings) every 5 calls (0: the whole batch is applied, then
written), so that this machine's drift from minute to minute falls on every setting alike,
and prints per setting the median and mean milliseconds per call and the transfers/s the
mean gives.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import coffer
from common import fresh_database, signing_key_env
from ledger_post_many import fund, transfers

CALLS_PER_TURN = 5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", default="0,250,500", help="pg_lead_chunk settings to alternate")
    parser.add_argument("--blocks", type=int, default=20, help="turns of every setting")
    args = parser.parse_args()
    settings = [int(value) for value in args.chunks.split(",")]
    calls: dict[int, list[float]] = {value: [] for value in settings}
    with signing_key_env(), fresh_database("postgresql") as url, coffer.open(url) as c:
        ledger = c.ledger("bench")
        fund(ledger)
        rng = random.Random(42)
        for _ in range(args.blocks):
            for value in settings:
                ledger._sequencer._lead_chunk = value
                for _ in range(CALLS_PER_TURN):
                    batch = transfers(rng)
                    started = time.perf_counter()
                    ledger.post_many(batch)
                    calls[value].append(time.perf_counter() - started)
    for value in settings:
        times = calls[value]
        mean = statistics.mean(times)
        print(
            f"post_many on postgresql, lead chunk {value or 'off'}: median"
            f" {1000 * statistics.median(times):.1f} ms per call of 1,000, mean"
            f" {1000 * mean:.1f} ms ({1000 / mean:,.0f} transfers/s), {len(times)} calls"
        )


if __name__ == "__main__":
    main()
