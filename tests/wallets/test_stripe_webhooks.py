"""Stripe card pay-ins over the HTTP API, end to end: a ``payment_method`` from Stripe.js,
3-D Secure on Stripe's page, and Stripe's webhooks moving the pay-in on.

Stripe's side is recorded: its API answers are replayed through the SDK's pluggable HTTP
client (:mod:`wallets.stripe_replay`), and its webhook events (``fixtures/stripe/event_*``)
are signed here the way Stripe signs them: ``Stripe-Signature: t=<unix time>,v1=<hex
HMAC-SHA256 of "<t>.<raw body>" under the endpoint's signing secret>``. Balances are read
from the ledger.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import coffer
from coffer.errors import (
    CardDeclined,
    GatewayNotConfigured,
    InvalidPaymentMethod,
    WebhookSignatureInvalid,
)
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.endpoints import returns, router
from coffer.wallets.gateways import StripeGateway
from wallets.helpers import make_customer
from wallets.stripe_replay import FIXTURES, Exchange, Replay
from wallets.test_endpoints import FakeAuthority

SECRET = "whsec_test_0123456789abcdefCofferWebhooks"
WEBHOOK = "/api/wallets/v1/gateways/stripe/webhook"
AUTH = {"Authorization": "Bearer wallets:read wallets:write"}
CREATE = "/v1/payment_intents"
RETURN_URL = "http://127.0.0.1:8000/payments/return"
THREE_DS_URL = "https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1Qx000Test"


@dataclass
class Stripe:
    """A wallets platform on the Stripe gateway, its HTTP API and Stripe's recorded side."""

    platform: WalletPlatform
    api: TestClient
    replay: Replay

    def expect(self, *exchanges: Exchange) -> None:
        self.replay.exchanges.extend(exchanges)

    def post(self, path: str, body: Any, key: str | None = None) -> httpx.Response:
        headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
        response: httpx.Response = self.api.post(
            f"/api/wallets/v1{path}", json=body, headers=headers
        )
        return response

    def deliver(self, payload: bytes, signature: str | None) -> httpx.Response:
        """POST a webhook as Stripe does: the raw body, no bearer token."""
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["Stripe-Signature"] = signature
        response: httpx.Response = self.api.post(WEBHOOK, content=payload, headers=headers)
        return response

    def balance(self, wallet_id: str) -> int:
        """The wallet's posted balance, from the ledger."""
        return self.platform.core.ledger.balance(f"wallets:{wallet_id}", "EUR/2")

    def credits(self, payin_id: str) -> list[Any]:
        """The ledger transactions written for a pay-in."""
        ledger = self.platform.core.ledger
        return list(ledger.transactions(metadata={"wallets_id": payin_id}).data)

    def events(self, payin_id: str) -> list[str]:
        """The types of the outbox events about a pay-in, oldest first."""
        page = self.platform.webhooks.events(limit=100)
        return [e.type for e in reversed(page.data) if e.data["object"]["id"] == payin_id]

    def row(self, payin_id: str) -> dict[str, Any]:
        with self.platform.core.unit() as connection:
            row = R.get(connection, T.payins, payin_id)
        assert row is not None
        return dict(row)


def make_app(platform: WalletPlatform, coffer_db: coffer.Coffer) -> FastAPI:
    app = FastAPI()
    app.state.server = SimpleNamespace(coffer=coffer_db, authority=FakeAuthority())
    app.state.wallets = platform
    app.include_router(router)
    app.include_router(returns)
    return app


@pytest.fixture
def stripe_side(coffer_db: coffer.Coffer, wallet_settings: WalletSettings) -> Iterator[Stripe]:
    replay = Replay()
    settings = wallet_settings.model_copy(update={"stripe_webhook_secret": SECRET})
    gateway = StripeGateway("sk_test_coffer", http_client=replay, return_url=RETURN_URL)
    platform = open_wallets(coffer_db, settings, gateway=gateway)
    with TestClient(make_app(platform, coffer_db)) as api:
        yield Stripe(platform, api, replay)
    replay.done()


