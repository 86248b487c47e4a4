"""Exact pricing: a quote's amounts are consistent, rounding never favours the customer
beyond the customer rate, and currency exponents are honoured."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coffer.errors import AmountTooSmall
from coffer.fx.pricing import Pricing, customer_rate, fee_of, minor_rate, price_buy, price_sell

rates = st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(20000), max_denominator=10**6)
pricings = st.builds(
    Pricing,
    spread_bps=st.integers(0, 500),
    fee_bps=st.integers(0, 300),
    fee_fixed=st.integers(0, 500),
)
exponents = st.tuples(st.sampled_from([0, 2, 3]), st.sampled_from([0, 2, 3]))
amounts = st.integers(1, 10**12)


def _check(
    priced_sell: int, buy: int, fee: int, mid: Fraction, pricing: Pricing, exps: tuple[int, int]
) -> None:
    rate = minor_rate(customer_rate(mid, pricing), *exps)
    # the customer never gets more than the customer rate gives for what it converts
    assert buy <= (priced_sell - fee) * rate
    assert fee == fee_of(priced_sell, pricing)


@settings(max_examples=200, deadline=None)
@given(amounts, rates, pricings, exponents)
def test_sell_quote_is_exact_and_never_favours_the_customer(
    amount: int, mid: Fraction, pricing: Pricing, exps: tuple[int, int]
) -> None:
    try:
        priced = price_sell(amount, mid, pricing, exps)
    except AmountTooSmall:
        return
    assert priced.sell_amount == amount
    _check(priced.sell_amount, priced.buy_amount, priced.fee, mid, pricing, exps)
    # and it is the most the rate allows: one more minor unit would exceed it
    rate = minor_rate(customer_rate(mid, pricing), *exps)
    assert priced.buy_amount + 1 > (amount - priced.fee) * rate
    # money is split exactly: fee + spread + position = sell
    assert priced.fee + priced.spread_amount + priced.position_amount == amount
    assert priced.spread_amount >= 0 and priced.position_amount >= 1


@settings(max_examples=200, deadline=None)
@given(amounts, rates, pricings, exponents)
def test_buy_quote_gives_exactly_the_amount_for_the_least_sell(
    amount: int, mid: Fraction, pricing: Pricing, exps: tuple[int, int]
) -> None:
    priced = price_buy(amount, mid, pricing, exps)
    assert priced.buy_amount == amount
    _check(priced.sell_amount, priced.buy_amount, priced.fee, mid, pricing, exps)
    rate = minor_rate(customer_rate(mid, pricing), *exps)
    less = priced.sell_amount - 1
    assert (less - fee_of(less, pricing)) * rate < amount  # one unit less would not pay
    assert priced.fee + priced.spread_amount + priced.position_amount == priced.sell_amount


def test_exponents_jpy_and_bhd() -> None:
    no_fee = Pricing(0, 0, 0)
    # 100.00 EUR at 160.5 -> 16,050 JPY (exponent 0)
    assert price_sell(10_000, Fraction("160.5"), no_fee, (2, 0)).buy_amount == 16_050
    # 100.00 EUR at 0.41 -> 41.000 BHD (exponent 3)
    assert price_sell(10_000, Fraction("0.41"), no_fee, (2, 3)).buy_amount == 41_000
    # 1,000 JPY at 0.0062 EUR -> 6.20 EUR
    assert price_sell(1_000, Fraction("0.0062"), no_fee, (0, 2)).buy_amount == 620
    # rounding down: 1 JPY at 0.0062 buys 0.62 cents -> nothing
    with pytest.raises(AmountTooSmall):
        price_sell(1, Fraction("0.0062"), no_fee, (0, 2))


def test_spread_and_fee_worked_example() -> None:
    pricing = Pricing(spread_bps=50, fee_bps=100, fee_fixed=30)
    priced = price_sell(10_000, Fraction("1.0842"), pricing, (2, 2))
    assert priced.fee == 30 + 100  # 0.30 + 1 % of 100.00
    # (10,000 - 130) x 1.0842 x 0.995 = 10,647.54... -> 10,647
    assert priced.buy_amount == 10_647
    assert priced.position_amount == 9_821  # ceil(10,647 / 1.0842)
    assert priced.spread_amount == 10_000 - 130 - 9_821
