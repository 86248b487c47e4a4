"""10,000 schedules due at the same minute: how long until every run has finished (target:
within 60 s), the p50/p99 lateness of the runs' start, and the throughput of those runs
against the same transfers posted straight through the wallets service, measured in the
same run (the ratio).

    python bench/automations_schedules.py [--backend sqlite|postgresql] [--count 10000]
        [--threads 4] [--wallets 100]

Each run: a fresh database; ``--wallets`` funded source wallets and one target; ``--count``
platform automations, each a daily cron schedule at the same minute whose one step is a
transfer of 1 cent (source wallets in turn). The automations' clock is the system clock
shifted so that this minute begins when setup ends, then one worker (``--threads``
threads) runs until every run has finished (bounded: 600 s). The reference: ``--count``
transfers, one per call with its own idempotency key, through ``Wallets.transfer`` from
the same number of threads.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(__file__))
from common import eur_wallet, fresh_database, signing_key_env

PII_KEY = "11" * 32
DEADLINE_SECONDS = 600


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--wallets", type=int, default=100)
    args = parser.parse_args()

    import sqlalchemy as sa

    import coffer
    from coffer.automations import Worker, open_automations
    from coffer.automations import repository as R
    from coffer.automations import schemas as S
    from coffer.automations import tables as T
    from coffer.automations.settings import AutomationSettings
    from coffer.platforms import DEFAULT_PLATFORM_ID
    from coffer.wallets import WalletSettings, open_wallets
    from coffer.wallets import schemas as W

    with signing_key_env(), fresh_database(args.backend) as url, coffer.open(url) as book:
        wallets = open_wallets(book, WalletSettings(pii_key=PII_KEY, pii_key_id="bench"))

        def wallet(name: str, amount: int) -> str:
            return eur_wallet(wallets, name, amount)

        sources = [wallet(f"Source {i}", 10**9) for i in range(args.wallets)]
        target = wallet("Target", 0)
        minute = (datetime.now(UTC) + timedelta(minutes=2)).replace(second=0, microsecond=0)
        offset = timedelta(0)

        def clock() -> datetime:
            return datetime.now(UTC) + offset

        settings = AutomationSettings(
            automation_worker_threads=args.threads,
            automation_batch_size=500,
            automation_interval_seconds=0.05,
            automation_event_lookback_seconds=0,
        )
        automations = open_automations(wallets, settings, clock)
        started = time.perf_counter()
        for index in range(args.count):
            automations.create(
                DEFAULT_PLATFORM_ID,
                S.AutomationCreate(
                    name=f"payday {index}",
                    definition={
                        "trigger": {
                            "type": "schedule",
                            "cron": f"{minute.minute} {minute.hour} * * *",
                        },
                        "steps": [
                            {
                                "id": "pay",
                                "type": "transfer",
                                "debited_wallet_id": sources[index % len(sources)],
                                "credited_wallet_id": target,
                                "amount": 1,
                                "currency": "EUR",
                            }
                        ],
                    },
                ),
            )
        print(f"setup: {args.count} automations in {time.perf_counter() - started:.1f} s")

        # the minute begins now
        offset = minute - datetime.now(UTC)
        worker = Worker(automations)
        began = time.perf_counter()
        deadline = began + DEADLINE_SECONDS
        done_statuses = ("succeeded", "failed")
        finished = 0
        while time.perf_counter() < deadline:
            if not worker.run_once():
                with R.reading(book.engine) as connection:
                    finished = connection.execute(
                        sa.select(sa.func.count()).where(
                            T.automation_runs.c.status.in_(done_statuses)
                        )
                    ).scalar_one()
                if finished >= args.count:
                    break
                time.sleep(0.05)
        elapsed = time.perf_counter() - began
        worker.stop()
        with R.reading(book.engine) as connection:
            rows = connection.execute(
                sa.select(
                    T.automation_runs.c.status,
                    T.automation_runs.c.scheduled_for,
                    T.automation_runs.c.started_at,
                )
            ).all()
        lateness = [(row.started_at - row.scheduled_for) / 1e6 for row in rows if row.started_at]
        failed = sum(1 for row in rows if row.status != "succeeded")
        balance = wallets.wallets.wallet(target).balance
        automation_rate = len(rows) / elapsed
        print(
            f"automations: {len(rows)} runs ({failed} not succeeded) finished {elapsed:.1f} s"
            f" after their minute began; lateness p50 {percentile(lateness, 0.5):.2f} s,"
            f" p99 {percentile(lateness, 0.99):.2f} s, max {max(lateness):.2f} s;"
            f" {automation_rate:.0f} runs/s; target wallet {balance} (expected {args.count})"
        )

        def direct(index: int) -> None:
            wallets.wallets.transfer(
                W.TransferCreate(
                    debited_wallet_id=sources[index % len(sources)],
                    credited_wallet_id=target,
                    amount=1,
                    currency="EUR",
                ),
                idempotency_key=f"bench-direct-{index}",
            )

        began = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(direct, range(args.count)))
        direct_rate = args.count / (time.perf_counter() - began)
        print(
            f"reference: {args.count} wallet transfers straight through the service: {direct_rate:.0f}/s"
        )
        print(
            f"ratio automations/direct: {automation_rate / direct_rate:.2f}x;"
            f" all {args.count} runs within {elapsed:.1f} s (target 60 s):"
            f" {'yes' if elapsed <= 60 and failed == 0 else 'no'}"
        )


if __name__ == "__main__":
    main()
