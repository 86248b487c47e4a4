"""The Stripe gateway, tested against recorded HTTP responses (there is no network).

The fixtures in ``fixtures/stripe/`` follow the shapes of Stripe's API reference
(PaymentIntent, Refund, error objects). They are served through the official SDK's pluggable
HTTP client (``StripeClient(http_client=...)``) by :class:`Replay`, which also asserts the
method, path, form parameters and ``Idempotency-Key`` of every request the adapter sends.
"""

from __future__ import annotations

import pytest

from coffer.errors import CardDeclined, GatewayError, InvalidCardNumber
from coffer.wallets import WalletPlatform, open_wallets
from coffer.wallets import schemas as S
from coffer.wallets.gateways import GatewayIntent, StripeGateway
from wallets.helpers import make_customer
from wallets.stripe_replay import Exchange, Replay


def gateway(*exchanges: Exchange) -> tuple[StripeGateway, Replay]:
    replay = Replay(*exchanges)
    return StripeGateway("sk_test_coffer", http_client=replay), replay


CREATE = "/v1/payment_intents"


def test_create_succeeds_with_automatic_capture() -> None:
    stripe_gateway, replay = gateway(
        Exchange(
            "POST",
            CREATE,
            "payment_intent_create_succeeded.json",
            params={
                "amount": "5000",
                "currency": "eur",
                "payment_method": "pm_card_visa",
                "payment_method_types[0]": "card",
                "capture_method": "automatic",
                "confirm": "true",
                "expand[0]": "payment_method",
            },
            idempotency_key="coffer:payin:pi_1",
        )
    )
    intent = stripe_gateway.create_intent(
        amount=5000,
        currency="EUR",
        card_number="4242 4242 4242 4242",
        payment_method=None,
        capture_method="automatic",
        idempotency_key="payin:pi_1",
    )
    replay.done()
    assert intent.status == "succeeded" and intent.reference == "pi_3QxA1B2C3D4E5F6G"
    assert intent.amount_received == 5000 and intent.card_last4 == "4242"
    assert intent.card_brand == "visa" and intent.decline_code is None


def test_manual_capture_partial_then_cancel() -> None:
    stripe_gateway, replay = gateway(
        Exchange(
            "POST",
            CREATE,
            "payment_intent_create_requires_capture.json",
            params={"capture_method": "manual", "payment_method": "pm_live_from_stripe_js"},
        ),
        Exchange(
            "POST",
            "/v1/payment_intents/pi_3QxManualCapture01/capture",
            "payment_intent_capture.json",
            params={"amount_to_capture": "6000"},
            idempotency_key="coffer:payin:pi_2:capture",
        ),
        Exchange(
            "POST",
            "/v1/payment_intents/pi_3QxToCancel000001/cancel",
            "payment_intent_cancel.json",
            params={"cancellation_reason": "requested_by_customer"},
            idempotency_key="coffer:payin:pi_3:cancel",
        ),
    )
    authorized = stripe_gateway.create_intent(
        amount=8000,
        currency="EUR",
        card_number=None,
        payment_method="pm_live_from_stripe_js",
        capture_method="manual",
        idempotency_key="payin:pi_2",
    )
    assert authorized.status == "requires_capture" and authorized.amount_capturable == 8000
    captured = stripe_gateway.capture(authorized, amount=6000, idempotency_key="payin:pi_2:capture")
    assert captured.status == "succeeded" and captured.amount_received == 6000
    to_cancel = GatewayIntent("pi_3QxToCancel000001", "requires_capture", 8000, 8000, 0)
    canceled = stripe_gateway.cancel(to_cancel, idempotency_key="payin:pi_3:cancel")
    assert canceled.status == "canceled" and canceled.amount_capturable == 0
    replay.done()


def test_three_d_secure_then_outcome_read_back() -> None:
    stripe_gateway, replay = gateway(
        Exchange(
            "POST",
            CREATE,
            "payment_intent_requires_action.json",
            params={"payment_method": "pm_card_threeDSecure2Required", "amount": "12000"},
        ),
        Exchange(
            "GET",
            "/v1/payment_intents/pi_3Qx3DSecure000001",
            "payment_intent_retrieve_after_3ds.json",
            params={"expand[0]": "payment_method"},
        ),
    )
    intent = stripe_gateway.create_intent(
        amount=12000,
        currency="EUR",
        card_number="4000000000003220",
        payment_method=None,
        capture_method="automatic",
        idempotency_key="payin:pi_4",
    )
    assert intent.status == "requires_action" and intent.requires_challenge
    assert intent.challenge_url is not None
    assert intent.challenge_url.startswith("https://hooks.stripe.com/3d_secure_2/hosted")
    done = stripe_gateway.complete_challenge(intent, approve=True)
    assert done.status == "succeeded" and done.amount_received == 12000
    assert not done.requires_challenge and done.card_last4 == "3220"
    replay.done()


