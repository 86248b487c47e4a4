"""Decimal amount text -> exact minor units (no floats)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from coffer.assistant.money import scale


def to_minor(text: str, currency: str, *, decimal_comma: bool = False) -> int:
    """``"-1.234,56"`` (decimal comma) or ``"-1,234.56"`` -> -123456 for a 2-digit currency."""
    from coffer.errors import StatementInvalid

    raw = text.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    negative = raw.startswith("(") and raw.endswith(")")
    raw = raw.strip("()")
    raw = raw.replace(".", "").replace(",", ".") if decimal_comma else raw.replace(",", "")
    raw = re.sub(r"[^\d.+-]", "", raw)
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise StatementInvalid(f"not an amount: {text!r}") from exc
    minor = value.scaleb(scale(currency))
    if minor != minor.to_integral_value():
        raise StatementInvalid(f"{text!r} has more decimals than {currency} allows")
    result = int(minor)
    return -result if negative else result
