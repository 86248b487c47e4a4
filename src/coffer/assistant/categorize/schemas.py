"""Statement lines in, categories out, and the customer's own context."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coffer.errors import ValidationError

_ID_KINDS = (str, int)


class InvalidStatementLine(ValidationError, code="invalid_statement_line"):
    """A statement line (or a customer's rule) given to the categorizer is malformed."""


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One line of a bank statement or wallet history."""

    id: str
    description: str
    amount: int = 0  # minor units of ``currency``, never negative
    currency: str = ""
    direction: str = "debit"  # "debit" (money out) or "credit" (money in)
    mcc: str | None = None
    date: str | None = None
    counterparty: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> StatementLine:
        """Validate one decoded JSON object (raises InvalidStatementLine)."""
        if not isinstance(data, Mapping):
            raise InvalidStatementLine("a statement line must be a JSON object")
        raw_id = data.get("id")
        if raw_id is None or isinstance(raw_id, bool) or not isinstance(raw_id, _ID_KINDS):
            raise InvalidStatementLine("'id' is required (a string)")
        description = data.get("description")
        if description is None:
            description = ""
        if not isinstance(description, str):
            raise InvalidStatementLine("'description' must be a string")
        amount = data.get("amount", 0)
        if amount is None:
            amount = 0
        if isinstance(amount, str) and amount.strip().lstrip("-").isdigit():
            amount = int(amount.strip())
        if isinstance(amount, float) and amount.is_integer():
            amount = int(amount)
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidStatementLine("'amount' must be an integer in minor units")
        direction = data.get("direction", None)
        if direction is None:
            direction = "credit" if amount < 0 else "debit"
        if not isinstance(direction, str) or direction.strip().lower() not in ("debit", "credit"):
            raise InvalidStatementLine("'direction' must be 'debit' or 'credit'")
        direction = direction.strip().lower()
        if amount < 0:
            amount = -amount
        currency = data.get("currency") or ""
        if not isinstance(currency, str):
            raise InvalidStatementLine("'currency' must be a string")
        mcc = data.get("mcc")
        if isinstance(mcc, float) and mcc.is_integer():
            mcc = f"{int(mcc):04d}"
        if mcc is not None:
            if isinstance(mcc, bool) or not isinstance(mcc, str | int):
                raise InvalidStatementLine("'mcc' must be a string of digits or null")
            mcc = str(mcc).strip() or None
        date = data.get("date")
        counterparty = data.get("counterparty")
        return cls(
            id=str(raw_id),
            description=description,
            amount=amount,
            currency=currency.strip().upper(),
            direction=direction,
            mcc=mcc,
            date=date if isinstance(date, str) else None,
            counterparty=counterparty if isinstance(counterparty, str) else None,
        )


@dataclass(frozen=True, slots=True)
class Categorization:
    """The category of one line, where it came from and how sure it is.

    ``primary`` and ``detailed`` are None when the categorizer abstains (the line goes to the
    review queue). ``source`` names the stage: correction, user_rule, payee_rule, rule:<name>,
    merchant, keyword, mcc, classifier, refund+<stage>, or abstain.
    """

    id: str
    primary: str | None
    detailed: str | None
    confidence: float
    merchant: str | None
    source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "primary": self.primary,
            "detailed": self.detailed,
            "confidence": round(self.confidence, 3),
            "merchant": self.merchant,
        }


_OPERATORS = (
    "contains",
    "not_contains",
    "is",
    "starts_with",
    "ends_with",
    "matches",
    "one_of",
    "greater_than",
    "less_than",
    "between",
)
_AMOUNT_ONLY = ("greater_than", "less_than", "between")
_FIELDS = ("description", "merchant", "counterparty", "mcc", "amount", "currency", "direction")


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition of a customer's rule (Firefly III / Actual Budget style operators)."""

    field: str
    operator: str
    value: Any

    def __post_init__(self) -> None:
        if self.field not in _FIELDS:
            raise InvalidStatementLine(f"unknown rule field {self.field!r}; use one of {_FIELDS}")
        if self.operator not in _OPERATORS:
            raise InvalidStatementLine(
                f"unknown rule operator {self.operator!r}; use one of {_OPERATORS}"
            )
        if self.field == "amount":
            self._check_amount()
        elif self.operator in _AMOUNT_ONLY:
            raise InvalidStatementLine(
                f"operator {self.operator!r} compares amounts: use it on the 'amount' field"
            )
        elif self.operator == "one_of":
            if not isinstance(self.value, list | tuple) or not self.value:
                raise InvalidStatementLine("'one_of' needs a non-empty list of values")
        elif not isinstance(self.value, str | int) or isinstance(self.value, bool):
            raise InvalidStatementLine(f"the value of a {self.field!r} condition is a string")
        if self.operator == "matches":
            try:
                re.compile(str(self.value))
            except re.error as error:
                raise InvalidStatementLine(
                    f"'matches' needs a valid regular expression: {error}"
                ) from error

    def _check_amount(self) -> None:
        def whole(value: Any) -> bool:
            return isinstance(value, int) and not isinstance(value, bool)

        value = self.value
        if self.operator == "between":
            ok = isinstance(value, list | tuple) and len(value) == 2 and all(map(whole, value))
            if not ok:
                raise InvalidStatementLine("'between' needs [low, high] in minor units")
        elif self.operator == "one_of":
            if not isinstance(value, list | tuple) or not value or not all(map(whole, value)):
                raise InvalidStatementLine("'one_of' on amount needs a list of minor units")
        elif self.operator in ("is", "greater_than", "less_than"):
            if not whole(value):
                raise InvalidStatementLine("an amount condition's value is in minor units")
        else:
            raise InvalidStatementLine(
                "amount conditions use is, one_of, greater_than, less_than or between"
            )


@dataclass(frozen=True, slots=True)
class UserRule:
    """A customer's rule: all (or any) conditions true -> ``detailed``. Rules run by stage
    ("pre" before what was learned from corrections, "default" after it but before the
    built-in pipeline, "post" only when the pipeline abstained), then in order; the first
    rule that matches sets the category, so a rule runs once per line."""

    conditions: tuple[Condition, ...]
    detailed: str
    match_all: bool = True
    stage: str = "pre"
    name: str = ""

    def __post_init__(self) -> None:
        if self.stage not in RULE_STAGES:
            raise InvalidStatementLine(
                f"unknown rule stage {self.stage!r}; use one of {RULE_STAGES}"
            )
        if not self.conditions:
            raise InvalidStatementLine("a rule needs at least one condition")


RULE_STAGES = ("pre", "default", "post")


@dataclass(frozen=True, slots=True)
class CategorizationContext:
    """What the pipeline knows of one customer. Persistence is the caller's business.

    ``corrections``: the customer's locked choices, by line id or by merchant/description key
    (``correction_key``). ``payee_rules``: learned payee -> detailed after consistent corrections
    (see ``learn_payee_rules``). ``rules``: the customer's own rules. ``examples``: the
    corrected lines with their categories, which the per-customer correction model
    (``coffer.assistant.categorize.adaptation``) generalizes to variants of their descriptors.
    """

    corrections: Mapping[str, str] = field(default_factory=dict)
    payee_rules: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[UserRule, ...] = ()
    min_confidence: float | None = None
    examples: tuple[tuple[StatementLine, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.corrections or self.payee_rules or self.rules or self.examples)
