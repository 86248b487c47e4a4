"""The categorizer the assistant uses when none is plugged in: Coffer's categorization
pipeline (``coffer.assistant.categorize``) with its classifier. Tests plug their own (any
:class:`~coffer.assistant.models.Categorizer`)."""

from __future__ import annotations

from coffer.assistant.models import Categorizer
from coffer.assistant.taxonomy import PRIMARY_CATEGORIES

PRIMARIES = PRIMARY_CATEGORIES


def primary_of(category: str) -> str:
    """The primary category of a detailed (or primary) category name."""
    for primary in PRIMARIES:
        if category == primary or category.startswith(primary + "_"):
            return primary
    return category.rsplit("_", 1)[0]


def default_categorizer() -> Categorizer:
    """The categorization pipeline (``coffer.assistant.categorize``) with its classifier."""
    from coffer.assistant.categorize.service import categorize_mappings

    return categorize_mappings
