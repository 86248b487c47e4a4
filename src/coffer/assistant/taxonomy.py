"""The category taxonomy: Plaid's personal finance categories, version 1.

Sixteen primary categories, 104 detailed categories beneath them. A detailed name always
starts with its primary's name followed by an underscore.
"""

from __future__ import annotations

from dataclasses import dataclass

from coffer.assistant.data import read_tsv


@dataclass(frozen=True, slots=True)
class Category:
    """One detailed category, the primary it belongs to and what it covers."""

    primary: str
    detailed: str
    description: str


_TAXONOMY: tuple[tuple[str, str, str], ...] = tuple(
    (primary, detailed, description) for primary, detailed, description in read_tsv("taxonomy.tsv")
)
"""(primary, detailed, description) for every detailed category, from ``data/taxonomy.tsv``."""

TAXONOMY_VERSION = "plaid-pfc-v1"

PRIMARY_CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(p for p, _, _ in _TAXONOMY))
"""The sixteen primary categories, in Plaid's order."""

CATEGORIES: dict[str, Category] = {d: Category(p, d, text) for p, d, text in _TAXONOMY}
"""Every detailed category by its name."""

DETAILED_CATEGORIES: tuple[str, ...] = tuple(CATEGORIES)


def primary_of(detailed: str) -> str:
    """The primary category of a detailed one (KeyError when unknown)."""
    return CATEGORIES[detailed].primary


def is_detailed(name: str) -> bool:
    return name in CATEGORIES


def is_primary(name: str) -> bool:
    return name in PRIMARY_CATEGORIES


def detailed_of(primary: str) -> tuple[str, ...]:
    """The detailed categories beneath ``primary``, in Plaid's order."""
    return tuple(c.detailed for c in CATEGORIES.values() if c.primary == primary)


def other_of(primary: str) -> str:
    """The catch-all detailed category of a primary (``..._OTHER_...`` or the closest one)."""
    fallback = {
        "INCOME": "INCOME_OTHER_INCOME",
        "TRANSFER_IN": "TRANSFER_IN_OTHER_TRANSFER_IN",
        "TRANSFER_OUT": "TRANSFER_OUT_OTHER_TRANSFER_OUT",
        "LOAN_PAYMENTS": "LOAN_PAYMENTS_OTHER_PAYMENT",
        "BANK_FEES": "BANK_FEES_OTHER_BANK_FEES",
    }
    if primary in fallback:
        return fallback[primary]
    for detailed in detailed_of(primary):
        if "_OTHER_" in detailed[len(primary) :]:
            return detailed
    return detailed_of(primary)[-1]
