"""Requests and responses of the fx API (amounts in minor units, rates as decimal text)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coffer.fx.settings import MAX_QUOTE_SECONDS
from coffer.wallets import schemas as WS

Currency = Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateSet(Model):
    base: str = Currency
    quote: str = Currency
    rate: Decimal = Field(
        gt=0,
        allow_inf_nan=False,
        max_digits=40,
        description="quote major units per base major unit",
    )
    as_of: datetime | None = Field(default=None, description="default: now")


class Rate(BaseModel):
    object: Literal["fx_rate"] = "fx_rate"
    base: str
    quote: str
    rate: str
    source: str
    as_of: datetime


class RateList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Rate]


class RefreshResult(BaseModel):
    stored: int


class PricingSet(Model):
    pair: str = Field(default="*", pattern=r"^(\*|[A-Z]{3}/[A-Z]{3})$")
    tier: str = Field(default="*", min_length=1, max_length=40)
    spread_bps: int = Field(ge=0, lt=10_000)
    fee_bps: int = Field(default=0, ge=0, lt=10_000)
    fee_fixed: int = Field(default=0, ge=0, description="minor units of the sell currency")


class PricingRule(PricingSet):
    object: Literal["fx_pricing"] = "fx_pricing"


class CustomerTierSet(Model):
    tier: str = Field(min_length=1, max_length=40)


class CustomerTier(BaseModel):
    object: Literal["fx_customer_tier"] = "fx_customer_tier"
    customer_id: str
    tier: str


class QuoteCreate(Model):
    sell_currency: str = Currency
    buy_currency: str = Currency
    sell_amount: int | None = Field(default=None, gt=0)
    buy_amount: int | None = Field(default=None, gt=0)
    customer_id: str | None = Field(default=None, max_length=40)
    lifetime_seconds: int | None = Field(default=None, ge=1, le=MAX_QUOTE_SECONDS)
    at: datetime | None = Field(
        default=None, description="price at this past time (its rates); default now"
    )

    @model_validator(mode="after")
    def _one_amount(self) -> QuoteCreate:
        WS.exactly_one(self, "sell_amount", "buy_amount")
        if self.sell_currency == self.buy_currency:
            raise ValueError("sell_currency and buy_currency must differ")
        return self


class Quote(BaseModel):
    object: Literal["fx_quote"] = "fx_quote"
    id: str
    customer_id: str | None
    side: Literal["sell", "buy"]
    sell_currency: str
    buy_currency: str
    sell_amount: int
    buy_amount: int
    fee: int
    spread_amount: int
    mid_rate: str
    customer_rate: str
    rate_source: str
    rate_as_of: datetime
    spread_bps: int
    fee_bps: int
    fee_fixed: int
    tier: str
    effective_at: datetime
    status: Literal["open", "used", "expired"]
    created_at: datetime
    expires_at: datetime


class ConversionCreate(Model):
    quote_id: str = Field(max_length=40)
    from_wallet_id: str = Field(max_length=40)
    to_wallet_id: str = Field(max_length=40)
    metadata: dict[str, str] = Field(default_factory=dict)


class CrossBorderTransferCreate(Model):
    """Pay a wallet in another currency: give ``quote_id``, or one amount to quote now
    (``buy_amount``: what the recipient gets, guaranteed)."""

    from_wallet_id: str = Field(max_length=40)
    to_wallet_id: str = Field(max_length=40)
    quote_id: str | None = Field(default=None, max_length=40)
    sell_amount: int | None = Field(default=None, gt=0)
    buy_amount: int | None = Field(default=None, gt=0)
    metadata: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> CrossBorderTransferCreate:
        return WS.exactly_one(self, "quote_id", "sell_amount", "buy_amount")


class Conversion(BaseModel):
    object: Literal["fx_conversion"] = "fx_conversion"
    id: str
    kind: Literal["conversion", "transfer"]
    quote_id: str
    from_wallet_id: str
    to_wallet_id: str
    sell_currency: str
    buy_currency: str
    sell_amount: int
    buy_amount: int
    fee: int
    status: Literal["pending", "succeeded"]
    ledger_transaction_id: int | None
    metadata: dict[str, str]
    created_at: datetime


class ConversionList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Conversion]
    has_more: bool


class ValuedBalance(BaseModel):
    wallet_id: str
    currency: str
    balance: int
    rate: str
    value: int  # minor units of the reporting currency, rounded half to even


class Valuation(BaseModel):
    object: Literal["fx_valuation"] = "fx_valuation"
    customer_id: str
    currency: str
    at: datetime
    balances: list[ValuedBalance]
    total: int


class ValuedLine(BaseModel):
    transaction_id: int
    timestamp: datetime
    amount: int
    balance: int
    type: str | None
    rate: str
    value: int
    balance_value: int


class ValuedStatement(BaseModel):
    object: Literal["fx_statement"] = "fx_statement"
    wallet_id: str
    currency: str
    reporting_currency: str
    data: list[ValuedLine]
    has_more: bool
    next_cursor: str | None


class PositionLine(BaseModel):
    currency: str
    start_position: int
    end_position: int
    start_rate: str | None  # None: no position then, no rate needed
    end_rate: str | None
    start_value: int
    end_value: int
    revaluation: int


class PnlReport(BaseModel):
    object: Literal["fx_pnl"] = "fx_pnl"
    currency: str
    start: datetime
    end: datetime
    positions: list[PositionLine]
    revaluation: int
    spread_revenue: int
    fee_revenue: int
    total: int


class CrossBorderPayoutCreate(Model):
    """Pay out ``amount`` of ``currency`` to a bank account from a wallet in another
    currency: a conversion into the customer's wallet in ``currency`` (made if missing),
    then a payout from it (its pain.001 in ``currency``)."""

    from_wallet_id: str = Field(max_length=40)
    bank_account_id: str = Field(max_length=40)
    amount: int = Field(gt=0, description="minor units of currency the bank account gets")
    currency: str = Currency


class CrossBorderPayout(BaseModel):
    object: Literal["fx_payout"] = "fx_payout"
    conversion: Conversion
    payout: WS.Payout
