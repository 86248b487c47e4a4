"""Quotes: a rate, both amounts and the fee, locked for a while (30 s by default, up to
24 h). The spread and fee come from the pricing rows (per pair and per customer tier)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from coffer.db.columns import model_from_row
from coffer.errors import QuoteNotFound, ValidationError
from coffer.fx import repository as R
from coffer.fx import schemas as S
from coffer.fx import tables as T
from coffer.fx.cache import TtlCache
from coffer.fx.pricing import Pricing, price_buy, price_sell
from coffer.fx.rates.providers import decimal_text
from coffer.fx.rates.service import Rates, to_micros, utc
from coffer.fx.settings import MAX_QUOTE_SECONDS, FxSettings
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.wallets import currencies

Clock = Callable[[], datetime]
Row = Mapping[str, Any]
DEFAULT_TIER = "default"


class Quotes:
    def __init__(self, engine: sa.Engine, rates: Rates, settings: FxSettings, clock: Clock) -> None:
        self.engine = engine
        self.rates = rates
        self.settings = settings
        self.clock = clock
        self._pricing: TtlCache[Pricing] = TtlCache(settings.fx_cache_seconds)
        self._tiers: TtlCache[str] = TtlCache(settings.fx_cache_seconds)

    # -- pricing ------------------------------------------------------------------------

    def pricing_for(self, sell: str, buy: str, tier: str) -> Pricing:
        """The most specific row of (pair, tier), (pair, *), (*, tier), (*, *) of the
        platform; else of the default platform (the operator's, every platform's fallback);
        else the settings' defaults."""
        return self._pricing.get((sell, buy, tier), lambda: self._read_pricing(sell, buy, tier))

    def _read_pricing(self, sell: str, buy: str, tier: str) -> Pricing:
        pair = f"{sell}/{buy}"
        with self.engine.connect() as connection:
            rows = R.pricing_rows(connection, [pair, "*"], [tier, "*"])
        by_key = {(row["platform_id"], row["pair"], row["tier"]): row for row in rows}
        own = {row["platform_id"] for row in rows} - {DEFAULT_PLATFORM_ID}
        for platform_id in (*own, DEFAULT_PLATFORM_ID):
            for key in ((pair, tier), (pair, "*"), ("*", tier), ("*", "*")):
                row = by_key.get((platform_id, *key))
                if row is not None:
                    return Pricing(row["spread_bps"], row["fee_bps"], int(row["fee_fixed"]))
        return Pricing(self.settings.fx_spread_bps, self.settings.fx_fee_bps, 0)

    def set_pricing(self, request: S.PricingSet) -> S.PricingRule:
        self._pricing.clear()
        with self.engine.begin() as connection:
            R.set_pricing(
                connection, {**request.model_dump(), "updated_at": to_micros(self.clock())}
            )
        return S.PricingRule(**request.model_dump())

    def pricing_rules(self) -> list[S.PricingRule]:
        with self.engine.connect() as connection:
            rows = R.all_pricing(connection)
        return [model_from_row(S.PricingRule, row) for row in rows]

    def tier_of(self, customer_id: str | None) -> str:
        if customer_id is None:
            return DEFAULT_TIER

        def read() -> str:
            with self.engine.connect() as connection:
                return R.customer_tier(connection, customer_id) or DEFAULT_TIER

        return self._tiers.get(customer_id, read)

    def set_tier(self, customer_id: str, tier: str) -> S.CustomerTier:
        self._tiers.clear()
        with self.engine.begin() as connection:
            R.set_customer_tier(connection, customer_id, tier, to_micros(self.clock()))
        return S.CustomerTier(customer_id=customer_id, tier=tier)

    # -- quotes -------------------------------------------------------------------------

    def create(self, request: S.QuoteCreate) -> S.Quote:
        sell = currencies.check_currency(request.sell_currency)
        buy = currencies.check_currency(request.buy_currency)
        now = self.clock()
        effective = utc(request.at) if request.at is not None else now
        if effective > now:
            raise ValidationError("a quote cannot be priced in the future")
        lifetime = request.lifetime_seconds or self.settings.fx_quote_seconds
        if not 1 <= lifetime <= MAX_QUOTE_SECONDS:
            raise ValidationError("lifetime_seconds must be between 1 and 86400")
        rate = self.rates.rate(sell, buy, effective)
        tier = self.tier_of(request.customer_id)
        pricing = self.pricing_for(sell, buy, tier)
        exponents = (currencies.exponent(sell), currencies.exponent(buy))
        if request.sell_amount is not None:
            priced = price_sell(request.sell_amount, rate.value, pricing, exponents)
            side = "sell"
        else:
            assert request.buy_amount is not None
            priced = price_buy(request.buy_amount, rate.value, pricing, exponents)
            side = "buy"
        created = to_micros(now)
        row = {
            "id": R.new_id("quo"),
            "customer_id": request.customer_id,
            "side": side,
            "sell_currency": sell,
            "buy_currency": buy,
            "sell_amount": priced.sell_amount,
            "buy_amount": priced.buy_amount,
            "fee": priced.fee,
            "spread_amount": priced.spread_amount,
            "position_amount": priced.position_amount,
            "mid_rate": _exact(rate.value),
            "customer_rate": _exact(priced.customer_rate),
            "rate_source": rate.source,
            "rate_as_of": to_micros(rate.as_of),
            "spread_bps": pricing.spread_bps,
            "fee_bps": pricing.fee_bps,
            "fee_fixed": pricing.fee_fixed,
            "tier": tier,
            "effective_at": to_micros(effective),
            "status": "open",
            "created_at": created,
            "expires_at": to_micros(now + timedelta(seconds=lifetime)),
            "used_at": None,
        }
        with self.engine.begin() as connection:
            R.insert(connection, T.quotes, row)
        return self.model(row)

    def row(self, quote_id: str, connection: sa.Connection | None = None) -> Row:
        if connection is None:
            with self.engine.connect() as own:
                found = R.get(own, T.quotes, quote_id)
        else:
            found = R.get(connection, T.quotes, quote_id)
        if found is None:
            raise QuoteNotFound(f"no quote {quote_id}", quote_id=quote_id)
        return found

    def get(self, quote_id: str) -> S.Quote:
        return self.model(self.row(quote_id))

    def model(self, row: Row) -> S.Quote:
        status = row["status"]
        if status == "open" and row["expires_at"] <= to_micros(self.clock()):
            status = "expired"
        return model_from_row(
            S.Quote,
            row,
            mid_rate=decimal_text(Fraction(row["mid_rate"])),
            customer_rate=decimal_text(Fraction(row["customer_rate"])),
            status=status,
        )


def _exact(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )
