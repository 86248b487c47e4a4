"""The assistant over the database (both backends): wallet movements read through the
wallets service, corrections, budgets, goals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coffer.assistant.service import Assistant
from coffer.errors import AssistantNotFound, CustomerNotFound, ValidationError
from coffer.wallets import WalletPlatform, currencies, templates
from coffer.wallets import schemas as W

from .conftest import stand_in


def customer_with_wallet(platform: WalletPlatform, name: str) -> tuple[str, str]:
    customer = platform.wallets.create_customer(W.CustomerCreate(kind="natural", name=name))
    platform.wallets.submit_kyc_document(
        customer.id, W.KycDocumentCreate(type="identity_proof", name="id.pdf", level="verified")
    )
    wallet = platform.wallets.create_wallet(W.WalletCreate(customer_id=customer.id, currency="EUR"))
    return customer.id, wallet.id


def fund(platform: WalletPlatform, wallet_id: str, amount: int) -> None:
    platform.core.ledger.run(
        templates.PAYIN,
        vars={
            "external": "external:test",
            "wallet": f"wallets:{wallet_id}",
            "amount": currencies.monetary("EUR", amount),
        },
    )


@pytest.fixture
def live(coffer_db: object, platform: WalletPlatform) -> Assistant:
    today = datetime.now(UTC).date()
    return Assistant(
        platform.core.engine, platform.wallets, categorizer=stand_in, today=lambda: today
    )


def test_questions_over_wallet_movements(live: Assistant, platform: WalletPlatform) -> None:
    ann, ann_wallet = customer_with_wallet(platform, "Ann")
    _, shop_wallet = customer_with_wallet(platform, "Lidl Berlin")
    fund(platform, ann_wallet, 100000)
    for amount, meta in [
        (2350, {"merchant": "Lidl", "category": "FOOD_AND_DRINK_GROCERIES"}),
        (1200, {"merchant": "Lidl", "category": "FOOD_AND_DRINK_GROCERIES"}),
        (4000, {"description": "Pizzeria Roma", "category": "FOOD_AND_DRINK_RESTAURANT"}),
        (999, {"description": "NETFLIX.COM"}),  # categorized by the stand-in categorizer
    ]:
        platform.wallets.transfer(W.TransferCreate(
            debited_wallet_id=ann_wallet, credited_wallet_id=shop_wallet, amount=amount,
            currency="EUR", metadata=meta,
        ))  # fmt: skip
    answer = live.ask(ann, "how much did I spend on groceries this month?")
    assert (answer["value"], answer["currency"], answer["data"]["transactions"]) == (3550, "EUR", 2)
    assert live.ask(ann, "how much did I spend at Lidl this month?")["value"] == 3550
    assert live.ask(ann, "今年我在餐饮上花了多少钱？")["value"] == 4000
    assert live.ask(ann, "what's my balance?")["value"] == 100000 - 3550 - 4000 - 999
    streaming = live.ask(ann, "how much did I spend on streaming this year")
    assert streaming["value"] == 999
    # a correction wins over the categorizer, and the cached data notices it
    netflix = next(t for t in live.data(ann).transactions if t.description == "NETFLIX.COM")
    live.correct(ann, netflix.id, "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES")
    assert live.ask(ann, "how much did I spend on groceries this month?")["value"] == 3550 + 999
    # a new movement is seen on the next question (the statement's tail is read again)
    platform.wallets.transfer(W.TransferCreate(
        debited_wallet_id=ann_wallet, credited_wallet_id=shop_wallet, amount=1,
        currency="EUR", metadata={"merchant": "Lidl", "category": "FOOD_AND_DRINK_GROCERIES"},
    ))  # fmt: skip
    assert live.ask(ann, "how much did I spend at lidl this month?")["value"] == 3551


def test_budgets_and_goals(assistant: Assistant, platform: WalletPlatform) -> None:
    with pytest.raises(CustomerNotFound):
        assistant.ask("cus_nobody", "what's my balance?")
    with pytest.raises(ValidationError):
        assistant.ask("cus_nobody", "   ")
    customer = platform.wallets.create_customer(W.CustomerCreate(kind="natural", name="Bo")).id
    budget = assistant.set_budget(customer, "FOOD_AND_DRINK_GROCERIES", 40000, "eur", True,
                                  date(2026, 1, 1))  # fmt: skip
    again = assistant.set_budget(customer, "FOOD_AND_DRINK_GROCERIES", 45000, "EUR")
    (stored,) = assistant.budgets(customer)
    assert stored.id == again.id != budget.id and stored.amount == 45000
    assert stored.start_month == date(2026, 3, 1)
    with pytest.raises(ValidationError):
        assistant.set_budget(customer, "FOOD_AND_DRINK", 0, "EUR")
    assistant.delete_budget(customer, stored.id)
    with pytest.raises(AssistantNotFound):
        assistant.delete_budget(customer, stored.id)
    goal = assistant.create_goal(customer, "Holiday", 200000, "EUR", date(2026, 12, 31))
    assistant.contribute(customer, goal.id, 15000, date(2026, 2, 27))
    updated = assistant.contribute(customer, goal.id, 15000)
    assert updated.contributions == ((date(2026, 2, 27), 15000), (date(2026, 3, 18), 15000))
    with pytest.raises(AssistantNotFound):
        assistant.contribute("cus_other", goal.id, 1)
    answer = assistant.ask(customer, "how is my holiday goal going?")
    assert answer["intent"] == "goal_progress" and answer["value"] == 30000
    assert answer["data"]["goals"][0]["required_monthly"] == -(-170000 // 9)


def test_alerts_are_published_once_to_the_outbox(live: Assistant, platform: WalletPlatform) -> None:
    ann, ann_wallet = customer_with_wallet(platform, "Cy")
    _, shop_wallet = customer_with_wallet(platform, "Shop")
    fund(platform, ann_wallet, 100000)
    for _ in range(2):  # the same charge twice within a day: a duplicate
        platform.wallets.transfer(W.TransferCreate(
            debited_wallet_id=ann_wallet, credited_wallet_id=shop_wallet, amount=4999,
            currency="EUR", metadata={"merchant": "Shop", "category": "shopping"},
        ))  # fmt: skip
    published = live.publish_alerts(ann)
    assert [p["type"] for p in published] == ["assistant.alert.duplicate_charge"]
    assert published[0]["customer_id"] == ann and published[0]["amount"] == 4999
    assert live.publish_alerts(ann) == []  # once
    events = platform.webhooks.events(limit=100).data
    assert sum(e.type == "assistant.alert.duplicate_charge" for e in events) == 1
    grocery = live.ask(ann, "how much did I spend on shopping this month")
    assert grocery["value"] == 2 * 4999  # "shopping" in metadata maps to GENERAL_MERCHANDISE
