"""The interface every card gateway implements, in Stripe's PaymentIntent vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

INTENT_STATUSES = (
    "requires_payment_method",
    "requires_action",
    "processing",
    "requires_capture",
    "succeeded",
    "canceled",
)


@dataclass(frozen=True, slots=True)
class GatewayIntent:
    """What the gateway says about a payment intent."""

    reference: str
    status: str
    amount: int
    amount_capturable: int
    amount_received: int
    card_last4: str | None = None
    card_brand: str | None = None
    decline_code: str | None = None
    requires_challenge: bool = False
    # where the customer authenticates (3-D Secure) when the gateway hosts the page
    challenge_url: str | None = None


@dataclass(frozen=True, slots=True)
class GatewayRefund:
    reference: str
    status: str  # succeeded | pending | failed
    amount: int


class CardGateway(Protocol):
    name: str

    def create_intent(
        self,
        *,
        amount: int,
        currency: str,
        card_number: str | None,
        payment_method: str | None,
        capture_method: str,
        idempotency_key: str,
    ) -> GatewayIntent: ...

    def complete_challenge(
        self, intent: GatewayIntent, *, approve: bool, capture_method: str
    ) -> GatewayIntent: ...

    def capture(
        self, intent: GatewayIntent, *, amount: int, idempotency_key: str
    ) -> GatewayIntent: ...

    def cancel(self, intent: GatewayIntent, *, idempotency_key: str) -> GatewayIntent: ...

    def refund(
        self, intent: GatewayIntent, *, amount: int, idempotency_key: str
    ) -> GatewayRefund: ...
