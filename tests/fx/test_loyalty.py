"""Loyalty: earn rules, awards with purchases in one transaction, FIFO lots that expire
with an injected clock, tiers, and concurrent redemptions that never spend a point twice."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from tests.fx.conftest import START, Clock, balance, customer, wallet

from coffer.errors import CofferError, InsufficientFunds
from coffer.fx import FxPlatform
from coffer.fx.loyalty import schemas as L
from coffer.fx.loyalty.rules import points_for
from coffer.fx.loyalty.service import customer_account
from coffer.wallets import WalletPlatform

RULES = [
    L.EarnRule(points_per_unit=Decimal("1")),
    L.EarnRule(points_per_unit=Decimal("2"), mcc="5411", cap=50),
    L.EarnRule(
        points_per_unit=Decimal("0.5"),
        campaign="spring",
        starts_at=START,
        ends_at=START + timedelta(days=30),
    ),
]


def program(fx: FxPlatform, **extra: object) -> L.Program:
    values: dict[str, object] = {
        "name": "Club",
        "cash_currency": "EUR",
        "redemption_rate": Decimal("0.5"),  # 1 point = 0.5 cent
        "expiry_days": 90,
        "earn_rules": RULES,
        "tiers": [L.Tier(name="silver", min_points=100), L.Tier(name="gold", min_points=1000)],
        "tier_window_days": 365,
    }
    values.update(extra)
    return fx.loyalty.create_program(L.ProgramCreate.model_validate(values))


def test_earn_rules_per_unit_mcc_campaign_and_caps() -> None:
    at = START + timedelta(days=1)
    assert points_for(RULES, amount=12_345, currency="EUR", at=at) == 123
    assert points_for(RULES, amount=12_345, currency="EUR", at=at, mcc="5411") == 123 + 50
    assert points_for(RULES, amount=1_000, currency="EUR", at=at, campaign="spring") == 10 + 5
    assert (
        points_for(
            RULES, amount=1_000, currency="EUR", at=at + timedelta(days=40), campaign="spring"
        )
        == 10
    )
    assert points_for(RULES, amount=1_000, currency="JPY", at=at) == 1_000


def test_purchase_awards_points_in_the_payment_transaction(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    club = program(fx)
    alice, shop = customer(platform), customer(platform, "Shop")
    pay, till = wallet(platform, alice, "EUR", 50_000), wallet(platform, shop, "EUR")
    made = fx.loyalty.purchase(
        club.id,
        L.PurchaseCreate(
            from_wallet_id=pay, to_wallet_id=till, amount=20_000, currency="EUR", mcc="5411"
        ),
    )
    assert made.points == 200 + 50 and made.lot is not None and made.lot.status == "active"
    tx = fx.ledger.transaction(made.ledger_transaction_id)
    assert {(p.source, p.destination, p.amount, p.asset) for p in tx.postings} == {
        (f"wallets:{pay}", f"wallets:{till}", 20_000, "EUR/2"),
        (f"loyalty:{club.id}:issued", customer_account(club.id, alice), 250, "POINTS"),
    }
    assert balance(platform, till) == 20_000
    with pytest.raises(InsufficientFunds):  # the payment fails: no points either
        fx.loyalty.purchase(
            club.id,
            L.PurchaseCreate(from_wallet_id=pay, to_wallet_id=till, amount=40_000, currency="EUR"),
        )
    assert fx.loyalty.account(club.id, alice).balance == 250


def test_lots_expire_first_in_first_out_with_the_clock(
    fx: FxPlatform, platform: WalletPlatform, clock: Clock
) -> None:
    club = program(fx)
    alice = customer(platform)
    cash = wallet(platform, alice, "EUR")
    start = clock.freeze()
    fx.loyalty.award(club.id, L.AwardCreate(customer_id=alice, points=100))
    clock.advance(days=30)
    fx.loyalty.award(club.id, L.AwardCreate(customer_id=alice, points=60))
    account = fx.loyalty.account(club.id, alice)
    assert account.balance == 160 and account.tier == "silver"
    assert [(line.points, line.expires_at) for line in account.expiring] == [
        (100, start + timedelta(days=90)),
        (60, start + timedelta(days=120)),
    ]
    # redeeming 30 takes them from the oldest lot
    redeemed = fx.loyalty.redeem(
        club.id, L.RedemptionCreate(customer_id=alice, points=30, wallet_id=cash)
    )
    assert redeemed.cash_amount == 15 and balance(platform, cash) == 15
    assert list(redeemed.lots.values()) == [30]
    clock.advance(days=59)  # day 89: nothing expired yet
    assert fx.loyalty.expire(club.id).expired_points == 0
    clock.advance(days=1)  # day 90: the first lot's 70 remaining points expire
    run = fx.loyalty.expire(club.id)
    assert run.expired_points == 70 and run.movements[0].ledger_transaction_id is not None
    assert fx.loyalty.expire(club.id).expired_points == 0  # once
    account = fx.loyalty.account(club.id, alice)
    assert account.balance == 60 and [line.points for line in account.expiring] == [60]
    assert fx.ledger.balance(f"loyalty:{club.id}:expired", "POINTS") == 70
    clock.advance(days=400)  # out of the tier window
    assert fx.loyalty.account(club.id, alice).tier is None


def test_concurrent_redemptions_never_spend_a_point_twice(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    club = program(fx)
    alice = customer(platform)
    cash = wallet(platform, alice, "EUR")
    for points in (40, 35, 25):
        fx.loyalty.award(club.id, L.AwardCreate(customer_id=alice, points=points))
    outcomes: list[object] = []
    start = threading.Barrier(8)

    def redeem() -> None:
        start.wait()
        try:
            outcomes.append(
                fx.loyalty.redeem(
                    club.id, L.RedemptionCreate(customer_id=alice, points=30, wallet_id=cash)
                )
            )
        except CofferError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    done = [o for o in outcomes if isinstance(o, L.Movement)]
    assert len(outcomes) == 8 and len(done) == 3  # 100 points: three redemptions of 30
    assert all(isinstance(o, InsufficientFunds) for o in outcomes if o not in done)
    assert fx.loyalty.account(club.id, alice).balance == 10
    assert sum(lot.remaining for lot in fx.loyalty.lots(club.id, alice)) == 10
    assert balance(platform, cash) == 3 * 15
