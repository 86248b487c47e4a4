"""Spending policies under concurrency: 64 movements at once against a limit that fits
exactly k of them: exactly k pass, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.automations.conftest import PLATFORM, new_wallet

from coffer.automations.policies import open_spending_policies
from coffer.automations.policies import schemas as S
from coffer.automations.policies.errors import SpendingPolicyRefused
from coffer.automations.policies.rules import PolicyRules
from coffer.errors import CofferError
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W

MOVEMENTS = 64


@pytest.mark.parametrize("limit", ["amount", "count"])
def test_64_concurrent_transfers_exactly_k_pass(wallets: WalletPlatform, limit: str) -> None:
    policies = open_spending_policies(wallets)
    alice = new_wallet(wallets, "Alice Martin", 1_000_000)
    bob = new_wallet(wallets, "Bob Stone")
    k = 11
    window = (
        {"window": "day", "amount": k * 250 + 249}
        if limit == "amount"
        else {
            "window": "day",
            "count": k,
        }
    )
    made = policies.create(
        PLATFORM,
        S.SpendingPolicyCreate(
            name="k fit",
            wallet_id=alice.id,
            rules=PolicyRules(currency="EUR", limits=[window]),
        ),
    )

    def move(n: int) -> W.Transfer | CofferError:
        try:
            return wallets.wallets.transfer(
                W.TransferCreate(
                    debited_wallet_id=alice.id,
                    credited_wallet_id=bob.id,
                    amount=250,
                    currency="EUR",
                ),
                idempotency_key=f"concurrent-{limit}-{n}",
            )
        except CofferError as error:
            return error

    with ThreadPoolExecutor(max_workers=MOVEMENTS) as pool:
        results = list(pool.map(move, range(MOVEMENTS)))
    passed = [r for r in results if isinstance(r, W.Transfer)]
    refused = [r for r in results if isinstance(r, SpendingPolicyRefused)]
    assert (len(passed), len(refused)) == (k, MOVEMENTS - k), results
    assert wallets.wallets.wallet(bob.id).balance == k * 250
    usage = policies.usage(PLATFORM, made.id).windows[0]
    assert (usage.amount_used, usage.count_used) == (k * 250, k)
    assert len(policies.decisions(PLATFORM, made.id, limit=100).data) == MOVEMENTS - k
