"""Exact pricing of a conversion: pure functions over integers in minor units.

A rate is a :class:`~fractions.Fraction` (buy major units per sell major unit), never a
float. Rules, in minor units of each currency (``exponent`` 0 for JPY, 3 for BHD):

- customer rate = mid rate x (1 - spread_bps / 10,000);
- fee = fee_fixed + ceil(sell_amount x fee_bps / 10,000), in the sell currency;
- **sell quote** (the sell amount is given): buy = floor((sell - fee) x customer rate);
- **buy quote** (the buy amount is given): sell = the smallest amount such that
  (sell - fee(sell)) x customer rate >= buy; the customer gets exactly ``buy``;
- either way ``buy <= (sell - fee) x customer rate`` exactly: rounding never gives the
  customer more than the customer rate says;
- the platform's position in the sell currency receives ceil(buy / mid rate), the value of
  what it pays out at the mid rate, rounded up; the spread revenue is the rest of
  ``sell - fee`` (never negative, since the customer rate is at most the mid rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from coffer.errors import AmountTooSmall, ValidationError

BPS = 10_000


@dataclass(frozen=True, slots=True)
class Pricing:
    spread_bps: int
    fee_bps: int
    fee_fixed: int  # minor units of the sell currency

    def __post_init__(self) -> None:
        if not (0 <= self.spread_bps < BPS and 0 <= self.fee_bps < BPS and self.fee_fixed >= 0):
            raise ValidationError("spread_bps and fee_bps are in [0, 10000), fee_fixed >= 0")


@dataclass(frozen=True, slots=True)
class Priced:
    sell_amount: int  # debited from the customer, fee included
    buy_amount: int  # credited to the recipient
    fee: int  # to the fee revenue account, sell currency
    spread_amount: int  # to the spread revenue account, sell currency
    position_amount: int  # to the FX position of the sell currency
    customer_rate: Fraction  # buy major per sell major, after the spread


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def _floor(value: Fraction) -> int:
    return value.numerator // value.denominator


def minor_rate(rate: Fraction, sell_exponent: int, buy_exponent: int) -> Fraction:
    """A major-unit rate as buy minor units per sell minor unit."""
    return rate * Fraction(10**buy_exponent, 10**sell_exponent)


def customer_rate(mid: Fraction, pricing: Pricing) -> Fraction:
    return mid * Fraction(BPS - pricing.spread_bps, BPS)


def fee_of(sell_amount: int, pricing: Pricing) -> int:
    return pricing.fee_fixed + _ceil(Fraction(sell_amount * pricing.fee_bps, BPS))


def _finish(
    sell: int, buy: int, fee: int, mid: Fraction, rate: Fraction, exponents: tuple[int, int]
) -> Priced:
    mid_minor = minor_rate(mid, *exponents)
    position = _ceil(buy / mid_minor)
    spread = sell - fee - position
    assert spread >= 0 and position > 0, (sell, buy, fee, position)
    return Priced(sell, buy, fee, spread, position, rate)


def price_sell(
    sell_amount: int, mid: Fraction, pricing: Pricing, exponents: tuple[int, int]
) -> Priced:
    """Sell exactly ``sell_amount`` (minor units, fee included); the buy amount follows."""
    if mid <= 0:
        raise ValidationError("a rate must be positive")
    rate = customer_rate(mid, pricing)
    fee = fee_of(sell_amount, pricing)
    net = sell_amount - fee
    buy = _floor(net * minor_rate(rate, *exponents)) if net > 0 else 0
    if buy <= 0:
        raise AmountTooSmall(
            f"selling {sell_amount} minor units buys nothing after a fee of {fee}; "
            "sell a larger amount",
            sell_amount=sell_amount,
            fee=fee,
        )
    return _finish(sell_amount, buy, fee, mid, rate, exponents)


def price_buy(
    buy_amount: int, mid: Fraction, pricing: Pricing, exponents: tuple[int, int]
) -> Priced:
    """Buy exactly ``buy_amount`` (minor units); the smallest sell amount that pays for it."""
    if mid <= 0:
        raise ValidationError("a rate must be positive")
    if buy_amount <= 0:
        raise AmountTooSmall("the buy amount must be positive")
    rate = customer_rate(mid, pricing)
    net = _ceil(buy_amount / minor_rate(rate, *exponents))
    # smallest sell with sell - ceil(sell x f) >= net + fixed is ceil((net + fixed) / (1 - f))
    fraction = Fraction(pricing.fee_bps, BPS)
    sell = _ceil((net + pricing.fee_fixed) / (1 - fraction))
    fee = fee_of(sell, pricing)
    assert sell - fee >= net and (sell - 1) - fee_of(sell - 1, pricing) < net
    return _finish(sell, buy_amount, fee, mid, rate, exponents)
