"""Categorization of statement lines into Plaid's personal finance categories (v1).

The pipeline (``pipeline``): customer corrections and rules, strong multilingual keyword rules,
a merchant dictionary with descriptor normalization, MCC codes, a statistical classifier
trained on shipped synthetic data, and abstention below a confidence threshold.
"""

from __future__ import annotations

from coffer.assistant.categorize.pipeline import (
    DEFAULT_MIN_CONFIDENCE,
    categorize,
    correction_key,
    learn_payee_rules,
)
from coffer.assistant.categorize.schemas import (
    Categorization,
    CategorizationContext,
    Condition,
    InvalidStatementLine,
    StatementLine,
    UserRule,
)
from coffer.assistant.categorize.service import categorize_lines

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "Categorization",
    "CategorizationContext",
    "Condition",
    "InvalidStatementLine",
    "StatementLine",
    "UserRule",
    "categorize",
    "categorize_lines",
    "correction_key",
    "learn_payee_rules",
]
