"""Spending policies through the Python API: each rule, monitor mode, windows in a time
zone, versions, usage, and refusals that move no money."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.automations.conftest import PLATFORM, Clock, new_wallet

from coffer.automations.policies import SpendingPolicies, open_spending_policies
from coffer.automations.policies import schemas as S
from coffer.automations.policies.errors import SpendingPolicyNotFound, SpendingPolicyRefused
from coffer.automations.policies.rules import PolicyRules
from coffer.errors import InsufficientFunds, ValidationError
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W


@pytest.fixture
def policies(wallets: WalletPlatform, clock: Clock) -> SpendingPolicies:
    clock.set(datetime(2026, 3, 11, 10, 0, tzinfo=UTC))  # a Wednesday
    return open_spending_policies(wallets, lambda: clock().timestamp())


def policy(
    policies: SpendingPolicies, wallet_id: str, mode: str = "enforce", **rules: Any
) -> S.SpendingPolicy:
    return policies.create(
        PLATFORM,
        S.SpendingPolicyCreate(
            name="limits",
            wallet_id=wallet_id,
            mode=mode,  # type: ignore[arg-type]
            rules=PolicyRules.model_validate({"currency": "EUR", **rules}),
        ),
    )


def send(
    wallets: WalletPlatform, source: str, target: str, amount: int, **metadata: str
) -> W.Transfer:
    return wallets.wallets.transfer(
        W.TransferCreate(
            debited_wallet_id=source,
            credited_wallet_id=target,
            amount=amount,
            currency="EUR",
            metadata=metadata,
        )
    )


def balance(wallets: WalletPlatform, wallet_id: str) -> int:
    return wallets.wallets.wallet(wallet_id).balance


def test_per_transaction_maximum(wallets: WalletPlatform, policies: SpendingPolicies) -> None:
    alice = new_wallet(wallets, "Alice Martin", 100_000)
    bob = new_wallet(wallets, "Bob Stone")
    made = policy(policies, alice.id, max_per_transaction=5_000)
    send(wallets, alice.id, bob.id, 5_000)
    with pytest.raises(SpendingPolicyRefused) as refused:
        send(wallets, alice.id, bob.id, 5_001)
    assert refused.value.status == 402
    assert refused.value.message == (
        f"per-transaction limit 50.00 EUR of policy {made.id}: 50.01 EUR asked"
    )
    assert balance(wallets, alice.id) == 95_000  # the refused one moved nothing
    decisions = policies.decisions(PLATFORM, made.id).data
    assert [(d.outcome, d.rule, d.amount) for d in decisions] == [
        ("refused", "per_transaction", 5_001)
    ]


def test_daily_amount_limit_names_what_was_spent(
    wallets: WalletPlatform, policies: SpendingPolicies, clock: Clock
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 200_000)
    bob = new_wallet(wallets, "Bob Stone")
    made = policy(policies, alice.id, limits=[{"window": "day", "amount": 50_000}])
    send(wallets, alice.id, bob.id, 43_000)
    with pytest.raises(SpendingPolicyRefused) as refused:
        send(wallets, alice.id, bob.id, 10_000)
    assert refused.value.message == (
        f"daily amount limit 500.00 EUR of policy {made.id}: 430.00 EUR already spent"
    )
    send(wallets, alice.id, bob.id, 7_000)  # exactly to the limit
    usage = policies.usage(PLATFORM, made.id).windows[0]
    assert (usage.amount_used, usage.count_used, usage.window_start) == (50_000, 2, "2026-03-11")
    assert usage.resets_at == datetime(2026, 3, 12, tzinfo=UTC)
    clock.advance(days=1)  # a new day: a new window
    send(wallets, alice.id, bob.id, 10_000)
    assert balance(wallets, alice.id) == 200_000 - 60_000


def test_weekly_count_and_monthly_amount(
    wallets: WalletPlatform, policies: SpendingPolicies, clock: Clock
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 200_000)
    bob = new_wallet(wallets, "Bob Stone")
    made = policy(
        policies,
        alice.id,
        limits=[{"window": "week", "count": 2}, {"window": "month", "amount": 3_000}],
    )
    send(wallets, alice.id, bob.id, 1_000)
    send(wallets, alice.id, bob.id, 1_000)
    with pytest.raises(SpendingPolicyRefused, match="weekly count limit 2 of policy"):
        send(wallets, alice.id, bob.id, 1_000)
    clock.set(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))  # Monday: a new week, same month
    send(wallets, alice.id, bob.id, 1_000)
    with pytest.raises(SpendingPolicyRefused, match=r"monthly amount limit 30\.00 EUR"):
        send(wallets, alice.id, bob.id, 1)
    # the refused movement counted nowhere (the week's count stayed at 1)
    week = {w.window: w for w in policies.usage(PLATFORM, made.id).windows}["week"]
    assert (week.window_start, week.count_used) == ("2026-03-16", 1)
    clock.set(datetime(2026, 4, 1, 0, 30, tzinfo=UTC))
    send(wallets, alice.id, bob.id, 3_000)


def test_windows_follow_the_policy_time_zone(
    wallets: WalletPlatform, policies: SpendingPolicies, clock: Clock
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 100_000)
    bob = new_wallet(wallets, "Bob Stone")
    made = policy(
        policies,
        alice.id,
        time_zone="America/New_York",
        limits=[{"window": "day", "amount": 1_000}],
    )
    clock.set(datetime(2026, 3, 12, 3, 0, tzinfo=UTC))  # still the 11th in New York
    send(wallets, alice.id, bob.id, 1_000)
    clock.set(datetime(2026, 3, 12, 3, 59, tzinfo=UTC))
    with pytest.raises(SpendingPolicyRefused):
        send(wallets, alice.id, bob.id, 1)
    usage = policies.usage(PLATFORM, made.id)
    assert usage.windows[0].window_start == "2026-03-11"
    assert usage.windows[0].resets_at == datetime(2026, 3, 12, 4, 0, tzinfo=UTC)
    clock.set(datetime(2026, 3, 12, 4, 0, tzinfo=UTC))  # midnight in New York
    send(wallets, alice.id, bob.id, 1_000)


def test_counterparties_and_merchant_categories(
    wallets: WalletPlatform, policies: SpendingPolicies
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 100_000)
    bob = new_wallet(wallets, "Bob Stone")
    carol = new_wallet(wallets, "Carol King")
    made = policy(
        policies,
        alice.id,
        blocked_counterparties=[carol.customer_id],
        blocked_merchant_categories=["7995"],
    )
    send(wallets, alice.id, bob.id, 100, mcc="5411")
    with pytest.raises(SpendingPolicyRefused, match=f"counterparty {carol.customer_id} is blocked"):
        send(wallets, alice.id, carol.id, 100)
    with pytest.raises(SpendingPolicyRefused, match="merchant category 7995 is blocked"):
        send(wallets, alice.id, bob.id, 100, mcc="7995")
    policies.update(
        PLATFORM,
        made.id,
        S.SpendingPolicyUpdate(
            rules=PolicyRules(
                allowed_counterparties=[bob.customer_id or ""],
                allowed_merchant_categories=["5411"],
            )
        ),
    )
    send(wallets, alice.id, bob.id, 100, mcc="5411")
    with pytest.raises(SpendingPolicyRefused, match="not among the allowed ones"):
        send(wallets, alice.id, carol.id, 100)
    with pytest.raises(SpendingPolicyRefused, match="merchant category 5812 is not among"):
        send(wallets, alice.id, bob.id, 100, mcc="5812")
    versions = policies.versions(PLATFORM, made.id)
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].rules.blocked_counterparties == [carol.customer_id]


def test_time_of_day_window(
    wallets: WalletPlatform, policies: SpendingPolicies, clock: Clock
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 100_000)
    bob = new_wallet(wallets, "Bob Stone")
    policy(
        policies,
        alice.id,
        time_zone="Europe/Paris",
        hours={"start": "08:00", "end": "20:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
    )
    clock.set(datetime(2026, 3, 11, 18, 59, tzinfo=UTC))  # 19:59 in Paris, a Wednesday
    send(wallets, alice.id, bob.id, 100)
    clock.set(datetime(2026, 3, 11, 19, 0, tzinfo=UTC))
    with pytest.raises(SpendingPolicyRefused, match=r"08:00-20:00 .*Europe/Paris.*Wed 20:00"):
        send(wallets, alice.id, bob.id, 100)
    clock.set(datetime(2026, 3, 14, 10, 0, tzinfo=UTC))  # Saturday
    with pytest.raises(SpendingPolicyRefused, match="Sat 11:00"):
        send(wallets, alice.id, bob.id, 100)


def test_monitor_mode_logs_and_lets_through(
    wallets: WalletPlatform, policies: SpendingPolicies
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 100_000)
    bob = new_wallet(wallets, "Bob Stone")
    made = policy(
        policies,
        alice.id,
        mode="monitor",
        max_per_transaction=1_000,
        limits=[{"window": "day", "amount": 1_500}],
    )
    send(wallets, alice.id, bob.id, 1_000)
    send(wallets, alice.id, bob.id, 2_000)  # over both: allowed, decisions stored
    assert balance(wallets, alice.id) == 97_000
    decisions = policies.decisions(PLATFORM, made.id).data
    assert sorted(d.rule for d in decisions) == ["daily_amount", "per_transaction"]
    assert {d.outcome for d in decisions} == {"would_refuse"}
    assert policies.usage(PLATFORM, made.id).windows[0].amount_used == 3_000


def test_customer_policy_covers_every_wallet_and_failed_movements_count_nothing(
    wallets: WalletPlatform, policies: SpendingPolicies
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 5_000)
    bob = new_wallet(wallets, "Bob Stone")
    dollars = [
        wallets.wallets.create_wallet(W.WalletCreate(customer_id=owner or "", currency="USD"))
        for owner in (alice.customer_id, bob.customer_id)
    ]
    made = policies.create(
        PLATFORM,
        S.SpendingPolicyCreate(
            name="household",
            customer_id=alice.customer_id,
            rules=PolicyRules(currency="EUR", limits=[{"window": "day", "amount": 8_000}]),
        ),
    )
    with pytest.raises(InsufficientFunds):
        send(wallets, alice.id, bob.id, 6_000)  # fits the policy, not the balance
    assert policies.usage(PLATFORM, made.id).windows[0].amount_used == 0  # released
    send(wallets, alice.id, bob.id, 5_000)
    with pytest.raises(SpendingPolicyRefused, match="limits EUR amounts; this is USD"):
        wallets.wallets.transfer(
            W.TransferCreate(
                debited_wallet_id=dollars[0].id,
                credited_wallet_id=dollars[1].id,
                amount=1,
                currency="USD",
            )
        )
    send(wallets, bob.id, alice.id, 4_000)
    with pytest.raises(SpendingPolicyRefused):
        send(wallets, alice.id, bob.id, 3_001)
    policies.set_status(PLATFORM, made.id, "disabled")
    send(wallets, alice.id, bob.id, 3_001)
    policies.delete(PLATFORM, made.id)
    with pytest.raises(SpendingPolicyNotFound):
        policies.policy(PLATFORM, made.id)


def test_bad_policies_and_other_platforms(
    wallets: WalletPlatform, policies: SpendingPolicies
) -> None:
    alice = new_wallet(wallets, "Alice Martin")
    bob = new_wallet(wallets, "Bob Stone")
    made = policy(policies, alice.id, max_per_transaction=1)
    with pytest.raises(SpendingPolicyNotFound):
        policies.policy("plat_other", made.id)
    with pytest.raises(SpendingPolicyNotFound):
        policies.usage("plat_other", made.id)
    assert policies.policies("plat_other").data == []
    with pytest.raises(ValidationError, match="only cover that customer's wallets"):
        policies.create(
            PLATFORM,
            S.SpendingPolicyCreate(
                name="x",
                wallet_id=alice.id,
                owner_customer_id=bob.customer_id,
                rules=PolicyRules(),
            ),
        )
    for rules in (
        {"max_per_transaction": 5},  # no currency
        {"currency": "EUR", "time_zone": "Mars/Olympus"},
        {"currency": "EUR", "limits": [{"window": "day"}]},
        {"currency": "EUR", "limits": [{"window": "day", "count": 1}] * 2},
    ):
        with pytest.raises(ValueError):
            PolicyRules.model_validate(rules)


def test_payments_are_checked_in_their_own_unit(
    wallets: WalletPlatform, policies: SpendingPolicies
) -> None:
    buyer = new_wallet(wallets, "Alice Martin", 10_000)
    seller = new_wallet(wallets, "Bob Stone")
    made = policy(
        policies,
        buyer.id,
        limits=[{"window": "day", "amount": 3_000}],
        blocked_merchant_categories=["7995"],
    )

    def pay(amount: int, **metadata: str) -> W.Payment:
        return wallets.wallets.create_payment(
            W.PaymentCreate(
                buyer_wallet_id=buyer.id,
                seller_wallet_id=seller.id,
                amount=amount,
                currency="EUR",
                capture=True,
                metadata=metadata,
            )
        )

    assert pay(2_000, mcc="5411").status == "captured"
    with pytest.raises(SpendingPolicyRefused):
        pay(1_001)
    with pytest.raises(SpendingPolicyRefused):
        pay(10, mcc="7995")
    assert policies.usage(PLATFORM, made.id).windows[0].amount_used == 2_000
    assert balance(wallets, buyer.id) == 8_000
    assert {d.rule for d in policies.decisions(PLATFORM, made.id).data} == {
        "daily_amount",
        "blocked_merchant_category",
    }
