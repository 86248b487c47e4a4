"""Budget pace, budget exceeded, forecast low balance and bills due: as alerts with a dedup
key (one per budget and month, however the numbers move), published once as outbox events
(both backends) and listed for the wallet app."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from coffer.assistant.alerts import feed_alerts, find_alerts
from coffer.assistant.models import Account, Budget, CustomerData, Txn
from coffer.assistant.service import Assistant
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W

from .test_service import customer_with_wallet, fund

TODAY = date(2026, 3, 10)


def _grocery(i: int, day: date, amount: int) -> Txn:
    return Txn(f"g{i}", day, -amount, "EUR", "LIDL", "Lidl", "FOOD_AND_DRINK",
               "FOOD_AND_DRINK_GROCERIES")  # fmt: skip


def _kinds(data: CustomerData, today: date) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for alert in find_alerts(data, today):
        found.setdefault(alert.kind, []).append(alert)
    return found


def test_budget_pace_then_exceeded_one_key_per_budget_and_month() -> None:
    budget = Budget("bud1", "FOOD_AND_DRINK", 30_000, "EUR", rollover=False,
                    start_month=date(2026, 3, 1))  # fmt: skip
    spent = [_grocery(i, date(2026, 3, 1 + i), 2_000) for i in range(9)]  # 180 EUR by the 9th
    data = CustomerData("c", "EUR", spent, [Account("w", "EUR", 500_000)], budgets=[budget])
    (pace,) = _kinds(data, TODAY)["budget_pace"]
    assert "At this pace you will exceed" in pace.message and pace.key == "bud1:2026-03"
    assert pace.amount == 18_000 * 31 // 10 - 30_000
    # the next day the projection moved: a different message, the same alert
    later = [*spent, _grocery(20, date(2026, 3, 11), 500)]
    data_later = CustomerData("c", "EUR", later, data.accounts, budgets=[budget])
    (again,) = _kinds(data_later, TODAY + timedelta(days=1))["budget_pace"]
    assert again.message != pace.message and again.dedup_key == pace.dedup_key
    # over the budget: exceeded (and no pace warning on top)
    over = [*spent, _grocery(30, date(2026, 3, 12), 15_000)]
    kinds = _kinds(
        CustomerData("c", "EUR", over, data.accounts, budgets=[budget]), date(2026, 3, 12)
    )
    assert [a.amount for a in kinds["budget_exceeded"]] == [3_000]  # type: ignore[attr-defined]
    assert "budget_pace" not in kinds
    # next month starts afresh: another key
    april = CustomerData("c", "EUR", [*over, *[_grocery(40 + i, date(2026, 4, 1 + i), 5_000)
                                               for i in range(3)]], data.accounts, budgets=[budget])  # fmt: skip
    (april_pace,) = _kinds(april, date(2026, 4, 3))["budget_pace"]
    assert april_pace.key == "bud1:2026-04"


def test_low_balance_forecast_and_bills_due() -> None:
    rent = [Txn(f"r{i}", d, -90_000, "EUR", "RENT", "Landlord", "RENT_AND_UTILITIES",
                "RENT_AND_UTILITIES_RENT")
            for i, d in enumerate([date(2025, 12, 12), date(2026, 1, 12), date(2026, 2, 12)])]  # fmt: skip
    rich = CustomerData("c", "EUR", rent, [Account("w", "EUR", 1_000_000)])
    kinds = _kinds(rich, TODAY)
    (due,) = kinds["bill_due"]
    assert due.day == date(2026, 3, 12) and due.amount == 90_000  # type: ignore[attr-defined]
    assert "low_balance_forecast" not in kinds and "low_balance_bill" not in kinds
    poor = CustomerData("c", "EUR", rent, [Account("w", "EUR", 100_000)])
    kinds = _kinds(poor, TODAY)
    (low,) = kinds["low_balance_forecast"]
    assert low.day == date(2026, 4, 12) and low.key == "2026-04"  # type: ignore[attr-defined]
    assert "bill_due" in kinds  # March's rent is covered, April's is not


def test_the_wallet_app_feed_has_every_alert_but_the_budget_ones() -> None:
    budget = Budget("bud1", "FOOD_AND_DRINK", 30_000, "EUR", rollover=False,
                    start_month=date(2026, 3, 1))  # fmt: skip
    spent = [_grocery(i, date(2026, 3, 1 + i), 2_000) for i in range(9)]
    spent.append(_grocery(99, date(2026, 3, 9), 2_000))  # the same charge twice in a day
    data = CustomerData("c", "EUR", spent, [Account("w", "EUR", 500_000)], budgets=[budget])
    every = {a.kind for a in find_alerts(data, TODAY)}
    assert {"budget_pace", "duplicate_charge"} <= every
    feed = feed_alerts(data, TODAY)
    assert {a.kind for a in feed} == every - {"budget_pace", "budget_exceeded"}


def test_alerts_are_published_once_and_listed(coffer_db: object, platform: WalletPlatform) -> None:
    today = datetime.now(UTC).date()
    day = {"today": today}
    live = Assistant(platform.core.engine, platform.wallets, today=lambda: day["today"])
    ann, ann_wallet = customer_with_wallet(platform, "Ann")
    _, shop_wallet = customer_with_wallet(platform, "Shop")
    fund(platform, ann_wallet, 100_000)
    live.set_budget(ann, "GENERAL_MERCHANDISE", 1_000, "EUR", rollover=False)
    platform.wallets.transfer(W.TransferCreate(
        debited_wallet_id=ann_wallet, credited_wallet_id=shop_wallet, amount=4_000,
        currency="EUR", metadata={"merchant": "Shop", "category": "shopping"},
    ))  # fmt: skip
    published = live.publish_alerts(ann)
    assert [p["type"] for p in published] == ["assistant.alert.budget_exceeded"]
    assert published[0]["amount"] == 3_000
    platform.wallets.transfer(W.TransferCreate(
        debited_wallet_id=ann_wallet, credited_wallet_id=shop_wallet, amount=100,
        currency="EUR", metadata={"merchant": "Other shop", "category": "shopping"},
    ))  # fmt: skip
    assert live.publish_alerts(ann) == []  # exceeded by more now: still the same alert
    events = [e.type for e in platform.webhooks.events(limit=100).data]
    assert events.count("assistant.alert.budget_exceeded") == 1
    (listed,) = live.sent_alerts(ann)
    assert listed["kind"] == "budget_exceeded" and listed["customer_id"] == ann
    assert "You have exceeded" in listed["message"]
