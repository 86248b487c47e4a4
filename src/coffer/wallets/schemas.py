"""Pydantic models: what the wallets service returns and what its HTTP API takes.

Amounts are integers in the currency's minor unit (cents for USD, yen for JPY, fils/1000
for BHD), always with their ``currency``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

T = TypeVar("T")
# An amount in a request: a JSON integer only. "10" (a string), 10.0 and true are refused
# (422), so that no client's float or string ever becomes money by coercion.
StrictAmount = Annotated[int, Strict()]


def check_metadata(metadata: dict[str, str]) -> dict[str, str]:
    """Refuse metadata past the limits of :class:`~coffer.wallets.settings.WalletSettings`
    (``metadata_max_*``) or that is not valid Unicode (a lone surrogate cannot be stored)."""
    import json

    from coffer.wallets.settings import get_wallet_settings

    settings = get_wallet_settings()
    if len(metadata) > settings.metadata_max_keys:
        raise ValueError(
            f"metadata has {len(metadata)} keys; at most {settings.metadata_max_keys} are accepted"
        )
    for key, value in metadata.items():
        if not key or len(key) > settings.metadata_max_key_length:
            raise ValueError(
                f"metadata key {key[:40]!r}: keys are 1 to {settings.metadata_max_key_length} "
                "characters long"
            )
        if len(value) > settings.metadata_max_value_length:
            raise ValueError(
                f"metadata {key!r}: values are at most {settings.metadata_max_value_length} "
                "characters long"
            )
        if not (key.isascii() and value.isascii()):
            try:
                key.encode("utf-8")
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(
                    f"metadata {key[:40]!r} is not valid Unicode (a lone surrogate such as "
                    "\\ud800): send UTF-8 text"
                ) from None
    size = len(json.dumps(metadata))
    if size > settings.metadata_max_bytes:
        raise ValueError(
            f"metadata takes {size} bytes as JSON; at most {settings.metadata_max_bytes} are "
            "accepted"
        )
    return metadata


# Metadata in a request: bounded in keys, key length, value length and total size.
RequestMetadata = Annotated[dict[str, str], AfterValidator(check_metadata)]

CustomerKind = Literal["natural", "legal"]
KycLevel = Literal["none", "light", "verified"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListPage(BaseModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool


class ListQuery(Model):
    """The query string of every list endpoint: a cursor page, newest first, and filters
    (each one given must hold). Unknown parameters are refused (422)."""

    limit: int = Field(default=10, ge=1, le=100, description="Objects per page (1 to 100).")
    starting_after: str | None = Field(
        default=None,
        max_length=40,
        description="Cursor: the id of the last object of the previous page.",
    )
    customer_id: str | None = Field(
        default=None, max_length=40, description="Only objects of this customer (its wallets)."
    )
    wallet_id: str | None = Field(
        default=None, max_length=40, description="Only objects moving money of this wallet."
    )
    status: str | None = Field(default=None, max_length=32, description="Only in this status.")
    created_gte: datetime | None = Field(
        default=None, description="Only objects created at or after this time (ISO 8601)."
    )
    created_lt: datetime | None = Field(
        default=None, description="Only objects created before this time (ISO 8601)."
    )

    @classmethod
    def of(cls, query: ListQuery | None, filters: dict[str, Any]) -> ListQuery:
        """``query``, or one made of keyword filters (the services' Python calls)."""
        return cls(**filters) if query is None else query


class Address(Model):
    line1: str = Field(max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(max_length=100)
    postal_code: str = Field(max_length=20)
    country: str = Field(min_length=2, max_length=2)


class CustomerCreate(Model):
    kind: CustomerKind
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    birth_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    address: Address | None = None
    metadata: RequestMetadata = Field(default_factory=dict)


class Customer(BaseModel):
    object: Literal["customer"] = "customer"
    id: str
    kind: CustomerKind
    kyc_level: KycLevel
    name: str
    email: str | None
    birth_date: str | None
    address: Address | None
    metadata: dict[str, str]
    created_at: datetime
    erased_at: datetime | None = Field(
        default=None,
        description="When the customer's personal data was erased (crypto-shredded): name "
        "reads empty, email, birth date and address null, metadata empty. Null: not erased.",
    )

    def __repr__(self) -> str:  # never print personal data
        return f"Customer(id={self.id!r}, kind={self.kind!r}, kyc_level={self.kyc_level!r})"

    __str__ = __repr__


class RedactedCustomer(BaseModel):
    """A customer as events carry it: without its personal data (name, email, birth date,
    address, metadata), which is encrypted at rest and never sent in clear; GET the
    customer."""

    object: Literal["customer"] = "customer"
    id: str
    kind: CustomerKind
    kyc_level: KycLevel
    created_at: datetime
    erased_at: datetime | None = None


class ConsentCreate(Model):
    type: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9_.:-]*$",
        description="What the consent is for, in the platform's words: terms, "
        "marketing_email, data_sharing:partner_x, ...",
    )
    version: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="The version of the text the customer agreed to (or withdrew from).",
    )
    status: Literal["granted", "withdrawn"]


class Consent(BaseModel):
    object: Literal["consent"] = "consent"
    id: str
    customer_id: str
    type: str
    version: str
    status: Literal["granted", "withdrawn"]
    recorded_by: str = Field(description="Who recorded it: an API client id or cli:<user>.")
    address: str | None = Field(description="From where it was recorded, if known.")
    created_at: datetime


