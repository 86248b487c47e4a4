"""The interface every card gateway implements, in Stripe's PaymentIntent vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypedDict, Unpack

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
    currency: str | None = None  # ISO 4217, upper case, when the gateway says
    cancellation_reason: str | None = None
    # the secret the gateway gives the customer's browser with the intent (Stripe's
    # client_secret): the return page asks for it back before it shows the pay-in
    client_secret: str | None = None


@dataclass(frozen=True, slots=True)
class GatewayDispute:
    """What the gateway says about a dispute (a chargeback, or an inquiry) on a payment."""

    reference: str  # the gateway's dispute id (Stripe: dp_...)
    intent_reference: str  # the payment intent disputed
    amount: int
    currency: str  # ISO 4217, upper case
    # Stripe's vocabulary: warning_needs_response, warning_under_review, warning_closed (an
    # inquiry: no money moves), needs_response, under_review, won, lost
    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class GatewayRefundReport:
    """What the gateway says about a refund of a payment: one Coffer asked for, or one made
    without Coffer (in Stripe's dashboard, or with Stripe's API directly)."""

    reference: str  # the gateway's refund id (Stripe: re_...)
    intent_reference: str  # the payment intent refunded
    amount: int
    currency: str  # ISO 4217, upper case
    status: str  # Stripe's: pending, requires_action, succeeded, failed, canceled
    # the idempotency key Coffer sent with the refund (its metadata ``coffer_key``); None
    # when Coffer did not make it
    coffer_key: str | None


@dataclass(frozen=True, slots=True)
class GatewayEvent:
    """A verified webhook event of a gateway, and the payment intent, dispute or refund it
    is about (if any)."""

    id: str
    type: str
    intent: GatewayIntent | None
    dispute: GatewayDispute | None = None
    refund: GatewayRefundReport | None = None


@dataclass(frozen=True, slots=True)
class GatewayRefund:
    reference: str
    status: str  # succeeded | pending | failed
    amount: int


class IntentRequest(TypedDict):
    """What a pay-in asks a gateway to charge (:meth:`CardGateway.create_intent`): exactly
    one of ``card_number`` (a raw number: the sandbox) and ``payment_method`` (collected
    by the gateway, ``pm_...``) is given."""

    amount: int
    currency: str  # ISO 4217, upper case
    card_number: str | None
    payment_method: str | None
    capture_method: str  # automatic | manual
    idempotency_key: str


class CardGateway(Protocol):
    name: str

    def check_source(self, *, card_number: str | None, payment_method: str | None) -> None:
        """Refuse (with a typed error) a card or payment method this gateway cannot charge,
        before the pay-in is created. Exactly one of the two is given."""
        ...

    def create_intent(self, **request: Unpack[IntentRequest]) -> GatewayIntent: ...

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
