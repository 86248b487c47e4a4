"""10,000 schedules due at the same minute: how long until every run has finished (target:
within 60 s), the p50/p99 lateness of the runs' start, and the throughput of those runs
against the same transfers posted straight through the wallets service, measured in the
same run (the ratio).

    python bench/automations_schedules.py [--backend sqlite|postgresql] [--count 10000]
        [--threads 4] [--wallets 100] [--mode batched|per-run|both] [--no-reference]

Each run: a fresh database; ``--wallets`` funded source wallets and as many targets;
``--count`` platform automations, each a daily cron schedule at the same minute whose one
step is a transfer of 1 cent (source and target wallets in turn). The automations' clock is the system clock
shifted so that this minute begins when setup ends, then one worker (``--threads``
threads) runs until every run has finished (bounded: 600 s). The reference: ``--count``
transfers, one per call with its own idempotency key, through ``Wallets.transfer`` from
the same number of threads.

``--mode``: ``batched`` (the worker's default: a claimed batch's first-attempt transfers
posted in one ``transfer_many``, the runs' ends in one transaction), ``per-run``
(``COFFER_AUTOMATION_BATCH_RUNS=false``: each run alone), or ``both`` (each on its own fresh
database, in this order). Lateness is measured from an occurrence's due time to its run's
start (its claim by the worker) and to its end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
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
    parser.add_argument("--mode", default="both", choices=["batched", "per-run", "both"])
    parser.add_argument("--no-reference", action="store_true", help="skip the direct transfers")
    args = parser.parse_args()
    if args.mode == "both":  # each mode in a process of its own (its own keys and witness)
        for mode in ("per-run", "batched"):
            subprocess.run([sys.executable, *sys.argv, "--mode", mode], check=True)
        return
    with signing_key_env():
        measure(args, args.mode)


def measure(args: argparse.Namespace, mode: str) -> None:

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

    with fresh_database(args.backend) as url, coffer.open(url) as book:
        wallets = open_wallets(book, WalletSettings(pii_key=PII_KEY, pii_key_id="bench"))

        def wallet(name: str, amount: int) -> str:
            return eur_wallet(wallets, name, amount)

        sources = [wallet(f"Source {i}", 10**9) for i in range(args.wallets)]
        # as many targets as sources: each stays below a KYC maximum balance
        targets = [wallet(f"Target {i}", 0) for i in range(args.wallets)]
        minute = (datetime.now(UTC) + timedelta(minutes=2)).replace(second=0, microsecond=0)
        offset = timedelta(0)

        def clock() -> datetime:
            return datetime.now(UTC) + offset

        settings = AutomationSettings(
            automation_worker_threads=args.threads,
            automation_batch_size=500,
            automation_interval_seconds=0.05,
            automation_event_lookback_seconds=0,
            automation_batch_runs=mode == "batched",
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
                                "credited_wallet_id": targets[index % len(targets)],
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
                    T.automation_runs.c.finished_at,
                )
            ).all()
        lateness = [(row.started_at - row.scheduled_for) / 1e6 for row in rows if row.started_at]
        ended = [(row.finished_at - row.scheduled_for) / 1e6 for row in rows if row.finished_at]
        failed = sum(1 for row in rows if row.status != "succeeded")
        balance = sum(wallets.wallets.wallet(target).balance for target in targets)
        automation_rate = len(rows) / elapsed
        print(
            f"[{mode}] automations: {len(rows)} runs ({failed} not succeeded) finished"
            f" {elapsed:.1f} s after their minute began; start lateness p50"
            f" {percentile(lateness, 0.5):.2f} s, p99 {percentile(lateness, 0.99):.2f} s;"
            f" end lateness p50 {percentile(ended, 0.5):.2f} s,"
            f" p99 {percentile(ended, 0.99):.2f} s, max {max(ended):.2f} s;"
            f" {automation_rate:.0f} runs/s; target wallets {balance} (expected {args.count})",
            flush=True,
        )
        if args.no_reference:
            print(
                f"[{mode}] all {args.count} runs within {elapsed:.1f} s (target 60 s):"
                f" {'yes' if elapsed <= 60 and failed == 0 else 'no'}",
                flush=True,
            )
            return

        def direct(index: int) -> None:
            wallets.wallets.transfer(
                W.TransferCreate(
                    debited_wallet_id=sources[index % len(sources)],
                    credited_wallet_id=targets[index % len(targets)],
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
            f"[{mode}] reference: {args.count} wallet transfers straight through the service: {direct_rate:.0f}/s"
        )
        print(
            f"[{mode}] ratio automations/direct: {automation_rate / direct_rate:.2f}x;"
            f" all {args.count} runs within {elapsed:.1f} s (target 60 s):"
            f" {'yes' if elapsed <= 60 and failed == 0 else 'no'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
