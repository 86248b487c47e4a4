"""FX pricing per platform (both backends): each platform sets its spread and fee per pair
and tier; a platform without a rule of its own falls back to the default platform's, then
to the settings."""

from __future__ import annotations

import coffer
from coffer.fx import FxSettings, open_fx
from coffer.fx import schemas as S
from coffer.platforms.service import create_platform
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets

from .conftest import PII_KEY, customer


def quote_spread(fx: object, tier_customer: str | None = None) -> tuple[int, int]:
    q = fx.quotes.create(
        S.QuoteCreate(  # type: ignore[attr-defined]
            sell_currency="EUR", buy_currency="USD", sell_amount=10_000, customer_id=tier_customer
        )
    )
    return q.spread_bps, q.fee_bps


def test_each_platform_prices_its_own_quotes(
    coffer_db: coffer.Coffer, platform: WalletPlatform
) -> None:
    settings = FxSettings(fx_providers="manual", fx_spread_bps=50, fx_fee_bps=0)
    operator = open_fx(platform, settings)
    operator.rates.set_manual("EUR", "USD", "1.1")
    acme_id = create_platform(coffer_db.engine, "acme").id
    acme_wallets = open_wallets(coffer_db, WalletSettings(pii_key=PII_KEY, pii_key_id="t1"),
                                platform_id=acme_id)  # fmt: skip
    acme = open_fx(acme_wallets, settings)
    # nothing set: the settings for both
    assert quote_spread(operator) == quote_spread(acme) == (50, 0)
    # the operator's rules are the fallback of every platform
    operator.quotes.set_pricing(S.PricingSet(pair="EUR/USD", spread_bps=80, fee_bps=5))
    acme.quotes._pricing.clear()
    assert quote_spread(acme) == (80, 5)
    # acme's own rules win for acme only, per pair and per tier
    acme.quotes.set_pricing(S.PricingSet(spread_bps=30))
    acme.quotes.set_pricing(S.PricingSet(pair="EUR/USD", tier="gold", spread_bps=10))
    gold = customer(acme_wallets, "Gold")
    acme.quotes.set_tier(gold, "gold")
    assert quote_spread(acme) == (30, 0)
    assert quote_spread(acme, gold) == (10, 0)
    operator.quotes._pricing.clear()
    assert quote_spread(operator) == (80, 5)
    assert [(r.pair, r.tier) for r in acme.quotes.pricing_rules()] == [
        ("*", "*"), ("EUR/USD", "gold")]  # fmt: skip
    assert [(r.pair, r.spread_bps) for r in operator.quotes.pricing_rules()] == [("EUR/USD", 80)]
    # the same pair and tier on two platforms: two rows
    operator.quotes.set_pricing(S.PricingSet(spread_bps=60))
    assert {r.spread_bps for r in acme.quotes.pricing_rules()} == {30, 10}
