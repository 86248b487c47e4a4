"""Runtime values of Numscript and their textual forms.

Values are plain Python objects so that evaluation stays cheap:

=========  ===========================================
account    :class:`Account` (a ``str`` subclass)
asset      :class:`AssetName` (a ``str`` subclass)
string     :class:`Text` (a ``str`` subclass)
number     ``int`` (exact, any size)
portion    :class:`fractions.Fraction`
monetary   :class:`Monetary` (asset and exact amount)
=========  ===========================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from coffer.numscript.errors import InvalidVariable


class Account(str):
    __slots__ = ()


class AssetName(str):
    __slots__ = ()


class Text(str):
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Monetary:
    asset: str
    amount: int

    def __str__(self) -> str:
        return f"{self.asset} {self.amount}"


Value = Account | AssetName | Text | int | Fraction | Monetary

TYPES: Final = ("account", "asset", "number", "string", "monetary", "portion")

ACCOUNT_RE: Final = re.compile(r"^[a-zA-Z0-9_-]+(:[a-zA-Z0-9_-]+)*$")
# Upstream's asset names (scales up to 6 digits, as the conformance specs use them); the
# ledger refuses postings in assets of a scale above 38 (coffer.money.ASSET_PATTERN).
ASSET_RE: Final = re.compile(r"^[A-Z][A-Z0-9]{0,16}(_[A-Z0-9]{1,16})?(/[0-9]{1,6})?$")
COLOR_RE: Final = re.compile(r"^[A-Z]*$")
_NUMBER_RE: Final = re.compile(r"^[+-]?[0-9]+$")
_PERCENT_RE: Final = re.compile(r"^([0-9]+)(?:\.([0-9]+))?%$")
_RATIO_RE: Final = re.compile(r"^([0-9]+)\s?/\s?([0-9]+)$")


def type_name(value: Value) -> str:
    """The Numscript type of a runtime value."""
    if isinstance(value, Account):
        return "account"
    if isinstance(value, AssetName):
        return "asset"
    if isinstance(value, Text):
        return "string"
    if isinstance(value, Monetary):
        return "monetary"
    if isinstance(value, Fraction):
        return "portion"
    return "number"


def render(value: Value) -> str:
    """Render a value as Formance does in metadata: ``USD/2 100``, ``alice``, ``1/3``, ``42``."""
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, Monetary):
        return f"{value.asset} {value.amount}"
    if isinstance(value, str):
        return str.__str__(value)
    return str(value)


def parse_percent(text: str) -> Fraction | None:
    """``12.5%`` -> ``1/8``; None when ``text`` is not a percentage."""
    match = _PERCENT_RE.match(text)
    if match is None:
        return None
    integral, fractional = match.group(1), match.group(2) or ""
    return Fraction(int(integral + fractional), 100 * 10 ** len(fractional))


def parse_portion(text: str) -> Fraction | None:
    """A portion written as ``1/3``, ``10%`` or ``12.5%``, within [0, 1]; None if invalid."""
    portion = parse_percent(text)
    if portion is None:
        match = _RATIO_RE.match(text)
        if match is None:
            return None
        denominator = int(match.group(2))
        if denominator == 0:
            return None
        portion = Fraction(int(match.group(1)), denominator)
    if portion < 0 or portion > 1:
        return None
    return portion


def parse_variable(type_: str, raw: str, name: str) -> Value:
    """Parse a variable given by the caller as a string, by its declared type."""

    def bad(expected: str) -> InvalidVariable:
        return InvalidVariable(
            f"variable ${name} of type {type_} has the invalid value {raw!r}: expected {expected}",
            variable=name,
        )

    if type_ == "account":
        if not ACCOUNT_RE.match(raw):
            raise bad("an account address such as 'users:42'")
        return Account(raw)
    if type_ == "asset":
        if not ASSET_RE.match(raw):
            raise bad("an asset such as 'USD/2'")
        return AssetName(raw)
    if type_ == "number":
        if not _NUMBER_RE.match(raw):
            raise bad("an integer such as '42'")
        return int(raw)
    if type_ == "string":
        return Text(raw)
    if type_ == "portion":
        portion = parse_portion(raw)
        if portion is None:
            raise bad("a portion between 0 and 1 such as '1/3' or '12.5%'")
        return portion
    if type_ == "monetary":
        parts = raw.split(" ")
        if len(parts) != 2 or not ASSET_RE.match(parts[0]) or not _NUMBER_RE.match(parts[1]):
            raise bad("an asset and an amount such as 'USD/2 100'")
        return Monetary(parts[0], int(parts[1]))
    raise bad("a known type")


def colored_asset(asset: str, color: str) -> str:
    """The ledger asset of ``asset`` in ``color``: ``USD/2`` + ``RED`` -> ``USD_RED/2``."""
    if not color:
        return asset
    code, slash, scale = asset.partition("/")
    return f"{code}_{color}{slash}{scale}"


def uncolored_asset(asset: str, color: str) -> str:
    """The inverse of :func:`colored_asset`."""
    if not color:
        return asset
    code, slash, scale = asset.partition("/")
    suffix = "_" + color
    if code.endswith(suffix):
        code = code[: -len(suffix)]
    return f"{code}{slash}{scale}"


def split_asset(asset: str) -> tuple[str, int]:
    """``EUR/2`` -> ``("EUR", 2)``; ``EUR`` -> ``("EUR", 0)``."""
    code, _, scale = asset.partition("/")
    return code, int(scale) if scale.isdigit() else 0


def scaled_asset(code: str, scale: int) -> str:
    return f"{code}/{scale}" if scale else code
