"""Events, webhook endpoints and deliveries, and the schema of each event type."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from coffer.wallets.schemas.accounts import Transfer, Wallet
from coffer.wallets.schemas.common import Model
from coffer.wallets.schemas.customers import Consent, KycDocument, RedactedCustomer
from coffer.wallets.schemas.payments import Dispute, Payin, Payment, Refund
from coffer.wallets.schemas.payouts import Payout, RedactedBankAccount


class Event(BaseModel):
    """Something that happened. ``data.object`` is the resource it is about, as the API
    returns it after the change (customers and bank accounts without personal data):
    :data:`EVENT_OBJECTS` names its schema by the type's prefix."""

    object: Literal["event"] = "event"
    id: str
    type: str
    data: dict[str, Any]
    created_at: datetime


class WebhookEndpointCreate(Model):
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://")
    event_types: list[str] = Field(default_factory=lambda: ["*"], min_length=1, max_length=100)


class WebhookEndpoint(BaseModel):
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    id: str
    url: str
    event_types: list[str]
    enabled: bool
    secret: str | None = None  # shown once, when the endpoint is created
    created_at: datetime


class WebhookDelivery(BaseModel):
    object: Literal["webhook_delivery"] = "webhook_delivery"
    id: str
    endpoint_id: str
    event_id: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None


# The schema of ``data.object`` of each event type, by the type's prefix (``payin.`` ...).
EVENT_OBJECTS: dict[str, type[BaseModel]] = {
    "customer": RedactedCustomer,
    "kyc_document": KycDocument,
    "wallet": Wallet,
    "transfer": Transfer,
    "payment": Payment,
    "escrow": Payment,
    "refund": Refund,
    "payin": Payin,
    "dispute": Dispute,
    "bank_account": RedactedBankAccount,
    "payout": Payout,
    "consent": Consent,
}

# Every event type Coffer emits (docs/wallets.md lists them with their schema).
EVENT_TYPES = (
    "customer.created",
    "customer.updated",
    "customer.kyc_level_changed",
    "customer.erased",
    "consent.granted",
    "consent.withdrawn",
    "kyc_document.created",
    "kyc_document.validated",
    "kyc_document.refused",
    "wallet.created",
    "wallet.frozen",
    "wallet.unfrozen",
    "wallet.closed",
    "transfer.succeeded",
    "transfer.failed",
    "transfer.in_review",
    "payment.authorized",
    "payment.failed",
    "payment.captured",
    "payment.voided",
    "payment.in_review",
    "escrow.released",
    "escrow.returned",
    "refund.succeeded",
    "refund.failed",
    "payin.requires_action",
    "payin.payment_failed",
    "payin.amount_capturable_updated",
    "payin.processing",
    "payin.succeeded",
    "payin.canceled",
    "payin.refunded",
    "payin.in_review",
    "dispute.created",
    "dispute.won",
    "dispute.lost",
    "bank_account.created",
    "payout.created",
    "payout.processing",
    "payout.paid",
    "payout.failed",
    "payout.returned",
    "payout.in_review",
    # the risk domain's, through the same outbox (docs/risk.md)
    "risk.decision.created",
    "risk.case.opened",
    "risk.case.decided",
    "risk.case.escalated",
    "risk.review.approved",
)
