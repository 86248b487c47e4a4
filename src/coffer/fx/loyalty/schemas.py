"""Requests and responses of the loyalty API, and the program's rules."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_POINTS = 10**15  # per award, redemption or payment
Currency = Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")


EarnOn = Literal["payment", "payin_card"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EarnRule(Model):
    """Points per major unit spent, for payments matching ``currency``/``mcc``/``campaign``
    (None: any) within ``starts_at``..``ends_at``; each rule capped per payment by ``cap``.
    Every matching rule adds its points (a base rule plus bonus rules)."""

    points_per_unit: Decimal = Field(ge=0, le=1_000_000, allow_inf_nan=False, max_digits=30)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    mcc: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    campaign: str | None = Field(default=None, max_length=40)
    cap: int | None = Field(default=None, ge=0, le=MAX_POINTS)
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class Tier(Model):
    name: str = Field(min_length=1, max_length=40)
    min_points: int = Field(ge=0)


class ProgramCreate(Model):
    name: str = Field(min_length=1, max_length=100)
    asset: str = Field(default="POINTS", pattern=r"^[A-Z][A-Z0-9]{0,16}(_[A-Z0-9]{1,16})?(/0)?$")
    cash_currency: str = Currency
    redemption_rate: Decimal = Field(
        gt=0,
        le=1_000_000,
        allow_inf_nan=False,
        max_digits=30,
        description="minor units of cash_currency one point redeems for",
    )
    expiry_days: int | None = Field(default=365, ge=1, le=36_500)
    earn_rules: list[EarnRule] = Field(default_factory=list, max_length=100)
    tiers: list[Tier] = Field(default_factory=list, max_length=20)
    tier_window_days: int = Field(default=365, ge=1, le=3650)
    earn_on: list[EarnOn] = Field(
        default_factory=lambda: list[EarnOn](["payment"]),
        max_length=2,
        description="the wallets movements that earn points with their own transaction: "
        "merchant payments (when settled) and card pay-ins",
    )


class Program(ProgramCreate):
    object: Literal["loyalty_program"] = "loyalty_program"
    id: str
    created_at: datetime


class AwardCreate(Model):
    customer_id: str = Field(max_length=40)
    points: int = Field(gt=0, le=MAX_POINTS)
    reason: str = Field(default="award", max_length=40)
    campaign: str | None = Field(default=None, max_length=40)


class PurchaseCreate(Model):
    """A wallet payment that earns points: the payment and the award in one ledger
    transaction."""

    from_wallet_id: str = Field(max_length=40)
    to_wallet_id: str = Field(max_length=40)
    amount: int = Field(gt=0)
    currency: str = Currency
    mcc: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    campaign: str | None = Field(default=None, max_length=40)
    redeem_points: int = Field(
        default=0,
        ge=0,
        le=MAX_POINTS,
        description="points that pay part of the amount (floor(points x redemption rate) "
        "minor units, from the program's funding); the rest is paid from the wallet and earns",
    )


class RedemptionCreate(Model):
    customer_id: str = Field(max_length=40)
    points: int = Field(gt=0, le=MAX_POINTS)
    wallet_id: str = Field(max_length=40, description="the customer's cash wallet")


class Lot(BaseModel):
    object: Literal["loyalty_lot"] = "loyalty_lot"
    id: str
    customer_id: str
    points: int
    remaining: int
    status: Literal["pending", "active", "failed"]
    reason: str
    campaign: str | None
    earned_at: datetime
    expires_at: datetime | None
    ledger_transaction_id: int | None


class Purchase(BaseModel):
    object: Literal["loyalty_purchase"] = "loyalty_purchase"
    lot: Lot | None
    points: int
    amount: int
    currency: str
    ledger_transaction_id: int
    redemption: Movement | None = None
    paid_with_points: int = 0  # minor units of the amount the points paid


class Movement(BaseModel):
    object: Literal["loyalty_movement"] = "loyalty_movement"
    id: str
    kind: Literal["redeem", "expire", "clawback"]
    customer_id: str
    points: int
    cash_amount: int | None
    wallet_id: str | None
    lots: dict[str, int]
    status: Literal["pending", "succeeded", "failed"]
    ledger_transaction_id: int | None
    created_at: datetime
    source_id: str | None = None  # a clawback: the refunded payment or pay-in
    forgiven: int = 0  # a clawback: points already spent, not taken back


class ExpiringLine(BaseModel):
    expires_at: datetime | None
    points: int
    lots: list[str]


class Account(BaseModel):
    object: Literal["loyalty_account"] = "loyalty_account"
    program_id: str
    customer_id: str
    balance: int
    tier: str | None
    points_in_window: int
    expiring: list[ExpiringLine]


class ExpiryRun(BaseModel):
    expired_points: int
    movements: list[Movement]


Purchase.model_rebuild()  # it names Movement, defined after it
