"""ISO 4217 currencies with their real exponents (JPY 0, USD 2, BHD 3)."""

from __future__ import annotations

from decimal import Decimal

import pycountry

from coffer.errors import InvalidCurrency

_EXPONENT_0 = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "UYI",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
_EXPONENT_3 = frozenset(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])
_EXPONENT_4 = frozenset({"CLF", "UYW"})
_NOT_MONEY = frozenset(
    ["XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"]
)
# pycountry's ISO 4217 list, read once (a lookup per call costs more than a transfer's
# other checks), less the codes that are not money
_ISO_4217 = frozenset(c.alpha_3 for c in pycountry.currencies) - _NOT_MONEY


def exponent(currency: str) -> int:
    """Minor-unit exponent of an ISO 4217 currency; :class:`InvalidCurrency` otherwise."""
    code = check_currency(currency)
    if code in _EXPONENT_0:
        return 0
    if code in _EXPONENT_3:
        return 3
    if code in _EXPONENT_4:
        return 4
    return 2


def check_currency(currency: object) -> str:
    if (
        not isinstance(currency, str)
        or len(currency) != 3
        or not currency.isupper()
        or currency not in _ISO_4217
    ):
        raise InvalidCurrency(
            f"{currency!r} is not an ISO 4217 currency code; use e.g. EUR, USD, JPY"
        )
    return currency


def asset(currency: str) -> str:
    """The ledger asset of a currency: ``USD/2``, ``JPY/0``, ``BHD/3``."""
    return f"{currency}/{exponent(currency)}"


def monetary(currency: str, amount: int) -> str:
    """A Numscript monetary literal (``USD/2 1500``)."""
    return f"{asset(currency)} {amount}"


def to_major(currency: str, amount: int) -> Decimal:
    """``1234`` USD -> ``Decimal('12.34')``, exactly."""
    return Decimal(amount).scaleb(-exponent(currency))


def major_to_minor(currency: str, major: int) -> int:
    return major * int(10 ** exponent(currency))