class KycDocumentCreate(Model):
    type: Literal["identity_proof", "address_proof", "registration_proof"]
    name: str = Field(min_length=1, max_length=255)
    level: Literal["light", "verified"] = "verified"


class KycDocument(BaseModel):
    object: Literal["kyc_document"] = "kyc_document"
    id: str
    customer_id: str
    type: str
    level: str
    status: Literal["validation_asked", "validated", "refused"]
    refused_reason: str | None
    created_at: datetime


class KycReview(Model):
    decision: Literal["approve", "refuse"]
    reason: str | None = Field(default=None, max_length=500)


class WalletCreate(Model):
    customer_id: str
    currency: str = Field(min_length=3, max_length=3)
    description: str | None = Field(default=None, max_length=500)


class Wallet(BaseModel):
    object: Literal["wallet"] = "wallet"
    id: str
    customer_id: str | None
    kind: Literal["customer", "fees", "credit"]
    currency: str
    status: Literal["active", "frozen", "closed"]
    balance: int
    available: int
    bank_reference: str | None
    description: str | None
    created_at: datetime


class StatementLine(BaseModel):
    transaction_id: int
    timestamp: datetime
    amount: int  # signed: positive in, negative out
    balance: int  # running balance after this line
    type: str | None
    reference_id: str | None


class Statement(BaseModel):
    object: Literal["statement"] = "statement"
    wallet_id: str
    currency: str
    data: list[StatementLine]
    has_more: bool
    next_cursor: str | None


class TransferCreate(Model):
    debited_wallet_id: str
    credited_wallet_id: str
    amount: StrictAmount = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    fee: StrictAmount = Field(default=0, ge=0)
    metadata: RequestMetadata = Field(default_factory=dict)


class Transfer(BaseModel):
    object: Literal["transfer"] = "transfer"
    id: str
    debited_wallet_id: str
    credited_wallet_id: str
    amount: int
    fee: int
    credited_amount: int
    currency: str
    status: Literal["pending", "in_review", "succeeded", "failed"]
    failure_code: str | None
    ledger_transaction_id: int | None
    metadata: dict[str, str]
    created_at: datetime


class PaymentCreate(Model):
    buyer_wallet_id: str
    seller_wallet_id: str
    amount: StrictAmount = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
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
    amount: StrictAmount = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
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
    amount: StrictAmount = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)


class BankAccountCreate(Model):
    customer_id: str
    holder_name: str = Field(min_length=1, max_length=140)
    iban: str = Field(min_length=15, max_length=42)
    bic: str | None = Field(default=None, min_length=8, max_length=11)


class BankAccount(BaseModel):
    object: Literal["bank_account"] = "bank_account"
    id: str
    customer_id: str
    holder_name: str
    iban_last4: str
    country: str
    bic: str
    created_at: datetime

    def __repr__(self) -> str:
        return f"BankAccount(id={self.id!r}, iban_last4={self.iban_last4!r})"

    __str__ = __repr__


class RedactedBankAccount(BaseModel):
    """A bank account as events carry it: without the holder's name (GET the account)."""

    object: Literal["bank_account"] = "bank_account"
    id: str
    customer_id: str
    iban_last4: str
    country: str
    bic: str
    created_at: datetime


class PayoutCreate(Model):
    wallet_id: str
    bank_account_id: str
    amount: StrictAmount = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)


class Payout(BaseModel):
    object: Literal["payout"] = "payout"
    id: str
    wallet_id: str
    bank_account_id: str
    amount: int
    currency: str
    status: Literal["pending", "in_review", "created", "processing", "paid", "failed", "returned"]
    batch_id: str | None
    failure_code: str | None
    created_at: datetime


class PayoutBatch(BaseModel):
    """A pain.001.001.03 credit transfer file of payouts, to hand to the platform's bank
    (``GET /payout_batches/{id}/pain001`` downloads the file itself again)."""

    object: Literal["payout_batch"] = "payout_batch"
    id: str
    payout_ids: list[str]
    xml: str
    created_at: datetime | None = None


class PayoutOutcome(Model):
    status: Literal["paid", "failed", "returned"]
    failure_code: str | None = Field(default=None, max_length=64)


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


ErrorType = Literal[
    "invalid_request_error",
    "authentication_error",
    "card_error",
    "idempotency_error",
    "api_error",
]


class ApiErrorBody(BaseModel):
    """Stripe's error object: ``type`` groups errors, ``code`` names one exactly; ``param``
    names the request parameter at fault and ``decline_code`` the issuer's reason of a
    declined card, when there is one (docs/errors.md lists every code)."""

    type: ErrorType
    code: str
    message: str
    param: str | None = None
    decline_code: str | None = None
    details: dict[str, Any] | None = None


class ApiError(BaseModel):
    """What every failed wallets request answers, with the error's HTTP status."""

    error: ApiErrorBody


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
    "payment.authorized",
    "payment.failed",
    "payment.captured",
    "payment.voided",
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
    "dispute.created",
    "dispute.won",
    "dispute.lost",
    "bank_account.created",
    "payout.created",
    "payout.processing",
    "payout.paid",
    "payout.failed",
    "payout.returned",
)
