"""The customer rules' recipes as automation definitions (docs/automations.md, customer
rules): round-ups of card payments, a fixed amount every payday, a sweep above a
threshold, and a recurring payment to a saved person (retried on insufficient funds)."""

from __future__ import annotations

from typing import Any

from coffer.wallets import currencies
from coffer.wallets import schemas as W
from coffer.web.app import schemas as C

DUNNING = {"max_attempts": 4, "backoff_seconds": 86400, "max_backoff_seconds": 345600,
           "on": ["insufficient_funds"]}  # fmt: skip


def definition(request: C.RuleCreate, source: W.Wallet, target: W.Wallet) -> dict[str, Any]:
    """The automation definition of ``request``, moving from ``source`` to ``target``."""
    move: dict[str, Any] = {
        "type": "transfer",
        "debited_wallet_id": source.id,
        "credited_wallet_id": target.id,
        "currency": source.currency,
    }
    if request.recipe == "round_up":
        unit = 10 ** currencies.exponent(source.currency)
        trigger: dict[str, Any] = {
            "type": "event",
            "event_type": "payment.captured",
            "filter": f"event.data.object.buyer_wallet_id == '{source.id}'",
        }
        step = {**move, "id": "round_up", "when": f"trigger.data.object.amount % {unit} != 0",
                "amount": f"={unit} - trigger.data.object.amount % {unit}"}  # fmt: skip
    elif request.recipe == "sweep":
        assert request.threshold is not None
        trigger = {"type": "event", "event_type": "wallet.balance_above",
                   "wallet_id": source.id, "threshold": request.threshold}  # fmt: skip
        step = {**move, "id": "sweep",
                "amount": f"=balance(trigger.data.object.wallet_id) - {request.threshold}"}  # fmt: skip
    else:
        assert request.amount is not None
        trigger = {"type": "schedule", "cron": f"0 9 {request.day} * *", "timezone": "UTC",
                   "catch_up": "latest"}  # fmt: skip
        step = {**move, "id": "pay" if request.recipe == "recurring_payment" else "save",
                "amount": request.amount}  # fmt: skip
        if request.recipe == "recurring_payment":
            step["retry"] = DUNNING
    return {"trigger": trigger, "steps": [step]}
