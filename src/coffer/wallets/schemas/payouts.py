"""Bank accounts, payouts and payout batches."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from coffer.wallets.schemas.common import CurrencyCode, Model, PositiveAmount


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
    amount: PositiveAmount
    currency: CurrencyCode


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
