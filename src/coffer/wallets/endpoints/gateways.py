"""Webhooks the card gateways send (Stripe)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request

from coffer.errors import ValidationError
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.endpoints.deps import (
    Routes,
    platform_owning,
)
from coffer.wallets.http_errors import errors
from coffer.wallets.payins import MAX_WEBHOOK_BYTES

api = Routes()


_STRIPE_EVENT_BODY = {
    "requestBody": {
        "required": True,
        "description": "A Stripe event, exactly as Stripe sends it (the raw body is signed).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@api.public.post(
    "/gateways/stripe/webhook",
    responses=errors(400, 404, 422),
    openapi_extra=_STRIPE_EVENT_BODY,
)
async def stripe_webhook(
    request: Request,
    stripe_signature: Annotated[
        str | None, Header(alias="Stripe-Signature", max_length=4096)
    ] = None,
) -> S.GatewayEventReceipt:
    """Stripe's webhook (register this URL in Stripe's dashboard): applies
    ``payment_intent.succeeded``, ``.amount_capturable_updated``, ``.payment_failed`` and
    ``.canceled`` to the pay-in of that PaymentIntent, each at most once; answers 200 for
    events it ignores too. No bearer token: the ``Stripe-Signature`` header is verified with
    ``COFFER_STRIPE_WEBHOOK_SECRET`` (400 ``webhook_signature_invalid`` when it does not,
    404 ``gateway_not_configured`` without a secret)."""
    import anyio.to_thread

    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_WEBHOOK_BYTES:
            raise ValidationError(f"the webhook body exceeds {MAX_WEBHOOK_BYTES} bytes")
    payload = bytes(body)

    def handle() -> S.GatewayEventReceipt:
        # the platform owning the event's PaymentIntent handles it (and checks the
        # signature): the hint only routes, it is never trusted
        intent = intent_reference_hint(payload)
        conditions = {"gateway": "stripe", "gateway_ref": intent or ""}
        p = platform_owning(request.app, T.payins, conditions)
        return p.payins.handle_stripe_event(payload, stripe_signature)

    return await anyio.to_thread.run_sync(handle)


MAX_HINT_DEPTH = 4


def intent_reference_hint(payload: bytes) -> str | None:
    """The PaymentIntent id (``pi_...``) a Stripe event is about, read without checking
    anything: ``data.object`` is the intent itself, or names it (``payment_intent``)."""
    import json

    try:
        event = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    found = event.get("data", {}).get("object", {}) if isinstance(event, dict) else None
    if not isinstance(found, dict):
        return None
    named = found.get("payment_intent")
    if isinstance(named, dict):
        named = named.get("id")
    if isinstance(named, str) and named.startswith("pi_"):
        return named
    own = found.get("id")
    return own if isinstance(own, str) and own.startswith("pi_") else None
