"""Request and response models of payment batches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from coffer.automations.schemas import ListPage, Model

__all__ = ["ListPage"]

Convention = Literal["following", "preceding", "modified_following"]
LineStatus = Literal[
    "pending", "paid", "submitted", "failed_insufficient_funds", "failed", "cancelled"
]
BatchStatus = Literal[
    "pending_approval",
    "scheduled",
    "waiting_funds",
    "executing",
    "completed",
    "rejected",
    "cancelled",
    "expired",
]


class BusinessDaysRule(Model):
    """Move the execution day off weekends and the public holidays of ``country``."""

    country: str = Field(min_length=2, max_length=8, examples=["FR", "TARGET"])
    convention: Convention = "following"
    subdivision: str | None = Field(default=None, max_length=8)


class LineIn(Model):
    """One payee: a Coffer wallet (``wallet_id``), or a bank account (``iban``, ``bic``,
    ``name``). ``amount``: an integer in minor units, or a decimal string with the
    currency's exponent (``"1234.50"``)."""

    wallet_id: str | None = Field(default=None, max_length=40)
    iban: str | None = Field(default=None, max_length=64)
    bic: str | None = Field(default=None, max_length=16)
    name: str | None = Field(default=None, max_length=140)
    amount: int | str
    currency: str | None = Field(default=None, max_length=8)
    reference: str | None = Field(default=None, max_length=140)


class BatchOptions(Model):
    """What a batch is, besides its lines."""

    source_wallet_id: str = Field(max_length=40)
    currency: str = Field(min_length=3, max_length=3)
    name: str | None = Field(default=None, max_length=200)
    funding_policy: Literal["wait", "partial"] = "wait"
    approvals: int = Field(default=1, ge=1, le=10, description="Approvers needed")
    approval_timeout_seconds: float | None = Field(default=None, gt=0, le=90 * 86400)
    execute_on: date | None = Field(default=None, description="Day to pay (default: at once)")
    business_days: BusinessDaysRule | None = None
    created_by: str | None = Field(
        default=None, max_length=200, description="The maker (default: the API client)"
    )


class BatchCreate(BatchOptions):
    """A batch from JSON ``lines`` or from ``csv`` text (header ``wallet_id,iban,bic,name,
    amount,currency,reference``)."""

    lines: list[LineIn] | None = Field(default=None, max_length=100_000)
    csv: str | None = Field(default=None, max_length=20_000_000)
    validate_only: bool = False


class LineError(BaseModel):
    code: str
    message: str
    field: str | None = None


class LineReport(BaseModel):
    line_number: int
    errors: list[LineError]


class ValidationReport(BaseModel):
    object: Literal["payment_batch_validation"] = "payment_batch_validation"
    valid: bool
    line_count: int
    total_amount: int
    currency: str
    wallet_lines: int
    bank_lines: int
    errors: list[LineError] = Field(description="Errors of the batch as a whole")
    lines: list[LineReport] = Field(description="Lines with errors (the first 1000)")
    invalid_lines: int


class Line(BaseModel):
    object: Literal["payment_batch_line"] = "payment_batch_line"
    batch_id: str
    line_number: int
    kind: Literal["wallet", "bank"]
    wallet_id: str | None
    iban: str | None
    bic: str | None
    name: str | None
    amount: int
    currency: str
    reference: str | None
    status: LineStatus
    transfer_id: str | None
    payout_id: str | None
    failure_code: str | None
    failure_message: str | None


class Batch(BaseModel):
    object: Literal["payment_batch"] = "payment_batch"
    id: str
    name: str | None
    status: BatchStatus
    source_wallet_id: str
    currency: str
    funding_policy: Literal["wait", "partial"]
    required_approvals: int
    approval_id: str | None
    approval_expires_at: datetime | None
    created_by: str
    execute_on: date | None
    execute_at: datetime
    line_count: int
    total_amount: int
    summary: dict[str, Any] | None
    payout_batch_id: str | None
    completed_at: datetime | None
    created_at: datetime


class LimitsSet(Model):
    """A platform's limits of its batches in one currency, in minor units; a field left
    out (or null) takes the default setting (COFFER_PAYROLL_MAX_LINES, ...)."""

    max_lines: int | None = Field(default=None, ge=1, le=100_000, description="Lines a batch")
    max_line_amount: int | None = Field(
        default=None, gt=0, lt=2**128, description="Largest amount of one line"
    )
    max_batch_total: int | None = Field(
        default=None, gt=0, lt=2**128, description="Largest total of one batch"
    )


class Limits(BaseModel):
    """The limits a batch in ``currency`` is validated against."""

    object: Literal["payment_batch_limits"] = "payment_batch_limits"
    currency: str
    max_lines: int
    max_line_amount: int
    max_batch_total: int
    set_by_platform: list[str] = Field(
        description="The limits the platform set; the others are the default settings"
    )
    updated_by: str | None
    updated_at: datetime | None


class Decision(Model):
    approver: str | None = Field(
        default=None, max_length=200, description="Who decides (default: the API client)"
    )
    note: str | None = Field(default=None, max_length=500)
