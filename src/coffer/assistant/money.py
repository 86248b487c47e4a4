"""Formatting of exact minor-unit amounts for answers (never floats)."""

from __future__ import annotations

SCALES = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "TND": 3}
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CNY": "¥"}


def scale(currency: str) -> int:
    return SCALES.get(currency.upper(), 2)


def fmt(amount: int, currency: str, *, language: str = "en") -> str:
    """``12345, "EUR"`` -> ``"123.45 EUR"`` (``"123.45 欧元"``-free: codes in both)."""
    digits = scale(currency)
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 10**digits)
    text = f"{whole:,}" if language == "en" else f"{whole}"
    if digits:
        text += "." + str(part).rjust(digits, "0")
    return f"{sign}{text} {currency}"
