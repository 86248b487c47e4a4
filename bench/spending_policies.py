"""Spending policies: wallet transfer throughput with a policy on every wallet vs no policy,
in the same run (target: ratio >= 0.9, i.e. the checks cost <= 10%).

    python bench/spending_policies.py [--backend sqlite|postgresql] [--transfers 4000]
        [--batch 50] [--threads 4] [--rounds 3] [--wallets 200]

``--threads`` threads each hand ``Wallets.transfer_many`` batches of ``--batch`` transfers
between random wallets (as the HTTP fast path batches concurrent requests). ``on``: every
wallet has an enforced policy (per-transaction maximum, a daily amount and count limit, a
weekly amount limit, a blocked counterparty and merchant category), so every transfer is
judged and counted in two velocity windows; ``off``: the policies' check is not registered.
Both are warmed up first with transfers from every wallet (for ``on``: the policies' cache
and this process's leases of the windows, see docs/automations.md), so that the rounds
measure the steady state; then the two alternate for ``--rounds`` rounds each (which goes
first alternates too; each round follows an untimed transfer from every wallet, so that
the policies' leases do not go idle while the other side runs); the figure is the median
throughput of each and their ratio, and the median process CPU time per transfer of each
(less sensitive to a busy machine than throughput).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import fresh_database, signing_key_env, verified_company_wallet

PII_KEY = "33" * 32
P = "plat_default"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--transfers", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wallets", type=int, default=200)
    args = parser.parse_args()
    with signing_key_env(), fresh_database(args.backend) as url:
        run(url, args)


def run(url: str, args: argparse.Namespace) -> None:
    import coffer
    from coffer.automations.policies import open_spending_policies
    from coffer.automations.policies import schemas as PS
    from coffer.automations.policies.rules import PolicyRules
    from coffer.wallets import WalletSettings, open_wallets
    from coffer.wallets import schemas as S

    book = coffer.open(url)
    platform = open_wallets(book, WalletSettings(pii_key=PII_KEY, pii_key_id="bench"))
    wallets = platform.wallets
    ids = [verified_company_wallet(platform, index)[1] for index in range(args.wallets)]
    policies = open_spending_policies(platform)
    rules = PolicyRules.model_validate(
        {
            "currency": "EUR",
            "time_zone": "Europe/Paris",
            "max_per_transaction": 1_000_000,
            "limits": [
                {"window": "day", "amount": 10**12, "count": 10**9},
                {"window": "week", "amount": 10**13},
            ],
            "blocked_counterparties": ["cus_blocked"],
            "blocked_merchant_categories": ["7995"],
        }
    )
    for wallet_id in ids:
        policies.create(P, PS.SpendingPolicyCreate(name="limits", wallet_id=wallet_id, rules=rules))
    check = policies.check
    platform.core.checks.unregister(check.name)
    print(f"backend {args.backend}, {len(ids)} wallets, each with a policy", flush=True)

    refused: dict[str, int] = {}
    cpu_us: dict[bool, list[float]] = {False: [], True: []}  # process CPU per transfer

    def transfers(count: int, every_wallet: bool = False, timed: bool = True) -> float:
        """``count`` transfers between random wallets (``every_wallet``: one from each)."""
        rng = random.Random(11)
        pairs = [(a, ids[index - 1]) for index, a in enumerate(ids)] if every_wallet else []
        batches = []
        for _ in range(count // args.batch):
            batch = []
            for _ in range(args.batch):
                a, b = pairs.pop() if pairs else rng.sample(ids, 2)
                request = S.TransferCreate(
                    debited_wallet_id=a,
                    credited_wallet_id=b,
                    amount=rng.randint(100, 5000),
                    currency="EUR",
                    metadata={"mcc": "5411"},
                )
                batch.append((request, None))
            batches.append(batch)
        lock = threading.Lock()

        def worker() -> None:
            while True:
                with lock:
                    if not batches:
                        return
                    batch = batches.pop()
                for result in wallets.transfer_many(batch):
                    if isinstance(result, Exception):
                        with lock:
                            refused[result.code] = refused.get(result.code, 0) + 1

        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        started, cpu = time.perf_counter(), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if timed:
            cpu_us[platform.core.checks.active].append((time.process_time() - cpu) / count * 1e6)
        return count / (time.perf_counter() - started)

    # warm up both (caches, statement shapes; with the policies: their cache and this
    # process's leases of the 400 windows, one unit each the first time), with a transfer
    # from every wallet: the rounds measure the steady state
    warm_up = max(args.batch * args.threads * 2, -(-len(ids) // args.batch) * args.batch)
    transfers(warm_up, every_wallet=True)
    platform.core.checks.register(check)
    transfers(warm_up, every_wallet=True)
    platform.core.checks.unregister(check.name)
    off: list[float] = []
    on: list[float] = []
    for round_index in range(args.rounds):
        for checked in (False, True) if round_index % 2 == 0 else (True, False):
            if checked:
                platform.core.checks.register(check)
            # untimed: a transfer from every wallet, as in a steady stream (the policies'
            # leases do not go idle while the other side runs)
            transfers(args.batch * -(-len(ids) // args.batch), every_wallet=True, timed=False)
            (on if checked else off).append(transfers(args.transfers))
            if checked:
                platform.core.checks.unregister(check.name)
    median_off, median_on = statistics.median(off), statistics.median(on)
    print(
        f"transfers, no policy: median {median_off:,.0f}/s (runs: "
        + ", ".join(f"{v:,.0f}" for v in off)
        + ")"
    )
    print(
        f"transfers, a policy on every wallet: median {median_on:,.0f}/s (runs: "
        + ", ".join(f"{v:,.0f}" for v in on)
        + ")"
    )
    print(f"ratio policies/none: {median_on / median_off:.2f} (target >= 0.9)")
    cpu_off, cpu_on = (statistics.median(cpu_us[on][-args.rounds :]) for on in (False, True))
    print(
        f"process CPU per transfer: {cpu_off:.0f} us without, {cpu_on:.0f} us with policies "
        f"(+{(cpu_on / cpu_off - 1) * 100:.0f}%)"
    )
    if refused:
        print(f"refused: {refused}")
    policies.close()
    book.close()


if __name__ == "__main__":
    main()
