"""The categorizer the assistant uses when none is plugged in: Coffer's categorization
pipeline (``coffer.assistant.categorize``) when it is installed, otherwise a small keyword
table. Tests plug their own (any :class:`~coffer.assistant.models.Categorizer`)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from coffer.assistant.models import Categorizer

KEYWORDS: tuple[tuple[str, str, str], ...] = (
    ("lidl", "FOOD_AND_DRINK_GROCERIES", "Lidl"),
    ("aldi", "FOOD_AND_DRINK_GROCERIES", "Aldi"),
    ("rewe", "FOOD_AND_DRINK_GROCERIES", "Rewe"),
    ("carrefour", "FOOD_AND_DRINK_GROCERIES", "Carrefour"),
    ("tesco", "FOOD_AND_DRINK_GROCERIES", "Tesco"),
    ("supermarket", "FOOD_AND_DRINK_GROCERIES", ""),
    ("starbucks", "FOOD_AND_DRINK_COFFEE", "Starbucks"),
    ("mcdonald", "FOOD_AND_DRINK_FAST_FOOD", "McDonald's"),
    ("restaurant", "FOOD_AND_DRINK_RESTAURANT", ""),
    ("pizzeria", "FOOD_AND_DRINK_RESTAURANT", ""),
    ("uber", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES", "Uber"),
    ("shell", "TRANSPORTATION_GAS", "Shell"),
    ("netflix", "ENTERTAINMENT_TV_AND_MOVIES", "Netflix"),
    ("spotify", "ENTERTAINMENT_MUSIC_AND_AUDIO", "Spotify"),
    ("amazon", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", "Amazon"),
    ("vodafone", "RENT_AND_UTILITIES_TELEPHONE", "Vodafone"),
    ("rent", "RENT_AND_UTILITIES_RENT", ""),
    ("salary", "INCOME_WAGES", ""),
    ("payroll", "INCOME_WAGES", ""),
    ("gehalt", "INCOME_WAGES", ""),
    ("atm", "TRANSFER_OUT_WITHDRAWAL", ""),
)
PRIMARIES = (  # Plaid's personal finance categories, primary level
    "INCOME", "TRANSFER_IN", "TRANSFER_OUT", "LOAN_PAYMENTS", "BANK_FEES", "ENTERTAINMENT",
    "FOOD_AND_DRINK", "GENERAL_MERCHANDISE", "HOME_IMPROVEMENT", "MEDICAL", "PERSONAL_CARE",
    "GENERAL_SERVICES", "GOVERNMENT_AND_NON_PROFIT", "TRANSPORTATION", "TRAVEL",
    "RENT_AND_UTILITIES",
)  # fmt: skip


def primary_of(detailed: str) -> str:
    for primary in PRIMARIES:
        if detailed == primary or detailed.startswith(primary + "_"):
            return primary
    return detailed.rsplit("_", 1)[0]


def keyword_categorizer(lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A stand-in: a category when a known word is in the description, else abstain."""
    out = []
    for line in lines:
        text = str(line.get("description", "")).lower()
        found = next(((d, m) for word, d, m in KEYWORDS if word in text), None)
        if found is None:
            primary = "TRANSFER_IN" if line.get("direction") == "credit" else None
            detailed = "TRANSFER_IN_DEPOSIT" if primary else None
            out.append({"id": line.get("id"), "primary": primary, "detailed": detailed,
                        "confidence": 0.3 if primary else 0.0, "merchant": None})  # fmt: skip
            continue
        detailed, merchant = found
        out.append({"id": line.get("id"), "primary": primary_of(detailed), "detailed": detailed,
                    "confidence": 0.6, "merchant": merchant or None})  # fmt: skip
    return out


def default_categorizer() -> Categorizer:
    """``coffer.assistant.categorize.categorize`` when present, else the keyword stand-in."""
    try:
        module = importlib.import_module("coffer.assistant.categorize")
        found = getattr(module, "categorize", None)
        if callable(found):
            return found  # type: ignore[no-any-return]
    except ImportError:
        pass
    return keyword_categorizer
