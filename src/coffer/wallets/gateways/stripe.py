"""The Stripe card gateway, on the official ``stripe`` SDK (``StripeClient``, API ``v1``).

Card data never reaches Coffer's servers in production: pass a Stripe ``payment_method``
(``pm_...``, collected by Stripe.js or a mobile SDK). For tests against Stripe's test mode,
Stripe's published test card numbers are mapped to their test payment methods
(``4242424242424242`` -> ``pm_card_visa``...); any other raw number is refused, since
sending raw card numbers to Stripe needs a PCI attestation Coffer does not assume.

Every write carries an ``Idempotency-Key`` derived from the pay-in's id and step, so a
retry after a timeout never charges twice. Stripe's answers map onto
:class:`~coffer.wallets.gateways.base.GatewayIntent` (Stripe's PaymentIntent vocabulary is
the interface's own); declines (HTTP 402 ``card_error``) become an intent in
``requires_payment_method`` with the ``decline_code``; any other Stripe or network failure
raises :class:`~coffer.errors.GatewayError` (HTTP 502).

Tests replay recorded Stripe responses through the SDK's pluggable HTTP client
(``StripeClient(http_client=...)``), see ``tests/wallets/test_stripe_gateway.py``.

Stripe tells what happens later (3-D Secure completed or failed, an authorization expired)
by webhook: :func:`verify_event` checks the ``Stripe-Signature`` header with the endpoint's
signing secret (``stripe.WebhookSignature``) and reads the event;
:meth:`coffer.wallets.payins.Payins.handle_stripe_event` applies it to the pay-in.
"""

from __future__ import annotations

import json
from typing import Any, Unpack

import stripe

from coffer.errors import (
    GatewayError,
    InvalidCardNumber,
    ValidationError,
    WebhookSignatureInvalid,
)
from coffer.wallets.gateways.base import (
    GatewayDispute,
    GatewayEvent,
    GatewayIntent,
    GatewayRefund,
    GatewayRefundReport,
    IntentRequest,
)
from coffer.wallets.gateways.sandbox import TEST_PAYMENT_METHODS, normalize

__all__ = ["TEST_PAYMENT_METHODS", "StripeGateway", "verify_event"]

# Refunds Coffer makes carry this metadata key (the refund's idempotency key), so that the
# webhook events about them are told apart from refunds made in Stripe's dashboard.
COFFER_KEY = "coffer_key"
REFUND_STATUSES = {"succeeded": "succeeded", "pending": "pending", "requires_action": "pending"}


