"""Notifications fed by the domains' events: the wallets outbox is read from where the
session last stopped, and each event about the signed-in customer becomes one of their
notifications (money received from outside the app, a top-up that succeeded, a payout
returned by the bank, a movement held for review, a failed run of one of their
automations, an assistant alert), and the assistant's alerts read from the customer's data
at that moment: the pace alerts of their budgets (once per budget and month), unusual
spending, duplicate charges, price increases, bills due (with too little balance or not)
and a low balance ahead (once each, whether the alert came that way or as an event). The
latter are computed when the customer's transactions change, else at most once per
``COFFER_APP_NOTIFICATION_ALERTS_SECONDS``, not on every read.

An event is about the customer when its object names one of their wallets, their
customer id, or one of their automations. Each event is notified once: its id (and the
pay-in or transfer it reports, which the app may have notified itself) is kept with the
notification. The position read is kept in the session (a device), and every read is
bounded (:data:`MAX_EVENTS` per call)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from coffer.identity.users import Actor
from coffer.identity.users import repository as R
from coffer.web.app.customer import Domains
from coffer.web.sessions import WebSession

CURSOR = "feed_cursor"
BATCH = 500  # events read at once
MAX_EVENTS = 2_000  # events read per call at most
RECENT = 100  # notifications looked at for duplicates


def _floor_id(micros: int) -> str:
    """The smallest event id of events created at or after ``micros`` (ids sort by time)."""
    return f"evt_{micros // 1000:012x}"


def notification_of(
    event_type: str, obj: Mapping[str, Any], customer_id: str, wallets: set[str],
    automations: dict[str, str],
) -> tuple[str, dict[str, Any]] | None:  # fmt: skip
    """The notification (kind, params) an event gives the customer, or None."""
    if event_type == "payin.succeeded" and obj.get("wallet_id") in wallets:
        return "top_up_succeeded", {"amount": obj.get("amount"), "currency": obj.get("currency"),
                                    "payin_id": obj.get("id")}  # fmt: skip
    if event_type == "transfer.succeeded" and obj.get("credited_wallet_id") in wallets:
        if obj.get("debited_wallet_id") in wallets:
            return None  # between the customer's own wallets
        amount = obj.get("credited_amount", obj.get("amount"))
        return "money_received", {"amount": amount, "currency": obj.get("currency"),
                                  "sender": "", "transfer_id": obj.get("id")}  # fmt: skip
    if event_type == "payout.returned" and obj.get("wallet_id") in wallets:
        return "payout_returned", {"amount": obj.get("amount"), "currency": obj.get("currency")}
    if event_type == "automation.run_failed" and obj.get("automation_id") in automations:
        error = obj.get("error") or {}
        return "automation_failed", {"name": automations[str(obj["automation_id"])],
                                     "reason": str(error.get("message") or "")[:300]}  # fmt: skip
    if (
        event_type == "risk.decision.created"
        and obj.get("customer_id") == customer_id
        and obj.get("outcome") == "review"
    ):
        return "risk_review", {"amount": obj.get("amount"), "currency": obj.get("currency")}
    if event_type.startswith("assistant.alert.") and obj.get("customer_id") == customer_id:
        return _alert_notification(obj)
    return None


def _alert_notification(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The notification of an assistant alert (an event's object or ``Alert.as_dict()``),
    with a key that is the same whichever way the alert came."""
    message = str(body.get("message") or "")
    content = json.dumps([body.get("kind"), body.get("date"), message])
    key = "assistant:" + hashlib.sha256(content.encode()).hexdigest()[:32]
    return "assistant_alert", {"message": message[:300], "amount": body.get("amount"),
                               "currency": body.get("currency"), "alert_key": key}  # fmt: skip


def _assistant_alerts(
    domains: Domains, actor: Actor, seen: set[Any]
) -> list[tuple[str, dict[str, Any]]]:
    """The assistant's alerts about the customer not notified yet: the pace alerts of their
    budgets (once per budget and month) and unusual spending, duplicate charges, price
    increases and bills due with too little balance (once each)."""
    from coffer.assistant.alerts import kept_feed_alerts
    from coffer.assistant.views import budget_view

    assistant = domains.assistant(actor)
    data = assistant.data(actor.customer_id)
    today = assistant.today()
    found = []
    for budget in budget_view(data, today)["data"]:
        key = f"budget:{budget['id']}:{budget['month']}"
        if budget.get("pace_alert") and key not in seen:
            found.append(("budget_alert", {"message": str(budget["pace_alert"])[:300],
                                           "alert_key": key}))  # fmt: skip
    max_age = domains.state.settings.notification_alerts_seconds
    for alert in kept_feed_alerts(data, today, max_age_seconds=max_age, now=time.monotonic()):
        kind, params = _alert_notification(alert.as_dict())
        if params["alert_key"] not in seen:
            seen.add(params["alert_key"])
            found.append((kind, params))
    return found


def _holder(domains: Domains, wallet_id: object) -> str:
    """The name of who holds a wallet (empty for the platform's own wallets)."""
    wallets = domains.state.users.platform.wallets
    wallet = wallets.wallet(str(wallet_id)) if isinstance(wallet_id, str) else None
    if wallet is None or wallet.customer_id is None:
        return ""
    return wallets.customer(wallet.customer_id).name


def sync(domains: Domains, actor: Actor, session: WebSession) -> int:
    """Turn the events about ``actor``'s customer since the session's position into
    notifications; how many were added."""
    users = domains.state.users
    platform = users.platform
    wallets = {w.id for w in users.wallets(actor)}
    automations = {a.id: a.name for a in domains.rules(actor)}
    cursor = session.data.get(CURSOR)
    if not isinstance(cursor, str):
        customer = platform.wallets.customer(actor.customer_id)
        cursor = _floor_id(int(customer.created_at.timestamp() * 1_000_000))
    with users.unit() as connection:
        recent = [json.loads(row["params"]) for row in
                  R.notifications(connection, actor.platform_id, actor.user_id, limit=RECENT)]  # fmt: skip
    seen = {value for params in recent for key in ("event_id", "payin_id", "transfer_id", "alert_key")
            if (value := params.get(key))}  # fmt: skip
    found: list[tuple[str, dict[str, Any]]] = []
    read = 0
    while read < MAX_EVENTS:
        events = platform.webhooks.events_after(cursor, limit=BATCH)
        for event in events:
            obj = event.data.get("object")
            if isinstance(obj, Mapping):
                made = notification_of(event.type, obj, actor.customer_id, wallets, automations)
                keys = {event.id} | {
                    value
                    for k in ("payin_id", "transfer_id", "alert_key")
                    if made and (value := made[1].get(k))
                }
                if made is not None and not seen & keys:
                    if made[0] == "money_received":
                        made[1]["sender"] = _holder(domains, obj.get("debited_wallet_id"))
                    found.append((made[0], {**made[1], "event_id": event.id}))
                    seen |= keys
            cursor = event.id
        read += len(events)
        if len(events) < BATCH:
            break
    found += _assistant_alerts(domains, actor, seen)
    if found:
        with users.unit() as connection:
            for kind, params in found:
                users.notify(connection, actor.platform_id, actor.user_id, kind, **params)
    if session.data.get(CURSOR) != cursor:
        session.data[CURSOR] = cursor
        domains.state.sessions.save_data(session)
    return len(found)
