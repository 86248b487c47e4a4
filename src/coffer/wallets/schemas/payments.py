"""Payments (and escrow), card pay-ins, gateway events, refunds, disputes and simulated
bank transfers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from coffer.wallets.schemas.common import (
    CurrencyCode,
    Model,
    PositiveAmount,
    RequestMetadata,
    StrictAmount,
)


class PaymentCreate(Model):
    buyer_wallet_id: str
    seller_wallet_id: str
    amount: PositiveAmount
    currency: CurrencyCode
    fee: StrictAmount = Field(default=0, ge=0)
    escrow: bool = False
    capture: bool = False  # capture at once (authorize and capture in one call)
    metadata: RequestMetadata = Field(default_factory=dict)


class AmountBody(Model):
    amount: StrictAmount | None = Field(default=None, gt=0)


class Payment(BaseModel):
    object: Literal["payment"] = "payment"
    id: str
    buyer_wallet_id: str
    seller_wallet_id: str
    amount: int
    fee: int
    captured_amount: int
    refunded_amount: int
    currency: str
    escrow: bool
    status: Literal["pending", "in_review", "authorized", "captured", "voided", "failed"]
    escrow_status: Literal["held", "released", "returned"] | None
    failure_code: str | None
    metadata: dict[str, str]
    created_at: datetime


class Card(Model):
    number: str = Field(min_length=12, max_length=23)
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvc: str = Field(min_length=3, max_length=4)

    def __repr__(self) -> str:
        return f"Card(last4={self.number[-4:]!r})"

    __str__ = __repr__


class CardPayinCreate(Model):
    """A card pay-in. The card comes as exactly one of ``card`` (a raw card: the sandbox, or
    Stripe's test cards) or ``payment_method`` (the gateway's id of a card collected
    client-side, such as Stripe's ``pm_...`` from Stripe.js; the sandbox takes Stripe's test
    ids ``pm_card_visa``...)."""

    wallet_id: str
    amount: PositiveAmount
    currency: CurrencyCode
    card: Card | None = None
    payment_method: str | None = Field(
        default=None, min_length=3, max_length=255, pattern=r"^[A-Za-z0-9_]+$"
    )
    capture_method: Literal["automatic", "manual"] = "automatic"
    metadata: RequestMetadata = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_card_source(self) -> Self:
        if (self.card is None) == (self.payment_method is None):
            raise ValueError(
                "give exactly one of card (a raw card) or payment_method (a gateway payment "
                "method id such as Stripe's pm_...)"
            )
        return self


class NextAction(BaseModel):
    type: Literal["redirect_to_url"] = "redirect_to_url"
    url: str


class Payin(BaseModel):
    object: Literal["payin"] = "payin"
    id: str
    wallet_id: str
    method: Literal["card", "bank_transfer"]
    gateway: str
    status: Literal[
        "requires_payment_method",
        "requires_action",
        "processing",
        "requires_capture",
        "in_review",
        "succeeded",
        "canceled",
    ]
    capture_method: Literal["automatic", "manual"]
    amount: int
    amount_received: int
    amount_refunded: int
    amount_disputed: int
    currency: str
    card_last4: str | None
    card_brand: str | None
    decline_code: str | None
    cancellation_reason: str | None
    next_action: NextAction | None
    metadata: dict[str, str]
    created_at: datetime


class GatewayEventReceipt(BaseModel):
    """What Coffer did with a webhook event a card gateway sent (Stripe: ``evt_...``)."""

    object: Literal["gateway_event"] = "gateway_event"
    id: str  # the gateway's event id
    type: str  # the gateway's event type (payment_intent.succeeded...)
    payin_id: str | None  # the pay-in it is about; None: no pay-in of Coffer's
    payin_status: str | None  # that pay-in's status after the event
    # whether this delivery changed the pay-in or its dispute (False: unknown or ignored
    # event type, unknown intent, already applied or out of order)
    applied: bool
    # for a dispute event (charge.dispute.*): Coffer's dispute and its status after it
    dispute_id: str | None = None
    dispute_status: str | None = None
    # for a refund event (refund.*): Coffer's refund and its status after it
    refund_id: str | None = None
    refund_status: str | None = None


class Refund(BaseModel):
    object: Literal["refund"] = "refund"
    id: str
    target_type: Literal["payin", "payment"]
    target_id: str
    amount: int
    currency: str
    status: Literal["pending", "succeeded", "failed"]
    failure_code: str | None
    created_at: datetime
    # the gateway's refund id (Stripe: re_...) once the gateway made it
    gateway_ref: str | None = None
    # "coffer": asked through Coffer; "gateway": made outside Coffer (Stripe's dashboard)
    # and recorded from the gateway's webhook
    origin: Literal["coffer", "gateway"] = "coffer"


class DisputeCreate(Model):
    amount: StrictAmount | None = Field(default=None, gt=0)
    reason: str = Field(default="fraudulent", max_length=64)


class Dispute(BaseModel):
    object: Literal["dispute"] = "dispute"
    id: str
    payin_id: str
    amount: int
    wallet_amount: int
    credit_amount: int
    currency: str
    status: Literal["pending", "needs_response", "won", "lost"]
    reason: str
    created_at: datetime
    gateway_ref: str | None = None  # the gateway's dispute id when it reported it (dp_...)


class DisputeClose(Model):
    outcome: Literal["won", "lost"]


class BankTransferSimulate(Model):
    reference: str = Field(min_length=1, max_length=40)
    amount: PositiveAmount
    currency: CurrencyCode
