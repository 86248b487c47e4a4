"""What a spending policy says and how one movement fares against it (pure: no I/O;
rules are stored as JSON text).

A policy's rules: a per-transaction maximum, velocity limits per calendar day, week (ISO,
from Monday) or month (amount and/or count, in the policy's time zone), allowed and blocked
counterparties and merchant categories (MCC), and time-of-day windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coffer.automations.repository import dumps, loads
from coffer.wallets import currencies

Window = Literal["day", "week", "month"]
Kind = Literal["transfer", "payment", "payout"]
WINDOW_WORDS = {"day": "daily", "week": "weekly", "month": "monthly"}
MAX_LIMIT = 2**63 - 1  # usage counters are 64-bit
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPENDING_KINDS = ("transfer", "payment", "payout")


def _all_kinds() -> list[Kind]:
    return ["transfer", "payment", "payout"]


class VelocityLimit(BaseModel):
    """At most ``amount`` (minor units) and/or ``count`` movements per calendar window."""

    model_config = ConfigDict(extra="forbid")

    window: Window
    amount: int | None = Field(default=None, ge=0, le=MAX_LIMIT)
    count: int | None = Field(default=None, ge=0, le=2**31 - 1)

    @model_validator(mode="after")
    def _something(self) -> VelocityLimit:
        if self.amount is None and self.count is None:
            raise ValueError(f"a {self.window} limit needs an amount, a count or both")
        return self


class Hours(BaseModel):
    """Movements only between ``start`` and ``end`` (local time, ``end`` excluded; an
    ``end`` before ``start`` spans midnight), on ``days`` (all days when omitted)."""

    model_config = ConfigDict(extra="forbid")

    start: time
    end: time
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] | None = None

    def allows(self, local: datetime) -> bool:
        if self.days is not None and DAYS[local.weekday()] not in self.days:
            return False
        now = local.time().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end


class PolicyRules(BaseModel):
    """The rules of one version of a policy."""

    model_config = ConfigDict(extra="forbid")

    currency: str | None = Field(
        default=None, description="Currency of the amount rules (required with any)."
    )
    time_zone: str = Field(
        default="UTC",
        description="IANA zone of the calendar windows and hours (the platform's or customer's).",
    )
    movement_kinds: list[Kind] = Field(default_factory=_all_kinds)
    max_per_transaction: int | None = Field(default=None, ge=0, le=MAX_LIMIT)
    limits: list[VelocityLimit] = Field(default_factory=list, max_length=3)
    allowed_counterparties: list[str] | None = Field(default=None, max_length=1000)
    blocked_counterparties: list[str] = Field(default_factory=list, max_length=1000)
    allowed_merchant_categories: list[str] | None = Field(default=None, max_length=1000)
    blocked_merchant_categories: list[str] = Field(default_factory=list, max_length=1000)
    hours: Hours | None = None

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris)") from error
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return None if value is None else currencies.check_currency(value)

    @model_validator(mode="after")
    def _consistent(self) -> PolicyRules:
        windows = [limit.window for limit in self.limits]
        if len(set(windows)) != len(windows):
            raise ValueError("one limit per window (day, week, month)")
        amounts = self.max_per_transaction is not None or any(
            limit.amount is not None for limit in self.limits
        )
        if amounts and self.currency is None:
            raise ValueError("amount rules need the policy's currency")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone)

    def text(self) -> str:
        """The rules as stored (JSON)."""
        return dumps(self.model_dump(mode="json", exclude_none=False))

    @classmethod
    def of_text(cls, text: str) -> PolicyRules:
        """The rules stored as ``text`` (JSON)."""
        return cls.model_validate(loads(text))


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def window_start(window: str, local: datetime) -> date:
    """The first local day of the calendar ``window`` holding ``local``."""
    day = local.date()
    if window == "day":
        return day
    if window == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def local_time(rules: PolicyRules, at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC).astimezone(rules.zone)


def window_starts(time_zone: str, at: float) -> dict[str, str]:
    """The first local day (ISO) of each calendar window holding ``at`` in ``time_zone``
    (the same for a whole minute: windows start on local midnights)."""
    return _window_starts(time_zone, int(at // 60))


@lru_cache(maxsize=4096)
def _window_starts(time_zone: str, minute: int) -> dict[str, str]:
    local = datetime.fromtimestamp(minute * 60, UTC).astimezone(_zone(time_zone))
    return {window: window_start(window, local).isoformat() for window in WINDOW_WORDS}


def money(currency: str, amount: int) -> str:
    """``43000`` EUR -> ``430.00 EUR``."""
    exponent = currencies.exponent(currency)
    return f"{currencies.to_major(currency, amount):.{exponent}f} {currency}"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a rule refuses a movement: the rule's name and a message naming the limit."""

    rule: str
    message: str


