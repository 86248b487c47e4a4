"""Wallets, their statements and transfers between them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from coffer.wallets.schemas.common import (
    CurrencyCode,
    Model,
    PositiveAmount,
    RequestMetadata,
    StrictAmount,
)


class WalletCreate(Model):
    customer_id: str
    currency: CurrencyCode
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
    amount: PositiveAmount
    currency: CurrencyCode
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
