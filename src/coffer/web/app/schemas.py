"""Requests and answers of the end-user API's domain routes (``/api/me/v1``): the
assistant, the customer's automations, conversions and loyalty points. Amounts in minor
units of the currency named."""

from __future__ import annotations

from datetime import date, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from coffer.assistant.schemas import GoalCreate as GoalCreate  # the assistant API's own
from coffer.fx.loyalty import schemas as L

Id = Field(min_length=1, max_length=80)
Recipe = Literal["round_up", "payday", "sweep", "recurring_payment"]
Ends = Literal["never", "on_date", "after"]
MAX_OCCURRENCES = 600  # fifty years of monthly payments


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategorizedLine(BaseModel):
    id: str = Field(description="The line's id (wallet id:ledger transaction id)")
    date: date
    amount: int = Field(description="Signed: negative for money out")
    currency: str
    description: str
    merchant: str | None
    primary: str | None = Field(description="Plaid primary category; null: in the review queue")
    detailed: str | None
    confidence: float
    category_source: str = Field(description="categorizer, correction (yours) or metadata")


class Recategorize(Model):
    category: str = Field(
        min_length=2, max_length=96, description="A detailed category (or a primary one)"
    )


class BudgetCreate(Model):
    category: str = Field(min_length=2, max_length=96, description="Plaid primary or detailed")
    amount: int = Field(gt=0, description="Per month, minor units")
    currency: str = Field(min_length=3, max_length=3)
    rollover: bool = True


class Question(Model):
    question: str = Field(min_length=1, max_length=1000)


class RuleCreate(Model):
    """A rule from a recipe: ``round_up`` (card payments of ``wallet_id`` rounded up to
    the next unit, the difference into a pot), ``payday`` (``amount`` every month on
    ``day`` into a pot), ``sweep`` (what is above ``threshold`` into a pot),
    ``recurring_payment`` (``amount`` every month on ``day`` to a saved person)."""

    recipe: Recipe
    wallet_id: str = Id
    name: str | None = Field(default=None, max_length=200)
    amount: int | None = Field(default=None, gt=0)
    threshold: int | None = Field(default=None, gt=0)
    day: int = Field(default=25, ge=1, le=28, description="Day of the month (schedules)")
    pot_name: str | None = Field(
        default=None, max_length=80, description="The pot money goes into (default Savings)"
    )
    beneficiary_id: str | None = Field(default=None, max_length=80)
    at: time = Field(default=time(9, 0), description="Time of day of the schedules (local)")
    time_zone: str = Field(
        default="UTC", max_length=64, description="IANA time zone of the day and time"
    )
    ends: Ends = Field(
        default="never",
        description="Schedules: run until cancelled (never), until end_date (on_date, RRULE "
        "UNTIL) or occurrences times (after, RRULE COUNT)",
    )
    end_date: date | None = Field(default=None, description="The last day (ends=on_date)")
    occurrences: int | None = Field(
        default=None, ge=1, le=MAX_OCCURRENCES, description="How many times (ends=after)"
    )


class PotWithdrawal(Model):
    amount: int = Field(gt=0, description="Minor units moved back to the wallet")


class ConversionQuote(Model):
    wallet_id: str = Field(min_length=1, max_length=40, description="The wallet sold from")
    to_currency: str = Field(min_length=3, max_length=3)
    amount: int = Field(gt=0, description="Minor units of the wallet's currency to sell")


class ConversionCreate(Model):
    quote_id: str = Field(min_length=1, max_length=40)
    wallet_id: str = Field(min_length=1, max_length=40, description="The wallet sold from")


class LoyaltyBalance(BaseModel):
    program: L.Program
    account: L.Account
    lots: list[L.Lot]


class Redemption(Model):
    program_id: str = Field(min_length=1, max_length=40)
    points: int = Field(gt=0, le=L.MAX_POINTS)
    wallet_id: str = Field(min_length=1, max_length=40, description="The cash wallet credited")


class Insights(BaseModel):
    currency: str
    recurring: list[dict[str, Any]]
    forecast: dict[str, Any]
