"""Request and response models of the assistant API (amounts in minor units)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AskRequest(BaseModel):
    """Unknown fields are ignored (clients may send a language or a conversation id)."""

    model_config = ConfigDict(extra="ignore")

    question: str = Field(min_length=1, max_length=1000)
    today: date | None = Field(
        default=None,
        ge=date(2000, 1, 1),
        le=date(2100, 12, 31),
        description="Answer as of this date (tests)",
    )


class PeriodOut(BaseModel):
    start: str
    end: str


class AskAnswer(BaseModel):
    answer: str
    intent: str
    value: Any
    currency: str | None
    period: PeriodOut | None
    data: dict[str, Any]


class CorrectionCreate(Model):
    transaction_id: str = Field(min_length=1, max_length=80)
    primary: str = Field(min_length=2, max_length=64)
    detailed: str | None = Field(default=None, max_length=96)
    merchant: str | None = Field(default=None, max_length=200)


class RuleCondition(Model):
    """One condition: ``field`` (description, merchant, counterparty, mcc, amount, currency,
    direction), ``operator`` (contains, not_contains, is, starts_with, ends_with, matches,
    one_of; on amount: is, one_of, greater_than, less_than, between) and ``value``."""

    field: str = Field(min_length=1, max_length=20)
    operator: str = Field(min_length=1, max_length=20)
    value: str | int | list[str | int]


class RuleCreate(Model):
    """A categorization rule: when all (``match`` "all") or any of its conditions hold, the
    transaction gets ``category`` (a Plaid detailed category)."""

    name: str = Field(default="", max_length=200)
    stage: Literal["pre", "default", "post"] = "pre"
    match: Literal["all", "any"] = "all"
    conditions: list[RuleCondition] = Field(min_length=1, max_length=20)
    category: str = Field(min_length=2, max_length=96)
    position: int = Field(default=0, ge=-1_000_000, le=1_000_000)


class RuleOut(BaseModel):
    id: str
    name: str
    stage: str
    match: str
    position: int
    conditions: list[dict[str, Any]]
    category: str | None
    created_at: int
    updated_at: int


class BudgetCreate(Model):
    category: str = Field(min_length=2, max_length=96, description="Plaid primary or detailed")
    amount: int = Field(gt=0, description="Per month, minor units")
    currency: str = Field(min_length=3, max_length=3)
    rollover: bool = True
    start_month: date | None = Field(default=None, ge=date(2000, 1, 1), le=date(2100, 12, 31))


class BudgetOut(BaseModel):
    id: str
    category: str
    amount: int
    currency: str
    rollover: bool
    start_month: date | None


class GoalCreate(Model):
    name: str = Field(min_length=1, max_length=200)
    target_amount: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    target_date: date | None = Field(default=None, ge=date(2000, 1, 1), le=date(2100, 12, 31))
    saved_amount: int = Field(default=0, ge=0)


class ContributionCreate(Model):
    amount: int
    day: date | None = Field(default=None, ge=date(2000, 1, 1), le=date(2100, 12, 31))


class ImportRequest(Model):
    format: Literal["csv", "ofx", "qfx", "camt053"]
    content: str = Field(min_length=1, max_length=20_000_000)
    account_name: str | None = Field(default=None, max_length=200)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    mapping: dict[str, str] | None = Field(default=None, description="CSV: field -> column")
    date_format: str | None = None
    delimiter: str | None = Field(default=None, max_length=1)
    decimal_comma: bool = False


class ImportResult(BaseModel):
    account_id: str
    account_name: str
    lines: int
    imported: int
    duplicates: int


AlertKind = Literal[
    "outlier",
    "duplicate_charge",
    "price_increase",
    "low_balance_bill",
    "bill_due",
    "budget_pace",
    "budget_exceeded",
    "low_balance_forecast",
]


class AlertObject(BaseModel):
    """An alert as its ``assistant.alert.<kind>`` event carries it (``data.object``)."""

    customer_id: str
    type: str
    kind: AlertKind
    date: str
    message: str
    amount: int = Field(description="Minor units of currency")
    currency: str
    transaction_ids: list[str]
