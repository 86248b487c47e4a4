"""The recipes of docs/automations.md, each run end to end: subscriptions with dunning,
conditional escrow, customer rules (round-ups, payday, sweep), refund automation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.automations.conftest import PLATFORM, Clock, new_wallet
from tests.wallets.helpers import fund

from coffer.automations import AutomationsPlatform, Worker
from coffer.automations import schemas as S
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W


def test_subscription_with_dunning_consent_and_end_date(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform, clock: Clock
) -> None:
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    customer = new_wallet(wallets, "Carla Diaz", 1_500)
    merchant = new_wallet(wallets, "Streamly Ltd")
    subscription = automations.create(
        PLATFORM,
        S.AutomationCreate(
            name="Streamly monthly",
            owner_customer_id=customer.customer_id,
            consent={"accepted_at": "2026-01-01T10:00:00Z", "channel": "app", "terms": "v3"},
            definition={
                "trigger": {
                    "type": "schedule",
                    "rrule": "FREQ=MONTHLY;BYMONTHDAY=5;UNTIL=20260430T235959Z",
                    "timezone": "Europe/Madrid",
                    "dtstart": "2026-01-05T08:00:00",
                },
                "steps": [
                    {
                        "id": "charge",
                        "type": "transfer",
                        "debited_wallet_id": customer.id,
                        "credited_wallet_id": merchant.id,
                        "amount": 999,
                        "currency": "EUR",
                        "retry": {
                            "max_attempts": 4,
                            "backoff_seconds": 86_400,
                            "max_backoff_seconds": 4 * 86_400,
                            "on": ["insufficient_funds"],
                        },
                    }
                ],
            },
        ),
    )
    assert subscription.consent is not None and subscription.consent["terms"] == "v3"
    for day in range(1, 125):  # January to April, a day at a time
        clock.set(datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=day))
        worker.run_until_idle()
        if clock.now.month == 2 and clock.now.day == 7:
            fund(wallets, customer.id, 3_000)  # the February charge failed twice: funded now
    runs = automations.runs(PLATFORM, automation_id=subscription.id).data
    assert sorted(r.scheduled_for.month for r in runs) == [1, 2, 3, 4]  # UNTIL: no May
    assert all(r.status == "succeeded" for r in runs)
    february = next(r for r in runs if r.scheduled_for.month == 2)
    detail = automations.run(PLATFORM, february.id)
    assert detail.steps is not None and detail.steps[0].attempts == 3  # 5th, 6th, 7th
    assert wallets.wallets.wallet(merchant.id).balance == 4 * 999
    assert automations.automation(PLATFORM, subscription.id).next_fire_at is None
    # a customer automation only spends from its customer's wallets
    other = new_wallet(wallets, "Dan Other", 5_000)
    bad = automations.create(
        PLATFORM,
        S.AutomationCreate(
            name="not mine",
            owner_customer_id=customer.customer_id,
            definition={
                "trigger": {"type": "manual"},
                "steps": [
                    {
                        "id": "steal",
                        "type": "transfer",
                        "debited_wallet_id": other.id,
                        "credited_wallet_id": customer.id,
                        "amount": 100,
                        "currency": "EUR",
                    }
                ],
            },
        ),
    )
    run = automations.start_run(PLATFORM, bad.id, {})
    worker.run_until_idle()
    failed = automations.run(PLATFORM, run.id)
    assert failed.status == "failed" and "not a wallet of customer" in failed.error["message"]
    assert wallets.wallets.wallet(other.id).balance == 5_000


ESCROW = {
    "trigger": {
        "type": "manual",
        "required_inputs": ["buyer_wallet_id", "seller_wallet_id", "amount", "order_id"],
    },
    "parties": [
        "=wallet_customer(inputs.buyer_wallet_id)",
        "=wallet_customer(inputs.seller_wallet_id)",
    ],
    "steps": [
        {
            "id": "pay",
            "type": "payment",
            "buyer_wallet_id": "=inputs.buyer_wallet_id",
            "seller_wallet_id": "=inputs.seller_wallet_id",
            "amount": "=inputs.amount",
            "currency": "EUR",
            "escrow": True,
        },
        {
            "id": "delivered",
            "type": "wait_event",
            "event_type": "order.delivered",
            "filter": "event.data.object.order_id == inputs.order_id",
            "timeout_seconds": "=inputs.delivery_deadline_days * 86400",
            "on_timeout": "continue",
        },
        {
            "id": "outcome",
            "type": "branch",
            "if": "has(steps.delivered.timed_out)",
            "then": [
                {
                    "id": "give_back",
                    "type": "hold",
                    "action": "return",
                    "payment_id": "=steps.pay.id",
                }
            ],
            "else": [
                {
                    "id": "dispute_window",
                    "type": "wait_event",
                    "event_type": "order.disputed",
                    "filter": "event.data.object.order_id == inputs.order_id",
                    "timeout_seconds": "=inputs.dispute_days * 86400",
                    "on_timeout": "continue",
                },
                {
                    "id": "settle",
                    "type": "branch",
                    "if": "has(steps.dispute_window.timed_out)",
                    "then": [
                        {
                            "id": "release",
                            "type": "hold",
                            "action": "release",
                            "payment_id": "=steps.pay.id",
                        }
                    ],
                    "else": [
                        {
                            "id": "refund_buyer",
                            "type": "hold",
                            "action": "return",
                            "payment_id": "=steps.pay.id",
                        }
                    ],
                },
            ],
        },
    ],
}


def test_conditional_escrow(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform, clock: Clock
) -> None:
    buyer = new_wallet(wallets, "Eve Buyer", 50_000)
    seller = new_wallet(wallets, "Sam Seller")
    escrow = automations.create(PLATFORM, S.AutomationCreate(name="escrow", definition=ESCROW))
    terms = {
        "buyer_wallet_id": buyer.id,
        "seller_wallet_id": seller.id,
        "amount": 20_000,
        "order_id": "ord_1",
        "delivery_deadline_days": 10,
        "dispute_days": 3,
    }
    delivered = automations.start_run(PLATFORM, escrow.id, terms)
    lost = automations.start_run(
        PLATFORM, escrow.id, {**terms, "order_id": "ord_2", "amount": 5_000}
    )
    worker.run_until_idle()
    assert automations.run(PLATFORM, delivered.id).waiting_for == "event"
    assert wallets.wallets.wallet(buyer.id).balance == 25_000  # both held in escrow
    # both parties read the terms and the state
    for party in (buyer.customer_id, seller.customer_id):
        seen = automations.runs(PLATFORM, customer_id=party).data
        assert {r.id for r in seen} == {delivered.id, lost.id}
        assert all(r.inputs["dispute_days"] == 3 for r in seen)
    clock.advance(days=2)
    automations.publish_event(
        PLATFORM, S.EventCreate(type="order.delivered", data={"order_id": "ord_1"})
    )
    worker.run_until_idle()
    assert automations.run(PLATFORM, delivered.id).steps[-1].key == "dispute_window"  # type: ignore[index]
    clock.advance(days=3, seconds=1)  # no dispute within 3 days: released to the seller
    worker.run_until_idle()
    probe = automations.run(PLATFORM, delivered.id)
    assert probe.status == "succeeded", (probe.next_run_at, clock.now, probe.steps)
    assert wallets.wallets.wallet(seller.id).balance == 20_000
    clock.advance(days=6)  # order 2 never delivered: returned at the deadline
    worker.run_until_idle()
    returned = automations.run(PLATFORM, lost.id)
    assert returned.status == "succeeded"
    assert [s.key for s in returned.steps or []] == ["pay", "delivered", "outcome", "give_back"]
    assert wallets.wallets.wallet(buyer.id).balance == 30_000


def test_escrow_dispute_returns_funds(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform, clock: Clock
) -> None:
    buyer = new_wallet(wallets, "Eve Buyer", 10_000)
    seller = new_wallet(wallets, "Sam Seller")
    escrow = automations.create(PLATFORM, S.AutomationCreate(name="escrow", definition=ESCROW))
    run = automations.start_run(
        PLATFORM,
        escrow.id,
        {
            "buyer_wallet_id": buyer.id,
            "seller_wallet_id": seller.id,
            "amount": 4_000,
            "order_id": "ord_9",
            "delivery_deadline_days": 10,
            "dispute_days": 3,
        },
    )
    worker.run_until_idle()
    clock.advance(hours=1)
    automations.publish_event(
        PLATFORM, S.EventCreate(type="order.delivered", data={"order_id": "ord_9"})
    )
    worker.run_until_idle()
    clock.advance(days=1)
    automations.publish_event(
        PLATFORM, S.EventCreate(type="order.disputed", data={"order_id": "ord_9"})
    )
    worker.run_until_idle()
    done = automations.run(PLATFORM, run.id)
    assert done.status == "succeeded"
    assert "refund_buyer" in [s.key for s in done.steps or []]
    assert wallets.wallets.wallet(buyer.id).balance == 10_000
    assert wallets.wallets.wallet(seller.id).balance == 0


def test_customer_rules_round_up_payday_sweep(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform, clock: Clock
) -> None:
    clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    checking = new_wallet(wallets, "Gina Saver", 50_000)
    owner = checking.customer_id
    assert owner is not None
    # one wallet per currency per customer: the pots are wallets of their own holders
    savings = new_wallet(wallets, "Gina Savings Pot")
    goal = new_wallet(wallets, "Gina Holiday Goal")
    shop = new_wallet(wallets, "Corner Shop")

    def rule(name: str, definition: dict) -> None:
        automations.create(
            PLATFORM, S.AutomationCreate(name=name, owner_customer_id=owner, definition=definition)
        )

    rule(
        "round-ups",
        {
            "trigger": {
                "type": "event",
                "event_type": "payment.captured",
                "filter": f"event.data.object.buyer_wallet_id == '{checking.id}'",
            },
            "steps": [
                {
                    "id": "round_up",
                    "type": "transfer",
                    "when": "trigger.data.object.amount % 100 != 0",
                    "debited_wallet_id": checking.id,
                    "credited_wallet_id": savings.id,
                    "amount": "=100 - trigger.data.object.amount % 100",
                    "currency": "EUR",
                }
            ],
        },
    )
    rule(
        "payday",
        {
            "trigger": {"type": "schedule", "cron": "0 9 25 * *", "timezone": "Europe/Rome"},
            "steps": [
                {
                    "id": "save",
                    "type": "transfer",
                    "debited_wallet_id": checking.id,
                    "credited_wallet_id": goal.id,
                    "amount": 5_000,
                    "currency": "EUR",
                }
            ],
        },
    )
    rule(
        "sweep above 1,000.00",
        {
            "trigger": {
                "type": "event",
                "event_type": "wallet.balance_above",
                "wallet_id": shop.id,
                "threshold": 100_000,
            },
            "steps": [
                {"id": "noop", "type": "set", "values": {"seen": "=trigger.data.object.balance"}}
            ],
        },
    )
    rule(
        "sweep checking above 900.00",
        {
            "trigger": {
                "type": "event",
                "event_type": "wallet.balance_above",
                "wallet_id": checking.id,
                "threshold": 90_000,
            },
            "steps": [
                {
                    "id": "sweep",
                    "type": "transfer",
                    "debited_wallet_id": checking.id,
                    "credited_wallet_id": savings.id,
                    "amount": "=balance(trigger.data.object.wallet_id) - 90000",
                    "currency": "EUR",
                }
            ],
        },
    )
    worker.run_until_idle()
    for amount in (1_250, 3_000, 799):  # round-ups: 50, none, 1
        wallets.wallets.create_payment(
            W.PaymentCreate(
                buyer_wallet_id=checking.id,
                seller_wallet_id=shop.id,
                amount=amount,
                currency="EUR",
                capture=True,
            )
        )
        worker.run_until_idle()
    assert wallets.wallets.wallet(savings.id).balance == 51
    fund(wallets, checking.id, 60_000)  # a pay-in: checking crosses 900.00
    wallets.wallets.transfer(
        W.TransferCreate(
            debited_wallet_id=shop.id, credited_wallet_id=checking.id, amount=1, currency="EUR"
        )
    )  # an event on the wallet: the crossing is seen
    worker.run_until_idle()
    assert wallets.wallets.wallet(checking.id).balance == 90_000
    clock.set(datetime(2026, 3, 25, 8, 0, 1, tzinfo=UTC))  # 09:00 in Rome
    worker.run_until_idle()
    assert wallets.wallets.wallet(goal.id).balance == 5_000


def test_refund_automation_with_approval_above_limit(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform, clock: Clock
) -> None:
    buyer = new_wallet(wallets, "Hal Buyer", 100_000)
    shop = new_wallet(wallets, "Big Shop")
    refunds = automations.create(
        PLATFORM,
        S.AutomationCreate(
            name="refund cancelled orders",
            definition={
                "trigger": {"type": "event", "event_type": "order.cancelled"},
                "condition": "now - timestamp(trigger.data.object.paid_at) <= duration('720h')",
                "steps": [
                    {
                        "id": "approve",
                        "type": "approval",
                        "when": "trigger.data.object.amount > 10000",
                        "message": "refund above 100.00",
                        "approvals": 2,
                    },
                    {
                        "id": "refund",
                        "type": "refund",
                        "payment_id": "=trigger.data.object.payment_id",
                        "amount": "=trigger.data.object.amount",
                    },
                ],
            },
        ),
    )

    def order(amount: int, paid_days_ago: int) -> str:
        payment = wallets.wallets.create_payment(
            W.PaymentCreate(
                buyer_wallet_id=buyer.id,
                seller_wallet_id=shop.id,
                amount=amount,
                currency="EUR",
                capture=True,
            )
        )
        paid = clock.now.timestamp() - paid_days_ago * 86_400
        automations.publish_event(
            PLATFORM,
            S.EventCreate(
                type="order.cancelled",
                data={
                    "payment_id": payment.id,
                    "amount": amount,
                    "paid_at": datetime.fromtimestamp(paid, UTC).isoformat(),
                },
            ),
        )
        return payment.id

    small = order(2_000, 1)
    large = order(30_000, 2)
    late = order(1_000, 40)
    worker.run_until_idle()
    runs = {
        r.trigger["data"]["object"]["payment_id"]: r
        for r in automations.runs(PLATFORM, automation_id=refunds.id).data
    }
    assert runs[small].status == "succeeded"
    assert runs[late].status == "skipped"  # outside the 30-day window
    assert runs[large].status == "waiting" and runs[large].waiting_for == "approval"
    approval = automations.approvals(PLATFORM, run_id=runs[large].id).data[0]
    automations.decide(PLATFORM, approval.id, S.ApprovalDecision(approve=True, approver="ops:ana"))
    worker.run_until_idle()
    assert automations.run(PLATFORM, runs[large].id).status == "waiting"  # two approvals needed
    automations.decide(PLATFORM, approval.id, S.ApprovalDecision(approve=True, approver="ops:ben"))
    worker.run_until_idle()
    assert automations.run(PLATFORM, runs[large].id).status == "succeeded"
    assert wallets.wallets.payment(large).refunded_amount == 30_000
    assert wallets.wallets.payment(small).refunded_amount == 2_000
    assert wallets.wallets.payment(late).refunded_amount == 0
