"""Assets, exact integer amounts, account addresses and allocation.

Every amount in Coffer is a Python ``int`` in the asset's smallest unit. No float ever
touches an amount.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from coffer.errors import InvalidAccount, InvalidAmount, InvalidAsset

MAX_AMOUNT = 2**128 - 1
"""The largest amount a single posting may carry (fits NUMERIC(39) and 16 bytes)."""

MAX_SCALE = 38
"""The most decimal places an asset may have (an amount fits NUMERIC(39) anyway)."""
ASSET_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,16}(_[A-Z0-9]{1,16})?(/([0-2]?[0-9]|3[0-8]))?$")
ACCOUNT_PATTERN = re.compile(r"^[a-zA-Z0-9_-]+(:[a-zA-Z0-9_-]+)*$")
WORLD = "world"


@dataclass(frozen=True, slots=True)
class Asset:
    """An asset such as ``USD/2``: a code and a scale (number of decimal places)."""

    code: str
    scale: int

    @classmethod
    def parse(cls, text: str) -> Asset:
        check_asset(text)
        code, _, scale = text.partition("/")
        return cls(code, int(scale) if scale else 0)

    def __str__(self) -> str:
        return f"{self.code}/{self.scale}" if self.scale else self.code

    def format(self, amount: int) -> str:
        """Render an amount in major units exactly, e.g. ``1234`` of USD/2 -> ``12.34 USD``."""
        sign = "-" if amount < 0 else ""
        digits = str(abs(amount)).rjust(self.scale + 1, "0")
        if self.scale:
            return f"{sign}{digits[: -self.scale]}.{digits[-self.scale :]} {self.code}"
        return f"{sign}{digits} {self.code}"


def check_asset(asset: object) -> str:
    """Return ``asset`` if it is a valid asset name, else raise :class:`InvalidAsset`."""
    if not isinstance(asset, str) or not ASSET_PATTERN.match(asset):
        raise InvalidAsset(
            f"invalid asset {asset!r}: expected CODE or CODE/SCALE with a scale of at most "
            f"{MAX_SCALE}, e.g. 'USD/2' or 'JPY'"
        )
    return asset


def check_account(address: object) -> str:
    """Return ``address`` if it is a valid account address, else raise :class:`InvalidAccount`."""
    if not isinstance(address, str) or not ACCOUNT_PATTERN.match(address):
        raise InvalidAccount(
            f"invalid account address {address!r}: expected segments of letters, digits, "
            "'_' or '-' separated by ':', e.g. 'users:42:main'"
        )
    return address


def check_amount(amount: object, *, allow_zero: bool = True) -> int:
    """Return ``amount`` if it is an int in [0, 2**128 - 1], else raise :class:`InvalidAmount`."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidAmount(
            f"invalid amount {amount!r}: amounts are integers in the asset's smallest unit"
        )
    if amount < 0:
        raise InvalidAmount(f"invalid amount {amount}: amounts cannot be negative")
    if amount > MAX_AMOUNT:
        raise InvalidAmount(f"invalid amount {amount}: the maximum is 2**128 - 1")
    if amount == 0 and not allow_zero:
        raise InvalidAmount("invalid amount 0: the amount must be positive")
    return amount


def allocate(total: int, portions: Sequence[Fraction]) -> list[int]:
    """Split ``total`` by ``portions`` (which must sum to 1).

    Each share is floored, then the leftover units are handed out one by one in declaration
    order, so the shares always sum to ``total`` and each differs from its exact portion by
    less than one unit.
    """
    if sum(portions, Fraction(0)) != 1:
        raise ValueError("portions must sum to 1")
    if any(p < 0 for p in portions):
        raise ValueError("portions cannot be negative")
    shares = [(total * p.numerator) // p.denominator for p in portions]
    leftover = total - sum(shares)
    index = 0
    while leftover > 0:
        shares[index % len(shares)] += 1
        leftover -= 1
        index += 1
    return shares
