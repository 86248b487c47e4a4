"""Loyalty points earned with wallets payments (and card pay-ins) in the payment's own
ledger transaction, and taken back with refunds: proportionally, from other lots when the
earned points were spent, forgiven (never negative) when none are left."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.fx.conftest import balance, customer, fund, wallet
from tests.fx.test_loyalty import program

from coffer.errors import InsufficientFunds
from coffer.fx import FxPlatform
from coffer.fx.loyalty import schemas as L
from coffer.fx.loyalty.service import customer_account
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as WS
from coffer.wallets.earning import EarnEvent, Extra, with_extras

SUCCESS = "4242424242424242"  # the sandbox gateway's card that succeeds
ONE_RULE = [L.EarnRule(points_per_unit=Decimal("1")), L.EarnRule(points_per_unit="2", mcc="5411")]


def pay(platform: WalletPlatform, buyer: str, seller: str, amount: int, **extra: object) -> str:
    made = platform.wallets.create_payment(
        WS.PaymentCreate.model_validate(
            {
                "buyer_wallet_id": buyer,
                "seller_wallet_id": seller,
                "amount": amount,
                "currency": "EUR",
                "capture": True,
                **extra,
            }
        )
    )
    return made.id


def postings_of(fx: FxPlatform, tx_id: int) -> set[tuple[str, str, int, str]]:
    tx = fx.ledger.transaction(tx_id)
    return {(p.source, p.destination, p.amount, p.asset) for p in tx.postings}


def test_extras_become_sends_of_the_template() -> None:
    from coffer.ledger import Posting
    from coffer.wallets import templates

    extra = Extra(
        postings=(Posting("a:issued", "a:c", 5, "POINTS"),), unbounded=frozenset({"a:issued"})
    )
    script, values = with_extras(
        templates.MOVE, {"from": "x", "to": "y", "amount": "EUR/2 1"}, [extra]
    )
    assert script.startswith("vars {\n  account $extra_0_from\n")
    assert "source = $extra_0_from allowing unbounded overdraft" in script
    assert values["extra_0_amount"] == "POINTS 5" and values["from"] == "x"
    assert EarnEvent("payment", "p", "default", "w", None, 1, "EUR").context == {}


def test_a_payment_earns_in_its_settlement_and_a_refund_claws_back(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    club = program(fx, earn_rules=ONE_RULE)
    alice, shop = customer(platform), customer(platform, "Shop")
    purse, till = wallet(platform, alice, "EUR", 50_000), wallet(platform, shop, "EUR")
    payment_id = pay(platform, purse, till, 10_000, fee=100, metadata={"mcc": "5411"})
    points = 100 + 200
    account = customer_account(club.id, alice)
    assert fx.ledger.balance(account, "POINTS") == points
    lot = fx.loyalty.lots(club.id, alice)[0]
    assert lot.status == "active" and lot.reason == f"payment:{payment_id}"
    assert lot.remaining == points and lot.ledger_transaction_id is not None
    assert postings_of(fx, lot.ledger_transaction_id) == {
        (f"payments:{payment_id}", "platform:fees", 100, "EUR/2"),
        (f"payments:{payment_id}", f"wallets:{till}", 9_900, "EUR/2"),
        (f"loyalty:{club.id}:issued", account, points, "POINTS"),
    }
    # a partial refund takes back its share, in the refund's own transaction
    platform.wallets.refund_payment(payment_id, 3_333)
    assert fx.ledger.balance(account, "POINTS") == points - 99  # floor(300 x 3333 / 10000)
    (clawback,) = fx.loyalty.movements(club.id, alice)
    assert clawback.kind == "clawback" and clawback.source_id == payment_id
    assert clawback.ledger_transaction_id is not None and clawback.forgiven == 0
    assert postings_of(fx, clawback.ledger_transaction_id) == {
        (f"wallets:{till}", f"wallets:{purse}", 3_333, "EUR/2"),
        (account, f"loyalty:{club.id}:issued", 99, "POINTS"),
    }
    # the rest of the refund takes back exactly the rest: partial refunds add up
    fund(platform, till, 100)  # the fee the shop paid
    platform.wallets.refund_payment(payment_id, 6_667)
    assert fx.ledger.balance(account, "POINTS") == 0
    assert fx.ledger.balance(f"loyalty:{club.id}:issued", "POINTS") == 0
    assert sum(lot.remaining for lot in fx.loyalty.lots(club.id, alice)) == 0


def test_spent_points_come_from_other_lots_then_are_forgiven(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    club = program(fx, earn_rules=ONE_RULE)
    alice, shop = customer(platform), customer(platform, "Shop")
    purse, till = wallet(platform, alice, "EUR", 50_000), wallet(platform, shop, "EUR")
    payment_id = pay(platform, purse, till, 10_000)  # 100 points
    fx.loyalty.redeem(club.id, L.RedemptionCreate(customer_id=alice, points=80, wallet_id=purse))
    fx.loyalty.award(club.id, L.AwardCreate(customer_id=alice, points=30))  # another lot
    account = customer_account(club.id, alice)
    assert fx.ledger.balance(account, "POINTS") == 50
    platform.wallets.refund_payment(payment_id)
    # 100 due: 20 left in its lot, 30 from the other lot, 50 forgiven; never negative
    assert fx.ledger.balance(account, "POINTS") == 0
    assert sum(lot.remaining for lot in fx.loyalty.lots(club.id, alice)) == 0
    clawback = fx.loyalty.movements(club.id, alice)[-1]
    assert (clawback.points, clawback.forgiven) == (50, 50)


def test_a_failed_refund_gives_the_points_back(fx: FxPlatform, platform: WalletPlatform) -> None:
    club = program(fx, earn_rules=ONE_RULE)
    alice, shop = customer(platform), customer(platform, "Shop")
    purse, till = wallet(platform, alice, "EUR", 50_000), wallet(platform, shop, "EUR")
    payment_id = pay(platform, purse, till, 10_000)
    platform.wallets.transfer(
        WS.TransferCreate(
            debited_wallet_id=till, credited_wallet_id=purse, amount=9_000, currency="EUR"
        )
    )
    with pytest.raises(InsufficientFunds):  # the shop spent the money: refund refused
        platform.wallets.refund_payment(payment_id)
    assert fx.ledger.balance(customer_account(club.id, alice), "POINTS") == 100
    assert [lot.remaining for lot in fx.loyalty.lots(club.id, alice)] == [100]


def test_escrow_earns_when_released_and_programs_choose_what_earns(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    club = program(fx, earn_rules=ONE_RULE)
    alice, shop = customer(platform), customer(platform, "Shop")
    purse, till = wallet(platform, alice, "EUR", 50_000), wallet(platform, shop, "EUR")
    account = customer_account(club.id, alice)
    held = pay(platform, purse, till, 5_000, escrow=True)
    assert fx.ledger.balance(account, "POINTS") == 0
    platform.wallets.release_escrow(held)
    assert fx.ledger.balance(account, "POINTS") == 50
    returned = pay(platform, purse, till, 5_000, escrow=True)
    platform.wallets.return_escrow(returned)
    assert fx.ledger.balance(account, "POINTS") == 50  # no payment, no points
    assert balance(platform, till) == 5_000
    cards_only = program(fx, name="Cards", earn_rules=ONE_RULE, earn_on=["payin_card"])
    pay(platform, purse, till, 1_000)
    assert fx.ledger.balance(customer_account(cards_only.id, alice), "POINTS") == 0
    assert fx.ledger.balance(account, "POINTS") == 60


def test_a_card_payin_earns_when_the_program_says_so(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    club = program(fx, earn_rules=ONE_RULE, earn_on=["payment", "payin_card"])
    other = program(fx, name="Payments only", earn_rules=ONE_RULE)
    alice = customer(platform)
    purse = wallet(platform, alice, "EUR")
    card = WS.Card(number=SUCCESS, exp_month=12, exp_year=2034, cvc="123")
    payin = platform.payins.create_card_payin(
        WS.CardPayinCreate(wallet_id=purse, amount=2_500, currency="EUR", card=card)
    )
    assert payin.status == "succeeded"
    assert fx.ledger.balance(customer_account(club.id, alice), "POINTS") == 25
    assert fx.ledger.balance(customer_account(other.id, alice), "POINTS") == 0
    (lot,) = fx.loyalty.lots(club.id, alice)
    assert lot.reason == f"payin_card:{payin.id}" and lot.status == "active"


def test_a_purchase_paid_partly_with_points_is_one_transaction(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    from coffer.errors import AmountTooSmall, ValidationError

    club = program(fx, earn_rules=ONE_RULE)  # 1 point = 0.5 cent
    alice, shop = customer(platform), customer(platform, "Shop")
    purse, till = wallet(platform, alice, "EUR", 50_000), wallet(platform, shop, "EUR")
    fx.loyalty.award(club.id, L.AwardCreate(customer_id=alice, points=1_000))
    made = fx.loyalty.purchase(
        club.id,
        L.PurchaseCreate(
            from_wallet_id=purse, to_wallet_id=till, amount=2_000, currency="EUR", redeem_points=600
        ),
    )
    assert made.paid_with_points == 300 and made.points == 17  # earned on the 17.00 paid
    assert made.redemption is not None and made.redemption.status == "succeeded"
    account = customer_account(club.id, alice)
    assert postings_of(fx, made.ledger_transaction_id) == {
        (f"wallets:{purse}", f"wallets:{till}", 1_700, "EUR/2"),
        (account, f"loyalty:{club.id}:redeemed", 600, "POINTS"),
        (f"loyalty:{club.id}:funding", f"wallets:{till}", 300, "EUR/2"),
        (f"loyalty:{club.id}:issued", account, 17, "POINTS"),
    }
    assert balance(platform, till) == 2_000 and balance(platform, purse) == 48_300
    assert fx.ledger.balance(account, "POINTS") == 1_000 - 600 + 17
    too_many = L.PurchaseCreate(
        from_wallet_id=purse, to_wallet_id=till, amount=100, currency="EUR", redeem_points=400
    )
    with pytest.raises(ValidationError):
        fx.loyalty.purchase(club.id, too_many)
    with pytest.raises(InsufficientFunds):  # 417 points left: nothing is spent
        fx.loyalty.purchase(club.id, too_many.model_copy(update={"amount": 50_000}))
    with pytest.raises(AmountTooSmall):
        fx.loyalty.purchase(club.id, too_many.model_copy(update={"redeem_points": 1}))
    assert fx.ledger.balance(account, "POINTS") == 417
    assert sum(lot.remaining for lot in fx.loyalty.lots(club.id, alice)) == 417


def test_a_card_payin_refund_takes_its_points_back_with_the_hold(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    club = program(fx, earn_rules=ONE_RULE, earn_on=["payin_card"])
    alice = customer(platform)
    purse = wallet(platform, alice, "EUR")
    card = WS.Card(number=SUCCESS, exp_month=12, exp_year=2034, cvc="123")
    payin = platform.payins.create_card_payin(
        WS.CardPayinCreate(wallet_id=purse, amount=2_500, currency="EUR", card=card)
    )
    account = customer_account(club.id, alice)
    assert fx.ledger.balance(account, "POINTS") == 25
    platform.payins.refund_payin(payin.id, 1_000)
    assert fx.ledger.balance(account, "POINTS") == 15
    (clawback,) = fx.loyalty.movements(club.id, alice)
    assert clawback.status == "succeeded" and clawback.source_id == payin.id
    assert clawback.ledger_transaction_id is not None
    assert (account, f"loyalty:{club.id}:issued", 10, "POINTS") in postings_of(
        fx, clawback.ledger_transaction_id
    )
    assert [lot.remaining for lot in fx.loyalty.lots(club.id, alice)] == [15]


def test_redemptions_racing_a_refund_never_take_a_point_twice(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    import threading

    from coffer.errors import CofferError

    club = program(fx, earn_rules=ONE_RULE)
    alice, shop = customer(platform), customer(platform, "Shop")
    purse, till = wallet(platform, alice, "EUR", 50_000), wallet(platform, shop, "EUR")
    payment_id = pay(platform, purse, till, 10_000)  # 100 points
    start = threading.Barrier(5)
    outcomes: list[object] = []

    def redeem() -> None:
        start.wait()
        request = L.RedemptionCreate(customer_id=alice, points=30, wallet_id=purse)
        try:
            outcomes.append(fx.loyalty.redeem(club.id, request))
        except CofferError as error:
            outcomes.append(error)

    def refund() -> None:
        start.wait()
        outcomes.append(platform.wallets.refund_payment(payment_id))

    threads = [threading.Thread(target=redeem) for _ in range(4)]
    threads.append(threading.Thread(target=refund))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 5
    redeemed = sum(o.points for o in outcomes if isinstance(o, L.Movement))
    (clawback,) = [m for m in fx.loyalty.movements(club.id, alice) if m.kind == "clawback"]
    assert clawback.points + clawback.forgiven == 100
    assert redeemed + clawback.points == 100  # every point went exactly one way
    assert fx.ledger.balance(customer_account(club.id, alice), "POINTS") == 0
    assert sum(lot.remaining for lot in fx.loyalty.lots(club.id, alice)) == 0
