"""Conversions and cross-border transfers on the ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fx.conftest import Clock, balance, customer, wallet

from coffer.errors import (
    IdempotencyConflict,
    InsufficientFunds,
    QuoteExpired,
    QuoteUsed,
    ValidationError,
)
from coffer.fx import FxPlatform
from coffer.fx import schemas as S
from coffer.fx.pricing import Pricing, price_sell
from coffer.wallets import WalletPlatform, currencies

CURRENCIES = ("EUR", "USD", "JPY", "BHD")


def quote(fx: FxPlatform, sell: str, buy: str, **amount: int) -> S.Quote:
    return fx.quotes.create(S.QuoteCreate(sell_currency=sell, buy_currency=buy, **amount))


def test_conversion_moves_exactly_the_quote(fx: FxPlatform, platform: WalletPlatform) -> None:
    fx.rates.set_manual("EUR", "USD", "1.0842")
    alice = customer(platform)
    eur, usd = wallet(platform, alice, "EUR", 100_000), wallet(platform, alice, "USD")
    q = quote(fx, "EUR", "USD", buy_amount=5_000)
    done = fx.conversions.convert(
        S.ConversionCreate(quote_id=q.id, from_wallet_id=eur, to_wallet_id=usd)
    )
    assert (done.sell_amount, done.buy_amount, done.status) == (q.sell_amount, 5_000, "succeeded")
    assert balance(platform, eur) == 100_000 - q.sell_amount
    assert balance(platform, usd) == 5_000
    tx = fx.ledger.transaction(done.ledger_transaction_id or 0)
    assert tx.metadata["wallets_type"] == "fx_conversion"
    assert fx.ledger.balance("platform:fx:USD", "USD/2") == -5_000
    assert fx.ledger.balance("platform:fx:spread", "EUR/2") == q.spread_amount
    assert fx.quotes.get(q.id).status == "used"


def test_expired_and_used_quotes_are_refused(
    fx: FxPlatform, platform: WalletPlatform, clock: Clock
) -> None:
    fx.rates.set_manual("EUR", "USD", "1.1")
    alice = customer(platform)
    eur, usd = wallet(platform, alice, "EUR", 100_000), wallet(platform, alice, "USD")
    clock.freeze()
    old = quote(fx, "EUR", "USD", sell_amount=1_000)
    clock.advance(seconds=31)
    with pytest.raises(QuoteExpired):
        fx.conversions.convert(
            S.ConversionCreate(quote_id=old.id, from_wallet_id=eur, to_wallet_id=usd)
        )
    assert fx.quotes.get(old.id).status == "expired"
    fresh = fx.quotes.create(
        S.QuoteCreate(
            sell_currency="EUR", buy_currency="USD", sell_amount=1_000, lifetime_seconds=86_400
        )
    )
    clock.advance(hours=23)
    body = S.ConversionCreate(quote_id=fresh.id, from_wallet_id=eur, to_wallet_id=usd)
    first = fx.conversions.convert(body, idempotency_key="k1")
    assert fx.conversions.convert(body, idempotency_key="k1") == first  # replay
    with pytest.raises(QuoteUsed):
        fx.conversions.convert(body)
    with pytest.raises(IdempotencyConflict):
        fx.conversions.convert(
            S.ConversionCreate(
                quote_id=fresh.id, from_wallet_id=eur, to_wallet_id=usd, metadata={"a": "b"}
            ),
            idempotency_key="k1",
        )


def test_refused_conversion_reopens_the_quote(fx: FxPlatform, platform: WalletPlatform) -> None:
    fx.rates.set_manual("EUR", "USD", "1.1")
    alice, bob = customer(platform), customer(platform, "Bob")
    eur, usd = wallet(platform, alice, "EUR", 500), wallet(platform, alice, "USD")
    q = quote(fx, "EUR", "USD", sell_amount=1_000)
    with pytest.raises(InsufficientFunds):
        fx.conversions.convert(
            S.ConversionCreate(quote_id=q.id, from_wallet_id=eur, to_wallet_id=usd)
        )
    assert fx.quotes.get(q.id).status == "open"
    with pytest.raises(ValidationError):  # another customer's wallet: that is a transfer
        fx.conversions.convert(
            S.ConversionCreate(
                quote_id=q.id, from_wallet_id=eur, to_wallet_id=wallet(platform, bob, "USD")
            )
        )
    platform.payins  # noqa: B018 - the platform is still usable
    assert balance(platform, eur) == 500


def test_past_date_uses_the_ecb_reference_rate_plus_spread(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    fx.quotes.set_pricing(S.PricingSet(pair="EUR/USD", spread_bps=120))
    alice = customer(platform)
    eur, usd = wallet(platform, alice, "EUR", 100_000), wallet(platform, alice, "USD")
    at = datetime(2013, 3, 21, 14, tzinfo=UTC)
    q = fx.quotes.create(
        S.QuoteCreate(sell_currency="EUR", buy_currency="USD", sell_amount=10_000, at=at)
    )
    assert (q.rate_source, q.mid_rate, q.spread_bps) == ("ecb", "1.291", 120)
    # 100.00 EUR x 1.2910 x (1 - 1.20 %) = 127.55 USD (127.5508 rounded down)
    assert q.buy_amount == 12_755
    done = fx.conversions.convert(
        S.ConversionCreate(quote_id=q.id, from_wallet_id=eur, to_wallet_id=usd)
    )
    tx = fx.ledger.transaction(done.ledger_transaction_id or 0)
    assert tx.timestamp == at and tx.metadata["fx_mid_rate"] == "1291/1000"
    assert balance(platform, usd) == 12_755


def test_cross_border_transfer_guarantees_the_recipient_amount(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    fx.rates.set_manual("EUR", "JPY", "160.25")
    fx.quotes.set_pricing(S.PricingSet(pair="EUR/JPY", tier="gold", spread_bps=10, fee_fixed=25))
    alice, bob = customer(platform), customer(platform, "Bob")
    fx.quotes.set_tier(alice, "gold")
    eur, jpy = wallet(platform, alice, "EUR", 100_000), wallet(platform, bob, "JPY")
    sent = fx.conversions.transfer(
        S.CrossBorderTransferCreate(from_wallet_id=eur, to_wallet_id=jpy, buy_amount=10_000),
        idempotency_key="pay-1",
    )
    assert sent.kind == "transfer" and sent.buy_amount == 10_000 and sent.fee == 25
    assert balance(platform, jpy) == 10_000
    assert balance(platform, eur) == 100_000 - sent.sell_amount
    assert fx.quotes.get(sent.quote_id).tier == "gold"
    again = fx.conversions.transfer(
        S.CrossBorderTransferCreate(from_wallet_id=eur, to_wallet_id=jpy, buy_amount=10_000),
        idempotency_key="pay-1",
    )
    assert again.id == sent.id and balance(platform, jpy) == 10_000


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(CURRENCIES),
            st.sampled_from(CURRENCIES),
            st.booleans(),
            st.integers(1, 50_000),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_money_is_conserved_in_each_currency(
    fx: FxPlatform, platform: WalletPlatform, moves: list[tuple[str, str, bool, int]]
) -> None:
    for code, rate in (("USD", "1.0842"), ("JPY", "160.25"), ("BHD", "0.4087")):
        fx.rates.set_manual("EUR", code, rate)
    fx.quotes.set_pricing(S.PricingSet(spread_bps=75, fee_bps=20))
    owner = customer(platform)
    wallets = {c: wallet(platform, owner, c, 10**7) for c in CURRENCIES}
    expected = {c: 10**7 for c in CURRENCIES}
    revenue: dict[str, int] = defaultdict(int)
    positions: dict[str, int] = defaultdict(int)
    before = {c: _platform_totals(fx, c) for c in CURRENCIES}
    for sell, buy, by_sell, amount in moves:
        if sell == buy:
            continue
        try:
            q = quote(
                fx, sell, buy, **({"sell_amount": amount} if by_sell else {"buy_amount": amount})
            )
        except ValidationError:
            continue  # too small to convert
        mid = Fraction(fx.rates.rate(sell, buy).value)
        if by_sell:  # the quote honours exactly what the pricing says
            priced = price_sell(
                amount,
                mid,
                Pricing(75, 20, 0),
                (currencies.exponent(sell), currencies.exponent(buy)),
            )
            assert (q.buy_amount, q.fee) == (priced.buy_amount, priced.fee)
        if q.sell_amount > expected[sell]:
            continue
        done = fx.conversions.convert(
            S.ConversionCreate(
                quote_id=q.id, from_wallet_id=wallets[sell], to_wallet_id=wallets[buy]
            )
        )
        assert (done.sell_amount, done.buy_amount) == (q.sell_amount, q.buy_amount)
        expected[sell] -= q.sell_amount
        expected[buy] += q.buy_amount
        revenue[sell] += q.fee + q.spread_amount
        positions[sell] += q.sell_amount - q.fee - q.spread_amount
        positions[buy] -= q.buy_amount
    for c in CURRENCIES:
        assert balance(platform, wallets[c]) == expected[c]
        fees, spread, position = (
            a - b for a, b in zip(_platform_totals(fx, c), before[c], strict=True)
        )
        assert fees + spread == revenue[c] and position == positions[c]
        # per currency: what left wallets arrived in the platform's accounts, and back
        assert (expected[c] - 10**7) + fees + spread + position == 0


def _platform_totals(fx: FxPlatform, code: str) -> tuple[int, int, int]:
    asset = currencies.asset(code)
    return (
        fx.ledger.balance("platform:fx:fees", asset),
        fx.ledger.balance("platform:fx:spread", asset),
        fx.ledger.balance(f"platform:fx:{code}", asset),
    )


def test_retry_after_a_crash_adopts_the_first_transaction(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    fx.rates.set_manual("EUR", "USD", "1.1")
    alice = customer(platform)
    eur, usd = wallet(platform, alice, "EUR", 10_000), wallet(platform, alice, "USD")
    other = wallet(platform, customer(platform, "Bob"), "USD")
    q = quote(fx, "EUR", "USD", sell_amount=1_000)
    # the ledger step ran, then the process died before writing the conversion
    tx = fx.conversions._post("cnv_crashed", "conversion", fx.quotes.row(q.id), eur, usd, {})
    assert fx.quotes.get(q.id).status == "open"
    with pytest.raises(QuoteUsed):  # the quote's money cannot go elsewhere
        fx.conversions.transfer(
            S.CrossBorderTransferCreate(quote_id=q.id, from_wallet_id=eur, to_wallet_id=other)
        )
    done = fx.conversions.convert(
        S.ConversionCreate(quote_id=q.id, from_wallet_id=eur, to_wallet_id=usd)
    )
    assert (done.id, done.ledger_transaction_id) == ("cnv_crashed", tx.id)
    assert balance(platform, usd) == q.buy_amount and balance(platform, eur) == 9_000
    assert fx.quotes.get(q.id).status == "used"


def test_cross_border_payout_writes_pain001_in_the_payout_currency(
    fx: FxPlatform, platform: WalletPlatform
) -> None:
    from coffer.wallets import schemas as WS

    fx.rates.set_manual("EUR", "GBP", "0.85")
    alice = customer(platform)
    eur = wallet(platform, alice, "EUR", 100_000)
    bank = platform.payouts.add_bank_account(
        WS.BankAccountCreate(
            customer_id=alice, holder_name="Alice", iban="GB82WEST12345698765432", bic="NWBKGB2L"
        )
    )
    made = fx.conversions.payout(
        S.CrossBorderPayoutCreate(
            from_wallet_id=eur, bank_account_id=bank.id, amount=5_000, currency="GBP"
        ),
        idempotency_key="po-1",
    )
    assert made.conversion.buy_amount == 5_000 and made.payout.currency == "GBP"
    again = fx.conversions.payout(
        S.CrossBorderPayoutCreate(
            from_wallet_id=eur, bank_account_id=bank.id, amount=5_000, currency="GBP"
        ),
        idempotency_key="po-1",
    )
    assert again.payout.id == made.payout.id
    batch = platform.payouts.export_batch()
    assert batch is not None and made.payout.id in batch.payout_ids
    assert '<InstdAmt Ccy="GBP">50.00</InstdAmt>' in batch.xml