class StripeGateway:
    """A :class:`~coffer.wallets.gateways.base.CardGateway` backed by Stripe."""

    name = "stripe"

    def __init__(
        self,
        api_key: str | None = None,
        *,
        client: stripe.StripeClient | None = None,
        http_client: stripe.HTTPClient | None = None,
        return_url: str | None = None,
    ) -> None:
        if client is None:
            if not api_key:
                raise ValueError("give a Stripe secret key (sk_...) or a StripeClient")
            client = stripe.StripeClient(api_key, http_client=http_client, max_network_retries=0)
        self.client = client
        self.return_url = return_url

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _options(idempotency_key: str) -> stripe.RequestOptions:
        return {"idempotency_key": f"coffer:{idempotency_key}"}

    @staticmethod
    def _intent(obj: Any) -> GatewayIntent:
        """A Stripe PaymentIntent (a StripeObject or its JSON as a dict) as a GatewayIntent."""
        data = obj if isinstance(obj, dict) else obj.to_dict()
        method = data.get("payment_method")
        card = method.get("card") if isinstance(method, dict) else None
        error = data.get("last_payment_error") or {}
        next_action = data.get("next_action") or {}
        redirect = next_action.get("redirect_to_url") or {}
        status = str(data["status"])
        if status == "requires_confirmation":
            status = "requires_payment_method"
        decline = None
        if status == "requires_payment_method" and error:
            decline = error.get("decline_code") or error.get("code")
        currency = data.get("currency")
        return GatewayIntent(
            reference=str(data["id"]),
            status=status,
            amount=int(data["amount"]),
            amount_capturable=int(data.get("amount_capturable") or 0),
            amount_received=int(data.get("amount_received") or 0),
            card_last4=card.get("last4") if card else None,
            card_brand=card.get("brand") if card else None,
            decline_code=decline,
            requires_challenge=status == "requires_action",
            challenge_url=redirect.get("url"),
            currency=str(currency).upper() if currency else None,
            cancellation_reason=data.get("cancellation_reason"),
            client_secret=data.get("client_secret"),
        )

    @staticmethod
    def _failure(error: stripe.StripeError) -> GatewayError:
        request_id = getattr(error, "request_id", None)
        return GatewayError(
            f"Stripe answered {error.http_status or 'nothing'}: {error.user_message or error}",
            stripe_code=getattr(error, "code", None),
            stripe_request_id=request_id,
        )

    def _declined(self, error: stripe.CardError, amount: int) -> GatewayIntent:
        body = error.json_body if isinstance(error.json_body, dict) else {}
        details = body.get("error") or {}
        intent = details.get("payment_intent")
        decline = details.get("decline_code") or details.get("code") or "card_declined"
        if isinstance(intent, dict):
            declined = self._intent(intent)
            return GatewayIntent(
                reference=declined.reference,
                status="requires_payment_method",
                amount=declined.amount,
                amount_capturable=0,
                amount_received=0,
                card_last4=declined.card_last4,
                card_brand=declined.card_brand,
                decline_code=decline,
            )
        return GatewayIntent(
            reference="",
            status="requires_payment_method",
            amount=amount,
            amount_capturable=0,
            amount_received=0,
            decline_code=decline,
        )

    # -- the gateway interface --------------------------------------------------------------

    @staticmethod
    def _payment_method(card_number: str | None, payment_method: str | None) -> str:
        if payment_method is not None:
            return payment_method
        found = TEST_PAYMENT_METHODS.get(normalize(card_number or ""))
        if found is None:
            raise InvalidCardNumber(
                "Stripe takes a payment_method (pm_...) collected by Stripe.js, not a raw "
                "card number; in test mode use one of Stripe's test card numbers"
            )
        return found

    def check_source(self, *, card_number: str | None, payment_method: str | None) -> None:
        self._payment_method(card_number, payment_method)

    def create_intent(self, **request: Unpack[IntentRequest]) -> GatewayIntent:
        amount = request["amount"]
        params: dict[str, Any] = {
            "amount": amount,
            "currency": request["currency"].lower(),
            "payment_method": self._payment_method(
                request["card_number"], request["payment_method"]
            ),
            "payment_method_types": ["card"],
            "capture_method": request["capture_method"],
            "confirm": True,
            "expand": ["payment_method"],
        }
        if self.return_url is not None:
            params["return_url"] = self.return_url
        try:
            intent = self.client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options=self._options(request["idempotency_key"]),
            )
        except stripe.CardError as error:
            return self._declined(error, amount)
        except stripe.StripeError as error:
            raise self._failure(error) from error
        return self._intent(intent)

    def complete_challenge(
        self, intent: GatewayIntent, *, approve: bool, capture_method: str = "automatic"
    ) -> GatewayIntent:
        """With Stripe the customer authenticates on Stripe's page (``challenge_url``);
        this reads the outcome back (``approve`` is the sandbox's and is ignored)."""
        del approve, capture_method
        try:
            fresh = self.client.v1.payment_intents.retrieve(
                intent.reference, params={"expand": ["payment_method"]}
            )
        except stripe.StripeError as error:
            raise self._failure(error) from error
        return self._intent(fresh)

    def capture(self, intent: GatewayIntent, *, amount: int, idempotency_key: str) -> GatewayIntent:
        try:
            captured = self.client.v1.payment_intents.capture(
                intent.reference,
                params={"amount_to_capture": amount, "expand": ["payment_method"]},
                options=self._options(idempotency_key),
            )
        except stripe.StripeError as error:
            raise self._failure(error) from error
        return self._intent(captured)

    def cancel(self, intent: GatewayIntent, *, idempotency_key: str) -> GatewayIntent:
        try:
            canceled = self.client.v1.payment_intents.cancel(
                intent.reference,
                params={"cancellation_reason": "requested_by_customer"},
                options=self._options(idempotency_key),
            )
        except stripe.StripeError as error:
            raise self._failure(error) from error
        return self._intent(canceled)

    def refund(self, intent: GatewayIntent, *, amount: int, idempotency_key: str) -> GatewayRefund:
        try:
            refund = self.client.v1.refunds.create(
                params={
                    "payment_intent": intent.reference,
                    "amount": amount,
                    "metadata": {COFFER_KEY: idempotency_key},
                },
                options=self._options(idempotency_key),
            )
        except stripe.StripeError as error:
            raise self._failure(error) from error
        status = REFUND_STATUSES.get(str(refund.status), "failed")
        if status == "failed":
            raise GatewayError(
                f"Stripe refused the refund ({refund.failure_reason or refund.status})",
                stripe_refund=refund.id,
            )
        return GatewayRefund(reference=refund.id, status=status, amount=int(refund.amount))