@pytest.mark.parametrize(
    ("number", "fixture", "decline"),
    [
        ("4000000000000002", "error_card_declined.json", "generic_decline"),
        ("4000000000009995", "error_insufficient_funds.json", "insufficient_funds"),
    ],
)
def test_declines_become_requires_payment_method(number: str, fixture: str, decline: str) -> None:
    stripe_gateway, replay = gateway(Exchange("POST", CREATE, fixture, status=402))
    intent = stripe_gateway.create_intent(
        amount=5000,
        currency="EUR",
        card_number=number,
        payment_method=None,
        capture_method="automatic",
        idempotency_key="payin:pi_5",
    )
    replay.done()
    assert intent.status == "requires_payment_method" and intent.decline_code == decline
    assert intent.reference.startswith("pi_3QxDeclined") and intent.amount_received == 0


def test_refunds() -> None:
    stripe_gateway, replay = gateway(
        Exchange(
            "POST",
            "/v1/refunds",
            "refund_succeeded.json",
            params={
                "payment_intent": "pi_3QxA1B2C3D4E5F6G",
                "amount": "2000",
                # tells the webhook events about it from refunds made in Stripe's dashboard
                "metadata[coffer_key]": "refund:re_1",
            },
            idempotency_key="coffer:refund:re_1",
        ),
        Exchange("POST", "/v1/refunds", "refund_failed.json"),
    )
    paid = GatewayIntent("pi_3QxA1B2C3D4E5F6G", "succeeded", 5000, 0, 5000)
    refund = stripe_gateway.refund(paid, amount=2000, idempotency_key="refund:re_1")
    assert refund.status == "succeeded" and refund.amount == 2000
    assert refund.reference == "re_3QxA1B2C3D4E5F6G0rEfUnD1"
    with pytest.raises(GatewayError, match="expired_or_canceled_card"):
        stripe_gateway.refund(paid, amount=2000, idempotency_key="refund:re_2")
    replay.done()


def test_failures_are_gateway_errors() -> None:
    stripe_gateway, replay = gateway(
        Exchange("POST", CREATE, "error_api_500.json", status=500),
        Exchange(
            "POST",
            "/v1/payment_intents/pi_3QxToCancel000001/capture",
            "error_capture_state.json",
            status=400,
        ),
    )
    with pytest.raises(GatewayError) as failure:
        stripe_gateway.create_intent(
            amount=5000,
            currency="EUR",
            card_number="4242424242424242",
            payment_method=None,
            capture_method="automatic",
            idempotency_key="payin:pi_6",
        )
    assert failure.value.status == 502
    canceled = GatewayIntent("pi_3QxToCancel000001", "canceled", 8000, 0, 0)
    with pytest.raises(GatewayError) as state:
        stripe_gateway.capture(canceled, amount=8000, idempotency_key="payin:pi_7:capture")
    assert state.value.details["stripe_code"] == "payment_intent_unexpected_state"
    replay.done()


def test_raw_card_numbers_other_than_test_cards_are_refused() -> None:
    stripe_gateway, replay = gateway()
    with pytest.raises(InvalidCardNumber):
        stripe_gateway.create_intent(
            amount=5000,
            currency="EUR",
            card_number="4111111111111111",
            payment_method=None,
            capture_method="automatic",
            idempotency_key="payin:pi_8",
        )
    replay.done()


def test_card_payins_through_stripe(platform: WalletPlatform) -> None:
    """The pay-in flow end to end on the Stripe adapter: credited, captured, refunded,
    declined (HTTP 402)."""
    replay = Replay(
        Exchange("POST", CREATE, "payment_intent_create_succeeded.json"),
        Exchange("POST", "/v1/refunds", "refund_succeeded.json"),
        Exchange("POST", CREATE, "error_card_declined.json", status=402),
    )
    stripe_platform = open_wallets(
        platform.coffer,
        platform.settings,
        gateway=StripeGateway("sk_test_coffer", http_client=replay),
    )
    customer = make_customer(stripe_platform, "Carla Card")
    wallet = stripe_platform.wallets.create_wallet(
        S.WalletCreate(customer_id=customer.id, currency="EUR")
    )
    card = S.Card(number="4242424242424242", exp_month=12, exp_year=2034, cvc="123")
    payin = stripe_platform.payins.create_card_payin(
        S.CardPayinCreate(wallet_id=wallet.id, amount=5000, currency="EUR", card=card)
    )
    assert payin.status == "succeeded" and payin.gateway == "stripe"
    assert stripe_platform.wallets.wallet(wallet.id).balance == 5000
    refund = stripe_platform.payins.refund_payin(payin.id, 2000)
    assert refund.status == "succeeded"
    assert stripe_platform.wallets.wallet(wallet.id).balance == 3000
    declined = S.Card(number="4000000000000002", exp_month=12, exp_year=2034, cvc="123")
    with pytest.raises(CardDeclined) as error:
        stripe_platform.payins.create_card_payin(
            S.CardPayinCreate(wallet_id=wallet.id, amount=5000, currency="EUR", card=declined)
        )
    assert error.value.status == 402 and error.value.details["decline_code"] == "generic_decline"
    replay.done()
    sent_paths = [path for _, path, _ in replay.seen]
    assert sent_paths == [CREATE, "/v1/refunds", CREATE]