def static_refusal(
    rules: PolicyRules,
    policy_id: str,
    *,
    amount: int,
    currency: str,
    counterparty: str | None,
    mcc: str | None,
    at: float,
) -> Refusal | None:
    """The first rule (other than velocity) that refuses a movement at ``at`` (a
    timestamp), or None."""
    of = f"of policy {policy_id}"
    has_amounts = rules.max_per_transaction is not None or any(
        limit.amount is not None for limit in rules.limits
    )
    if has_amounts and currency != rules.currency:
        return Refusal(
            "currency", f"policy {policy_id} limits {rules.currency} amounts; this is {currency}"
        )
    if rules.max_per_transaction is not None and amount > rules.max_per_transaction:
        assert rules.currency is not None
        return Refusal(
            "per_transaction",
            f"per-transaction limit {money(rules.currency, rules.max_per_transaction)} {of}: "
            f"{money(currency, amount)} asked",
        )
    if counterparty is not None and counterparty in rules.blocked_counterparties:
        return Refusal("blocked_counterparty", f"counterparty {counterparty} is blocked {of}")
    if (
        rules.allowed_counterparties is not None
        and counterparty not in rules.allowed_counterparties
    ):
        return Refusal(
            "allowed_counterparties",
            f"counterparty {counterparty or '(none)'} is not among the allowed ones {of}",
        )
    if mcc is not None and mcc in rules.blocked_merchant_categories:
        return Refusal("blocked_merchant_category", f"merchant category {mcc} is blocked {of}")
    if (
        mcc is not None
        and rules.allowed_merchant_categories is not None
        and mcc not in rules.allowed_merchant_categories
    ):
        return Refusal(
            "allowed_merchant_categories",
            f"merchant category {mcc} is not among the allowed ones {of}",
        )
    if rules.hours is not None and not rules.hours.allows(local := local_time(rules, at)):
        hours = rules.hours
        days = ", ".join(hours.days) if hours.days else "every day"
        return Refusal(
            "hours",
            f"movements are allowed {hours.start:%H:%M}-{hours.end:%H:%M} ({days}, "
            f"{rules.time_zone}) {of}: it is {local:%a %H:%M}",
        )
    return None


def velocity_refusal(
    rules: PolicyRules,
    policy_id: str,
    limit: VelocityLimit,
    *,
    amount: int,
    amount_used: int,
    count_used: int,
) -> Refusal:
    """The message of a velocity limit the movement does not fit (given what is used)."""
    word = WINDOW_WORDS[limit.window]
    of = f"of policy {policy_id}"
    if limit.amount is not None and amount_used + amount > limit.amount:
        assert rules.currency is not None
        return Refusal(
            f"{word}_amount",
            f"{word} amount limit {money(rules.currency, limit.amount)} {of}: "
            f"{money(rules.currency, amount_used)} already spent",
        )
    return Refusal(
        f"{word}_count",
        f"{word} count limit {limit.count} {of}: {count_used} movements already made",
    )