def sign(payload: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    """``Stripe-Signature`` as Stripe computes it."""
    stamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{stamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def wallet_for(stripe: Stripe) -> str:
    customer = make_customer(stripe.platform, "Carla Card")
    response = stripe.post("/wallets", {"customer_id": customer.id, "currency": "EUR"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def three_d_secure_payin(stripe: Stripe, wallet_id: str) -> dict[str, Any]:
    """A 12,000 EUR cents pay-in that Stripe answers ``requires_action`` (3-D Secure)."""
    stripe.expect(
        Exchange(
            "POST",
            CREATE,
            "payment_intent_requires_action.json",
            params={
                "payment_method": "pm_card_threeDSecure2Required",
                "amount": "12000",
                "confirm": "true",
                "return_url": RETURN_URL,
            },
        )
    )
    body = {
        "wallet_id": wallet_id,
        "amount": 12_000,
        "currency": "EUR",
        "payment_method": "pm_card_threeDSecure2Required",
    }
    response = stripe.post("/payins/card", body, key="payin-3ds")
    assert response.status_code == 201, response.text
    payin: dict[str, Any] = response.json()
    assert payin["status"] == "requires_action" and payin["gateway"] == "stripe"
    return payin


# -- payment_method over HTTP --------------------------------------------------------------


def test_card_payin_with_payment_method_over_http(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id = wallet_for(stripe)
    body = {
        "wallet_id": wallet_id,
        "amount": 5_000,
        "currency": "EUR",
        "payment_method": "pm_1QxFromStripeJs01",
    }
    stripe.expect(
        Exchange(
            "POST",
            CREATE,
            "payment_intent_create_succeeded.json",
            params={
                "amount": "5000",
                "currency": "eur",
                "payment_method": "pm_1QxFromStripeJs01",
                "capture_method": "automatic",
                "confirm": "true",
            },
        )
    )
    response = stripe.post("/payins/card", body, key="payin-pm-1")
    assert response.status_code == 201, response.text
    payin = response.json()
    assert payin["status"] == "succeeded" and payin["amount_received"] == 5_000
    # last4 and brand come from Stripe's payment method; Coffer never saw the number
    assert (payin["card_last4"], payin["card_brand"]) == ("4242", "visa")
    assert payin["next_action"] is None
    sent = stripe.replay.seen[0]
    assert sent[2]["payment_method"] == "pm_1QxFromStripeJs01"
    assert stripe.row(payin["id"])["gateway_ref"] == "pi_3QxA1B2C3D4E5F6G"
    assert stripe.balance(wallet_id) == 5_000
    assert len(stripe.credits(payin["id"])) == 1

    # the same Idempotency-Key and body: the same pay-in, no second charge at Stripe
    again = stripe.post("/payins/card", body, key="payin-pm-1")
    assert again.status_code == 201 and again.json()["id"] == payin["id"]
    assert len(stripe.replay.seen) == 1
    # the same key with another payment method: a conflict
    other = stripe.post("/payins/card", {**body, "payment_method": "pm_other"}, key="payin-pm-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert stripe.balance(wallet_id) == 5_000


def test_card_and_payment_method_together_are_refused(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id = wallet_for(stripe)
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    base = {"wallet_id": wallet_id, "amount": 5_000, "currency": "EUR"}
    for body in (
        {**base, "card": card, "payment_method": "pm_card_visa"},
        base,
        {**base, "payment_method": "pm_card visa; drop"},
    ):
        response = stripe.post("/payins/card", body)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert (error["type"], error["code"]) == ("invalid_request_error", "parameter_invalid")
    both = stripe.post("/payins/card", {**base, "card": card, "payment_method": "pm_card_visa"})
    assert "exactly one of card" in both.json()["error"]["message"]
    with pytest.raises(ValueError, match="exactly one of card"):
        S.CardPayinCreate(
            wallet_id=wallet_id,
            amount=5_000,
            currency="EUR",
            card=S.Card.model_validate(card),
            payment_method="pm_card_visa",
        )
    assert stripe.replay.seen == []  # nothing reached Stripe
    assert stripe.platform.payins.payins(wallet_id=wallet_id).data == []
    assert stripe.balance(wallet_id) == 0


# -- 3-D Secure on Stripe's page, completed by webhook -----------------------------------------


def test_three_d_secure_ends_by_signed_webhook(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id = wallet_for(stripe)
    payin = three_d_secure_payin(stripe, wallet_id)
    # the customer authenticates on Stripe's page, not on Coffer's sandbox page
    assert payin["next_action"]["type"] == "redirect_to_url"
    assert payin["next_action"]["url"].startswith(THREE_DS_URL)
    assert "pi_3Qx3DSecure000001" in payin["next_action"]["url"]
    assert (payin["card_last4"], payin["card_brand"]) == ("3220", "visa")
    assert stripe.row(payin["id"])["challenge_token"] is None
    sandbox = stripe.api.post(
        f"/api/wallets/v1/sandbox/3ds/{payin['id']}", data={"token": "", "decision": "approve"}
    )
    assert sandbox.status_code == 409
    assert stripe.balance(wallet_id) == 0
    assert stripe.credits(payin["id"]) == []

    payload = fixture_bytes("event_payment_intent_succeeded.json")
    response = stripe.deliver(payload, sign(payload))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "object": "gateway_event",
        "id": "evt_3Qx3DSecure000001Sc",
        "type": "payment_intent.succeeded",
        "payin_id": payin["id"],
        "payin_status": "succeeded",
        "applied": True,
        "dispute_id": None,
        "dispute_status": None,
        "refund_id": None,
        "refund_status": None,
    }
    fresh = stripe.api.get(f"/api/wallets/v1/payins/{payin['id']}", headers=AUTH).json()
    assert fresh["status"] == "succeeded" and fresh["amount_received"] == 12_000
    assert fresh["next_action"] is None
    assert stripe.balance(wallet_id) == 12_000
    assert stripe.platform.core.ledger.balance("external:card:stripe", "EUR/2") == -12_000
    assert stripe.events(payin["id"]) == [
        "payin.requires_action",
        "payin.processing",
        "payin.succeeded",
    ]
    # a replay of the creation request answers the pay-in as it is now
    replayed = stripe.post(
        "/payins/card",
        {
            "wallet_id": wallet_id,
            "amount": 12_000,
            "currency": "EUR",
            "payment_method": "pm_card_threeDSecure2Required",
        },
        key="payin-3ds",
    )
    assert replayed.json()["id"] == payin["id"] and replayed.json()["status"] == "succeeded"


def test_the_customer_comes_back_to_a_page_that_follows_the_payin(
    stripe_side: Stripe,
) -> None:
    stripe = stripe_side
    wallet_id = wallet_for(stripe)
    payin = three_d_secure_payin(stripe, wallet_id)
    # Stripe sends the browser back with these parameters, maybe before its webhook
    query = {
        "payment_intent": "pi_3Qx3DSecure000001",
        "payment_intent_client_secret": "pi_3Qx3DSecure000001_secret_Ab1",
        "redirect_status": "succeeded",
    }
    waiting = stripe.api.get("/payments/return", params=query)
    assert waiting.status_code == 200, waiting.text
    assert waiting.headers["content-type"].startswith("text/html")
    assert waiting.headers["cache-control"] == "no-store"
    assert "Confirming your payment" in waiting.text and 'http-equiv="refresh"' in waiting.text
    payload = fixture_bytes("event_payment_intent_succeeded.json")
    assert stripe.deliver(payload, sign(payload)).json()["applied"] is True
    done = stripe.api.get("/payments/return", params=query)
    assert "Payment received" in done.text and "120.00 EUR" in done.text
    assert "refresh" not in done.text and payin["id"] not in done.text
    # only the customer's browser has the client secret: with another one, or for a
    # PaymentIntent that is no pay-in of Coffer's, the page says nothing of the pay-in
    for params in (
        {**query, "payment_intent_client_secret": "pi_3Qx3DSecure000001_secret_guess"},
        {**query, "payment_intent": "pi_unknown"},
    ):
        unknown = stripe.api.get("/payments/return", params=params)
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "resource_not_found"
        assert "120.00" not in unknown.text
    assert stripe.api.get("/payments/return").status_code == 422
    assert stripe.api.get("/payments/return", params={"payment_intent": "pi_x"}).status_code == 422
    # the platform serves its own page: Coffer redirects there
    stripe.platform.settings.payment_return_url = "https://shop.example/paid?from=coffer"
    moved = stripe.api.get("/payments/return", params=query, follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"] == (
        f"https://shop.example/paid?from=coffer&payin_id={payin['id']}&status=succeeded"
    )


def test_same_webhook_twice_credits_once(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id = wallet_for(stripe)
    payin = three_d_secure_payin(stripe, wallet_id)
    payload = fixture_bytes("event_payment_intent_succeeded.json")
    first = stripe.deliver(payload, sign(payload))
    second = stripe.deliver(payload, sign(payload))  # Stripe retries, re-signed
    third = stripe.deliver(payload, first.request.headers["Stripe-Signature"])  # verbatim
    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert [r.json()["applied"] for r in (first, second, third)] == [True, False, False]
    assert third.json()["payin_status"] == "succeeded"
    # late, out-of-order events of an earlier state change nothing either
    failed = fixture_bytes("event_payment_intent_payment_failed.json")
    late = stripe.deliver(failed, sign(failed))
    assert late.status_code == 200 and late.json()["applied"] is False
    assert stripe.platform.payins.payin(payin["id"]).status == "succeeded"
    assert stripe.balance(wallet_id) == 12_000
    assert len(stripe.credits(payin["id"])) == 1
    assert stripe.events(payin["id"]).count("payin.succeeded") == 1
    assert "payin.payment_failed" not in stripe.events(payin["id"])


def test_bad_signature_is_refused_and_changes_nothing(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id = wallet_for(stripe)
    payin = three_d_secure_payin(stripe, wallet_id)
    events_before = stripe.events(payin["id"])
    payload = fixture_bytes("event_payment_intent_succeeded.json")
    tampered = payload.replace(b'"amount_received": 12000', b'"amount_received": 11999')
    assert tampered != payload
    attempts = [
        (payload, sign(payload, secret="whsec_someone_else")),  # another secret
        (tampered, sign(payload)),  # body changed after signing
        (payload, sign(payload, timestamp=int(time.time()) - 3_600)),  # too old: a replay
        (payload, "t=1763731290"),  # no v1 signature
        (payload, "garbage"),
        (payload, None),  # no header at all
    ]
    for body, signature in attempts:
        response = stripe.deliver(body, signature)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["type"] == "invalid_request_error"
        assert error["code"] == "webhook_signature_invalid"
        assert error["message"].startswith("the Stripe-Signature header does not verify")
    with pytest.raises(WebhookSignatureInvalid):
        stripe.platform.payins.handle_stripe_event(payload, sign(payload, secret="whsec_x"))
    assert stripe.platform.payins.payin(payin["id"]).status == "requires_action"
    assert stripe.balance(wallet_id) == 0
    assert stripe.credits(payin["id"]) == []
    assert stripe.events(payin["id"]) == events_before


def test_failed_payment_webhook(stripe_side: Stripe) -> None:
    """3-D Secure failed: the Python API applies the webhook; the wallet stays empty."""
    stripe = stripe_side
    wallet_id = wallet_for(stripe)
    payin = three_d_secure_payin(stripe, wallet_id)
    payload = fixture_bytes("event_payment_intent_payment_failed.json")
    receipt = stripe.platform.payins.handle_stripe_event(payload, sign(payload))
    assert (receipt.payin_id, receipt.payin_status, receipt.applied) == (
        payin["id"],
        "requires_payment_method",
        True,
    )
    failed = stripe.platform.payins.payin(payin["id"])
    assert failed.status == "requires_payment_method" and failed.next_action is None
    assert failed.decline_code == "payment_intent_authentication_failure"
    assert stripe.events(payin["id"]) == ["payin.requires_action", "payin.payment_failed"]
    again = stripe.deliver(payload, sign(payload))
    assert again.status_code == 200 and again.json()["applied"] is False
    assert stripe.events(payin["id"]).count("payin.payment_failed") == 1
    assert stripe.balance(wallet_id) == 0 and stripe.credits(payin["id"]) == []
    # replaying the creation request answers the decline, as for a synchronous one
    with pytest.raises(CardDeclined):
        stripe.platform.payins.create_card_payin(
            S.CardPayinCreate(
                wallet_id=wallet_id,
                amount=12_000,
                currency="EUR",
                payment_method="pm_card_threeDSecure2Required",
            ),
            idempotency_key="payin-3ds",
        )


def test_manual_capture_authorized_then_expired_by_webhooks(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id = wallet_for(stripe)
    stripe.expect(
        Exchange(
            "POST",
            CREATE,
            "payment_intent_requires_action_manual.json",
            params={"payment_method": "pm_card_threeDSecure2Required", "capture_method": "manual"},
        )
    )
    body = {
        "wallet_id": wallet_id,
        "amount": 8_000,
        "currency": "EUR",
        "payment_method": "pm_card_threeDSecure2Required",
        "capture_method": "manual",
    }
    payin = stripe.post("/payins/card", body).json()
    assert payin["status"] == "requires_action"
    authorized = fixture_bytes("event_payment_intent_amount_capturable_updated.json")
    response = stripe.deliver(authorized, sign(authorized))
    assert response.json()["payin_status"] == "requires_capture"
    assert response.json()["applied"] is True
    assert stripe.balance(wallet_id) == 0  # authorized, not captured
    canceled = fixture_bytes("event_payment_intent_canceled.json")
    response = stripe.deliver(canceled, sign(canceled))
    assert response.status_code == 200 and response.json()["applied"] is True
    final = stripe.platform.payins.payin(payin["id"])
    assert (final.status, final.cancellation_reason) == ("canceled", "automatic")
    # the authorization event delivered late does not revive the pay-in
    assert stripe.deliver(authorized, sign(authorized)).json()["applied"] is False
    assert stripe.platform.payins.payin(payin["id"]).status == "canceled"
    assert stripe.events(payin["id"]) == [
        "payin.requires_action",
        "payin.amount_capturable_updated",
        "payin.canceled",
    ]
    assert stripe.balance(wallet_id) == 0 and stripe.credits(payin["id"]) == []


def test_unknown_intents_and_event_types_answer_200(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id = wallet_for(stripe)
    events_before = stripe.platform.webhooks.events(limit=100).data
    # a PaymentIntent Coffer never created (another product on the same Stripe account)
    unknown = json.loads(fixture_bytes("event_payment_intent_succeeded.json"))
    unknown["data"]["object"]["id"] = "pi_3QxNotCoffers00001"
    other_type = {
        "id": "evt_1QxCustomerCreated",
        "object": "event",
        "type": "customer.created",
        "data": {"object": {"id": "cus_1Qx", "object": "customer"}},
    }
    for event in (unknown, other_type):
        payload = json.dumps(event).encode()
        response = stripe.deliver(payload, sign(payload))
        assert response.status_code == 200, response.text
        assert response.json()["applied"] is False and response.json()["payin_id"] is None
        assert response.json()["id"] == event["id"]
    assert stripe.platform.webhooks.events(limit=100).data == events_before
    assert stripe.balance(wallet_id) == 0


def test_webhook_without_secret_answers_404(
    coffer_db: coffer.Coffer, wallet_settings: WalletSettings
) -> None:
    assert wallet_settings.stripe_webhook_secret is None
    gateway = StripeGateway("sk_test_coffer", http_client=Replay())
    platform = open_wallets(coffer_db, wallet_settings, gateway=gateway)
    payload = fixture_bytes("event_payment_intent_succeeded.json")
    with TestClient(make_app(platform, coffer_db)) as api:
        response = api.post(WEBHOOK, content=payload, headers={"Stripe-Signature": sign(payload)})
    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "gateway_not_configured")
    assert "COFFER_STRIPE_WEBHOOK_SECRET" in error["message"]
    with pytest.raises(GatewayNotConfigured):
        platform.payins.handle_stripe_event(payload, sign(payload))


# -- the sandbox and payment methods ----------------------------------------------------------


def test_sandbox_maps_stripe_test_payment_methods(platform: WalletPlatform) -> None:
    customer = make_customer(platform)
    wallet = platform.wallets.create_wallet(S.WalletCreate(customer_id=customer.id, currency="EUR"))

    def payin(method: str) -> S.Payin:
        return platform.payins.create_card_payin(
            S.CardPayinCreate(
                wallet_id=wallet.id, amount=1_000, currency="EUR", payment_method=method
            )
        )

    paid = payin("pm_card_visa")
    assert (paid.status, paid.card_last4, paid.card_brand) == ("succeeded", "4242", "visa")
    challenged = payin("pm_card_threeDSecure2Required")
    assert challenged.status == "requires_action" and challenged.next_action is not None
    assert "/sandbox/3ds/" in challenged.next_action.url
    with pytest.raises(CardDeclined) as declined:
        payin("pm_card_chargeDeclined")
    assert declined.value.details["decline_code"] == "generic_decline"
    count = len(platform.payins.payins(wallet_id=wallet.id, limit=100).data)
    with pytest.raises(InvalidPaymentMethod) as refused:
        payin("pm_1QxRealCardFromStripeJs")
    assert refused.value.status == 400 and "pm_card_visa" in refused.value.message
    # refused before anything was created
    assert len(platform.payins.payins(wallet_id=wallet.id, limit=100).data) == count
    assert platform.core.ledger.balance(f"wallets:{wallet.id}", "EUR/2") == 1_000
    # a raw card keeps only its last four digits
    card = S.Card(number="4242 4242 4242 4242", exp_month=12, exp_year=2034, cvc="123")
    raw = platform.payins.create_card_payin(
        S.CardPayinCreate(wallet_id=wallet.id, amount=1_000, currency="EUR", card=card)
    )
    with platform.core.unit() as connection:
        row = R.get(connection, T.payins, raw.id)
    assert row is not None and row["card_last4"] == "4242"
    assert not any("4242424242424242" in str(value) for value in row.values())


# -- disputes Stripe reports --------------------------------------------------------------

DISPUTE_ID = "dp_1Qx3DSecure000001"


def dispute_event(
    event_type: str,
    status: str,
    *,
    amount: int = 5_000,
    currency: str = "eur",
    intent: str = "pi_3Qx3DSecure000001",
    dispute_id: str = DISPUTE_ID,
) -> bytes:
    """The recorded ``charge.dispute.created`` event, turned into another dispute event."""
    event = json.loads(fixture_bytes("event_charge_dispute_created.json"))
    event["type"] = event_type
    event["id"] = f"evt_{dispute_id}_{event_type}_{status}"
    event["data"]["object"].update(
        id=dispute_id, status=status, amount=amount, currency=currency, payment_intent=intent
    )
    return json.dumps(event).encode()


def succeeded_payin(stripe: Stripe) -> tuple[str, dict[str, Any]]:
    """A wallet holding a 12,000 EUR cents Stripe pay-in that succeeded (by webhook)."""
    wallet_id = wallet_for(stripe)
    payin = three_d_secure_payin(stripe, wallet_id)
    payload = fixture_bytes("event_payment_intent_succeeded.json")
    assert stripe.deliver(payload, sign(payload)).json()["applied"] is True
    return wallet_id, payin


def dispute_events(stripe: Stripe, dispute_id: str) -> list[str]:
    page = stripe.platform.webhooks.events(limit=100)
    return [e.type for e in reversed(page.data) if e.data["object"]["id"] == dispute_id]


def test_dispute_opened_then_lost_by_webhooks(stripe_side: Stripe) -> None:
    stripe = stripe_side
    ledger = stripe.platform.core.ledger
    wallet_id, payin = succeeded_payin(stripe)
    payload = fixture_bytes("event_charge_dispute_created.json")
    first = stripe.deliver(payload, sign(payload))
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["type"], body["payin_id"], body["payin_status"], body["applied"]) == (
        "charge.dispute.created",
        payin["id"],
        "succeeded",
        True,
    )
    assert body["dispute_status"] == "needs_response"
    dispute = stripe.platform.payins.dispute(body["dispute_id"])
    assert (dispute.amount, dispute.wallet_amount, dispute.credit_amount) == (5_000, 5_000, 0)
    assert (dispute.gateway_ref, dispute.reason, dispute.currency) == (
        DISPUTE_ID,
        "fraudulent",
        "EUR",
    )
    held = f"disputes:{dispute.id}"
    assert stripe.balance(wallet_id) == 7_000 and ledger.balance(held, "EUR/2") == 5_000
    assert stripe.row(payin["id"])["amount_disputed"] == 5_000
    # Stripe redelivers it (re-signed, then verbatim): still one dispute, money moved once
    for signature in (sign(payload), first.request.headers["Stripe-Signature"]):
        again = stripe.deliver(payload, signature).json()
        assert (again["applied"], again["dispute_id"]) == (False, dispute.id)
    assert stripe.balance(wallet_id) == 7_000 and ledger.balance(held, "EUR/2") == 5_000
    assert stripe.row(payin["id"])["amount_disputed"] == 5_000

    lost = dispute_event("charge.dispute.closed", "lost")
    closed = stripe.deliver(lost, sign(lost)).json()
    assert (closed["applied"], closed["dispute_id"], closed["dispute_status"]) == (
        True,
        dispute.id,
        "lost",
    )
    assert ledger.balance(held, "EUR/2") == 0
    assert ledger.balance("external:card:stripe", "EUR/2") == -12_000 + 5_000
    assert stripe.balance(wallet_id) == 7_000
    assert stripe.deliver(lost, sign(lost)).json()["applied"] is False
    assert stripe.deliver(payload, sign(payload)).json()["dispute_status"] == "lost"
    assert stripe.balance(wallet_id) == 7_000
    assert dispute_events(stripe, dispute.id) == ["dispute.created", "dispute.lost"]


def test_dispute_won_by_webhook_gives_the_money_back(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id, payin = succeeded_payin(stripe)
    created = dispute_event("charge.dispute.created", "needs_response", amount=12_000)
    opened = stripe.deliver(created, sign(created)).json()
    assert opened["applied"] is True and stripe.balance(wallet_id) == 0
    # a refund cannot take what is disputed
    refund = stripe.post(f"/payins/{payin['id']}/refunds", {"amount": 1})
    assert refund.status_code == 400, refund.text
    won = dispute_event("charge.dispute.closed", "won", amount=12_000)
    closed = stripe.deliver(won, sign(won)).json()
    assert (closed["applied"], closed["dispute_status"]) == (True, "won")
    assert stripe.balance(wallet_id) == 12_000
    assert stripe.platform.core.ledger.balance(f"disputes:{opened['dispute_id']}", "EUR/2") == 0
    assert stripe.row(payin["id"])["amount_disputed"] == 0
    assert stripe.deliver(won, sign(won)).json()["applied"] is False
    assert stripe.balance(wallet_id) == 12_000


def test_dispute_events_that_change_nothing_or_are_refused(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id, payin = succeeded_payin(stripe)
    unchanged: list[bytes] = [
        # an inquiry: Stripe moves no money, neither does Coffer
        dispute_event("charge.dispute.created", "warning_needs_response"),
        dispute_event("charge.dispute.closed", "warning_closed"),
        # a dispute about a PaymentIntent Coffer did not create
        dispute_event("charge.dispute.created", "needs_response", intent="pi_someone_else"),
        # won before Coffer heard of it: nothing was taken, nothing to give back
        dispute_event("charge.dispute.closed", "won", dispute_id="dp_unheard_of"),
        # another dispute event type
        dispute_event("charge.dispute.funds_withdrawn", "needs_response"),
    ]
    for payload in unchanged:
        response = stripe.deliver(payload, sign(payload))
        assert response.status_code == 200, response.text
        assert response.json()["applied"] is False and response.json()["dispute_id"] is None
    assert stripe.balance(wallet_id) == 12_000
    assert stripe.row(payin["id"])["amount_disputed"] == 0
    # refused with a clear error, nothing moved: another currency, more than was received
    for payload in (
        dispute_event("charge.dispute.created", "needs_response", currency="usd"),
        dispute_event("charge.dispute.created", "needs_response", amount=12_001),
    ):
        response = stripe.deliver(payload, sign(payload))
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "validation_error"
    assert stripe.balance(wallet_id) == 12_000
    assert stripe.row(payin["id"])["amount_disputed"] == 0
    malformed = json.loads(dispute_event("charge.dispute.created", "needs_response"))
    del malformed["data"]["object"]["payment_intent"]
    raw = json.dumps(malformed).encode()
    response = stripe.deliver(raw, sign(raw))
    assert response.status_code == 400 and "malformed" in response.json()["error"]["message"]
    # lost before Coffer heard of it opening: opened and closed in one go
    lost = dispute_event("charge.dispute.closed", "lost", amount=2_000, dispute_id="dp_late")
    closed = stripe.deliver(lost, sign(lost)).json()
    assert (closed["applied"], closed["dispute_status"]) == (True, "lost")
    assert stripe.balance(wallet_id) == 10_000
    assert stripe.platform.payins.dispute(closed["dispute_id"]).gateway_ref == "dp_late"


def deliver_at_once(stripe: Stripe, payload: bytes, times: int = 4) -> list[S.GatewayEventReceipt]:
    """The same signed event handled by ``times`` threads released together; every
    delivery must be answered."""
    start = threading.Barrier(times)

    def deliver() -> S.GatewayEventReceipt | Exception:
        start.wait()
        try:
            return stripe.platform.payins.handle_stripe_event(payload, sign(payload))
        except Exception as error:
            return error

    with ThreadPoolExecutor(times) as pool:
        outcomes = list(pool.map(lambda _: deliver(), range(times)))
    receipts = [o for o in outcomes if isinstance(o, S.GatewayEventReceipt)]
    assert len(receipts) == times, outcomes
    return receipts


def test_same_dispute_delivered_twice_at_once_opens_it_once(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id, payin = succeeded_payin(stripe)
    receipts = deliver_at_once(stripe, fixture_bytes("event_charge_dispute_created.json"))
    assert len({r.dispute_id for r in receipts}) == 1
    assert sum(r.applied for r in receipts) == 1
    assert stripe.balance(wallet_id) == 7_000
    assert stripe.row(payin["id"])["amount_disputed"] == 5_000
    with stripe.platform.core.unit() as connection:
        rows, _ = R.page(connection, T.disputes, filters={"payin_id": payin["id"]}, limit=10)
    assert [row["gateway_ref"] for row in rows] == [DISPUTE_ID]


# -- refunds made in Stripe's dashboard ----------------------------------------------------

DASHBOARD_REFUND_ID = "re_3Qx3DSecure000001Dash"


def refund_event(
    event_type: str = "refund.created",
    status: str = "succeeded",
    *,
    amount: int = 3_000,
    currency: str = "eur",
    intent: str = "pi_3Qx3DSecure000001",
    refund_id: str = DASHBOARD_REFUND_ID,
    metadata: dict[str, str] | None = None,
) -> bytes:
    """The recorded ``refund.created`` event (a refund made in Stripe's dashboard), turned
    into another refund event."""
    event = json.loads(fixture_bytes("event_refund_created.json"))
    event["type"] = event_type
    event["id"] = f"evt_{refund_id}_{event_type}_{status}"
    event["data"]["object"].update(
        id=refund_id,
        status=status,
        amount=amount,
        currency=currency,
        payment_intent=intent,
        metadata=metadata or {},
    )
    return json.dumps(event).encode()


def test_dashboard_refund_is_recorded_once_and_given_back_if_it_fails(
    stripe_side: Stripe,
) -> None:
    stripe = stripe_side
    ledger = stripe.platform.core.ledger
    wallet_id, payin = succeeded_payin(stripe)
    external = ledger.balance("external:card:stripe", "EUR/2")
    payload = fixture_bytes("event_refund_created.json")
    first = stripe.deliver(payload, sign(payload))
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["payin_id"], body["applied"], body["refund_status"]) == (
        payin["id"],
        True,
        "succeeded",
    )
    with stripe.platform.core.unit() as connection:
        refund = R.get(connection, T.refunds, body["refund_id"])
    assert refund is not None
    assert (refund["origin"], refund["gateway_ref"], refund["amount"]) == (
        "gateway",
        DASHBOARD_REFUND_ID,
        3_000,
    )
    assert stripe.balance(wallet_id) == 9_000
    assert ledger.balance("external:card:stripe", "EUR/2") == external + 3_000
    assert stripe.row(payin["id"])["amount_refunded"] == 3_000
    # redelivered, and the events Stripe sends about the same refund: recorded once
    for again in (payload, refund_event("charge.refund.updated"), refund_event("refund.updated")):
        receipt = stripe.deliver(again, sign(again)).json()
        assert (receipt["applied"], receipt["refund_id"]) == (False, body["refund_id"])
    assert stripe.balance(wallet_id) == 9_000
    events = [e.type for e in reversed(stripe.platform.webhooks.events(limit=100).data)]
    assert events.count("refund.succeeded") == 1 and events.count("payin.refunded") == 1
    # what is left to refund through Coffer is what Stripe has not refunded
    too_much = stripe.post(f"/payins/{payin['id']}/refunds", {"amount": 9_001})
    assert too_much.status_code == 400, too_much.text

    # Stripe reports, later, that the refund failed: the money is the platform's again
    failed = refund_event("refund.failed", "failed")
    receipt = stripe.deliver(failed, sign(failed)).json()
    assert (receipt.get("applied"), receipt.get("refund_status")) == (True, "failed"), receipt
    assert stripe.balance(wallet_id) == 12_000
    assert ledger.balance("external:card:stripe", "EUR/2") == external
    assert stripe.row(payin["id"])["amount_refunded"] == 0
    assert stripe.deliver(failed, sign(failed)).json()["applied"] is False
    assert stripe.balance(wallet_id) == 12_000


def test_dashboard_refund_of_spent_money_is_advanced_by_the_platform(
    stripe_side: Stripe,
) -> None:
    stripe = stripe_side
    ledger = stripe.platform.core.ledger
    wallet_id, payin = succeeded_payin(stripe)
    # the holder spent most of it
    ledger.post([coffer.Posting(f"wallets:{wallet_id}", "merchants:shop", 10_000, "EUR/2")])
    credit = ledger.balance("platform:credit", "EUR/2")
    payload = refund_event(amount=3_000)
    receipt = stripe.deliver(payload, sign(payload)).json()
    assert (receipt["applied"], receipt["refund_status"]) == (True, "succeeded")
    assert stripe.balance(wallet_id) == 0
    assert ledger.balance("platform:credit", "EUR/2") == credit - 1_000
    assert stripe.row(payin["id"])["amount_refunded"] == 3_000


def test_refund_events_that_change_nothing_or_are_refused(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id, payin = succeeded_payin(stripe)
    unchanged = [
        # a refund Coffer asked for: refund_payin records it, not the webhook
        refund_event(refund_id="re_made_by_coffer", metadata={"coffer_key": "refund:re_x"}),
        # not final yet: recorded once it succeeds
        refund_event(refund_id="re_pending", status="pending"),
        # failed or canceled before Coffer heard of it: no money moved
        refund_event("refund.failed", "failed", refund_id="re_never"),
        # a PaymentIntent Coffer did not create
        refund_event(intent="pi_someone_else"),
        # an event type Coffer does not act on
        refund_event("charge.refunded"),
    ]
    for payload in unchanged:
        response = stripe.deliver(payload, sign(payload))
        assert response.status_code == 200, response.text
        assert response.json()["applied"] is False and response.json()["refund_id"] is None
    assert stripe.balance(wallet_id) == 12_000
    assert stripe.row(payin["id"])["amount_refunded"] == 0
    # refused with a clear error, nothing moved: another currency, more than is left
    for payload in (refund_event(currency="usd"), refund_event(amount=12_001)):
        response = stripe.deliver(payload, sign(payload))
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "validation_error"
    malformed = json.loads(refund_event())
    del malformed["data"]["object"]["amount"]
    raw = json.dumps(malformed).encode()
    response = stripe.deliver(raw, sign(raw))
    assert response.status_code == 400 and "malformed" in response.json()["error"]["message"]
    assert stripe.balance(wallet_id) == 12_000
    assert stripe.row(payin["id"])["amount_refunded"] == 0
    # the pending refund succeeds later: recorded then
    later = refund_event("refund.updated", refund_id="re_pending")
    assert stripe.deliver(later, sign(later)).json()["applied"] is True
    assert stripe.balance(wallet_id) == 9_000


def test_same_refund_delivered_twice_at_once_is_recorded_once(stripe_side: Stripe) -> None:
    stripe = stripe_side
    wallet_id, payin = succeeded_payin(stripe)
    receipts = deliver_at_once(stripe, fixture_bytes("event_refund_created.json"))
    assert len({r.refund_id for r in receipts}) == 1
    assert sum(r.applied for r in receipts) == 1
    assert stripe.balance(wallet_id) == 9_000
    assert stripe.row(payin["id"])["amount_refunded"] == 3_000
    with stripe.platform.core.unit() as connection:
        rows, _ = R.page(connection, T.refunds, filters={"target_id": payin["id"]}, limit=10)
    assert [row["gateway_ref"] for row in rows] == [DASHBOARD_REFUND_ID]
