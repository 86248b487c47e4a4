"""A 10,000-line payment batch of wallet payees against the same 10,000 transfers posted
through the wallets API, in the same run: both throughputs and the ratio (target >= 0.5x).

    python bench/payroll.py [--backend sqlite|postgresql] [--lines 10000] [--repeat 3]
        [--threads 4]

A fresh database with ``--lines`` payee wallets (one customer each), made once. Each
repetition: a new funded source wallet; the batch (created from JSON, validated line by
line, approved, then executed by one automations worker, ``Worker.run_until_idle``), its
throughput in lines per second of execution (approval to completion) and, separately,
of the whole (creation and validation included); then the reference: the same transfers
(same source, payees and amounts), one call each with its own idempotency key, through
``Wallets.transfer`` from ``--threads`` threads. Medians of the repetitions last.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))
from common import eur_wallet, fresh_database, median, signing_key_env

PII_KEY = "11" * 32


def sealing_seconds(automations: Any, lines: list[Any]) -> tuple[float, float]:
    """Seconds to seal, then to unseal, the personal data of ``lines`` (what a batch's
    creation and its execution spend on it)."""
    from coffer.automations.payroll import payees

    sealer = automations.payment_batches.sealer
    rows = [line.model_dump() for line in lines]
    began = time.perf_counter()
    sealed = [payees.seal(sealer, row) for row in rows]
    middle = time.perf_counter()
    for value in sealed:
        payees.unseal(sealer, value)
    return middle - began, time.perf_counter() - middle


def one_run(
    wallets: Any, automations: Any, payees: list[str], threads: int, index: int
) -> tuple[float, float, float]:
    """(batch execution lines/s, batch lines/s with creation, reference transfers/s)."""
    from coffer.automations import Worker
    from coffer.automations.payroll import schemas as P
    from coffer.platforms import DEFAULT_PLATFORM_ID
    from coffer.wallets import schemas as W

    lines = len(payees)
    source = eur_wallet(wallets, f"Source {index}", 10**12)
    amounts = [100 + i % 7 for i in range(lines)]
    body = P.BatchCreate(
        source_wallet_id=source,
        currency="EUR",
        lines=[
            P.LineIn(wallet_id=payee, amount=amount, reference=f"salary {i}")
            for i, (payee, amount) in enumerate(zip(payees, amounts, strict=True))
        ],
    )
    began = time.perf_counter()
    batch = automations.payment_batches.create(DEFAULT_PLATFORM_ID, body, maker="bench:maker")
    assert isinstance(batch, P.Batch)
    automations.payment_batches.approve(
        DEFAULT_PLATFORM_ID,
        batch.id,
        P.Decision(approver="bench:checker"),
        caller="bench",
        approve=True,
    )
    created = time.perf_counter()
    Worker(automations, threads=1).run_until_idle()
    finished = time.perf_counter()
    done = automations.payment_batches.batch(DEFAULT_PLATFORM_ID, batch.id)
    assert done.status == "completed" and done.summary == {
        "counts": {"paid": lines},
        "totals": {"paid": sum(amounts)},
    }, done

    def transfer(line: int) -> None:
        wallets.wallets.transfer(
            W.TransferCreate(
                debited_wallet_id=source,
                credited_wallet_id=payees[line],
                amount=amounts[line],
                currency="EUR",
                metadata={"reference": f"salary {line}"},
            ),
            idempotency_key=f"bench:reference:{index}:{line}",
        )

    seal, unseal = sealing_seconds(automations, body.lines or [])
    reference_began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(transfer, range(lines)))
    reference_seconds = time.perf_counter() - reference_began
    execution = lines / (finished - created)
    whole = lines / (finished - began)
    reference = lines / reference_seconds
    print(
        f"  batch: created and validated in {created - began:.1f} s, executed in "
        f"{finished - created:.1f} s ({execution:,.0f} lines/s; {whole:,.0f} lines/s "
        f"with creation); reference: {reference_seconds:.1f} s ({reference:,.0f} "
        f"transfers/s); ratio {execution / reference:.2f}x ({whole / reference:.2f}x "
        "with creation)",
        flush=True,
    )
    print(
        f"  sealing the lines' personal data: {seal * 1000:.0f} ms at creation "
        f"({seal / (created - began):.1%} of it), unsealing {unseal * 1000:.0f} ms "
        f"({unseal / (finished - created):.1%} of the execution)",
        flush=True,
    )
    return execution, whole, reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    import coffer
    from coffer.automations import open_automations
    from coffer.automations.settings import AutomationSettings
    from coffer.wallets import WalletSettings, open_wallets

    results = []
    with signing_key_env(), fresh_database(args.backend) as url, coffer.open(url) as book:
        wallets = open_wallets(book, WalletSettings(pii_key=PII_KEY, pii_key_id="bench"))
        automations = open_automations(
            wallets, AutomationSettings(automation_event_lookback_seconds=0)
        )
        started = time.perf_counter()
        payees = [eur_wallet(wallets, f"Payee {i}", 0) for i in range(args.lines)]
        print(f"setup: {args.lines} payee wallets in {time.perf_counter() - started:.1f} s")
        for index in range(args.repeat):
            print(f"run {index + 1}/{args.repeat} ({args.backend}, {args.lines} lines)")
            results.append(one_run(wallets, automations, payees, args.threads, index))
    execution = median([r[0] for r in results])
    whole = median([r[1] for r in results])
    reference = median([r[2] for r in results])
    ratios = sorted(r[0] / r[2] for r in results)
    print(
        f"payroll ({args.backend}): batch execution median {execution:,.0f} lines/s "
        f"({whole:,.0f} with creation), reference median {reference:,.0f} transfers/s "
        f"through Wallets.transfer ({args.threads} threads); ratio median "
        f"{median(ratios):.2f}x (runs: {', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.5x)"
    )


if __name__ == "__main__":
    main()