# -- webhooks ------------------------------------------------------------------------------


def verify_event(
    payload: bytes, signature: str | None, secret: str, *, tolerance_seconds: int = 300
) -> GatewayEvent:
    """A Stripe webhook event, once its ``Stripe-Signature`` header (``t=<unix time>,
    v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's signing secret>``) verifies
    and is at most ``tolerance_seconds`` old; :class:`WebhookSignatureInvalid` otherwise.
    ``intent`` is the event's PaymentIntent when the event is about one."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance_seconds)
    except stripe.SignatureVerificationError as error:
        # Stripe's reasons name no data of the event (missing header, no matching
        # signature, timestamp outside the tolerance)
        raise WebhookSignatureInvalid(
            f"the Stripe-Signature header does not verify ({error.user_message}); check that "
            "COFFER_STRIPE_WEBHOOK_SECRET is this endpoint's signing secret (whsec_...)"
        ) from None
    except UnicodeDecodeError:
        raise WebhookSignatureInvalid("the webhook body is not UTF-8 text") from None
    try:
        event = json.loads(payload)
    except ValueError:
        raise ValidationError("the Stripe event is not JSON") from None
    if not isinstance(event, dict) or event.get("object") != "event":
        raise ValidationError("the body is not a Stripe event (object must be 'event')")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    intent = None
    dispute = None
    refund = None
    if isinstance(obj, dict) and obj.get("object") == "payment_intent":
        try:
            intent = StripeGateway._intent(obj)
        except (KeyError, TypeError, ValueError):
            raise ValidationError("the Stripe event's payment intent is malformed") from None
    elif isinstance(obj, dict) and obj.get("object") == "dispute":
        dispute = _dispute(obj)
    elif isinstance(obj, dict) and obj.get("object") == "refund":
        refund = _refund(obj)
    return GatewayEvent(
        id=str(event.get("id") or ""),
        type=str(event.get("type") or ""),
        intent=intent,
        dispute=dispute,
        refund=refund,
    )


def _money_object(obj: dict[str, Any], kind: str) -> tuple[str, str, int, str, str]:
    """(id, payment intent, amount, currency in upper case, status) of a Stripe object
    about a payment (a dispute, a refund), checked."""
    intent = obj.get("payment_intent")
    if isinstance(intent, dict):  # expanded
        intent = intent.get("id")
    amount = obj.get("amount")
    fields = (obj.get("id"), intent, obj.get("currency"), obj.get("status"))
    if not all(isinstance(f, str) and f for f in fields) or not isinstance(amount, int):
        raise ValidationError(
            f"the Stripe event's {kind} is malformed (it needs id, payment_intent, amount,"
            " currency and status)"
        )
    if amount <= 0:
        raise ValidationError(f"the Stripe event's {kind} is for {amount}; it must be positive")
    return str(obj["id"]), str(intent), amount, str(obj["currency"]).upper(), str(obj["status"])


def _refund(obj: dict[str, Any]) -> GatewayRefundReport:
    """A Stripe Refund object (``re_...``: amount, currency, payment_intent, status,
    metadata)."""
    reference, intent, amount, currency, status = _money_object(obj, "refund")
    metadata = obj.get("metadata")
    key = metadata.get(COFFER_KEY) if isinstance(metadata, dict) else None
    return GatewayRefundReport(
        reference=reference,
        intent_reference=intent,
        amount=amount,
        currency=currency,
        status=status,
        coffer_key=key if isinstance(key, str) and key else None,
    )


def _dispute(obj: dict[str, Any]) -> GatewayDispute:
    """A Stripe Dispute object (``dp_...``: amount, currency, payment_intent, status)."""
    reference, intent, amount, currency, status = _money_object(obj, "dispute")
    return GatewayDispute(
        reference=reference,
        intent_reference=intent,
        amount=amount,
        currency=currency,
        status=status,
        reason=str(obj.get("reason") or "general")[:64],
    )
