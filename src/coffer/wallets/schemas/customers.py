"""Customers, their consents and KYC documents."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from coffer.wallets.schemas.common import CustomerKind, KycLevel, Model, RequestMetadata

ConsentStatus = Literal["granted", "withdrawn"]


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
    status: ConsentStatus


class Consent(BaseModel):
    object: Literal["consent"] = "consent"
    id: str
    customer_id: str
    type: str
    version: str
    status: ConsentStatus
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
