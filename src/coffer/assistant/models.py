"""The assistant's plain data: a customer's transactions, with their categories.

Everything downstream (questions, budgets, recurring series, forecasts, goals, the health
score, alerts, charts) is a pure function over a list of :class:`Txn`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import Any, Protocol

# Primary categories that are not spending (money moved between one's own pots, income).
NOT_SPENDING = frozenset({"INCOME", "TRANSFER_IN", "TRANSFER_OUT"})
Day = date  # a calendar date, for fields of classes that have a field named ``date``


@dataclass(frozen=True, slots=True)
class Txn:
    """One movement of a customer's money.

    ``amount`` is signed, in the currency's minor units: negative for money out.
    ``primary``/``detailed`` are Plaid personal finance category names (None: unknown).
    """

    id: str
    date: date
    amount: int
    currency: str
    description: str = ""
    merchant: str | None = None
    primary: str | None = None
    detailed: str | None = None
    account: str = ""
    source: str = "wallet"  # wallet | import
    confidence: float = 1.0
    category_source: str = "categorizer"  # categorizer | correction | metadata
    mcc: str | None = None
    counterparty: str | None = None
    # set when converted into the home currency: the amount as booked, and the rate's date
    original_amount: int | None = None
    original_currency: str | None = None
    fx_rate_date: Day | None = None

    @property
    def is_spending(self) -> bool:
        """Counts as spending (refunds in a spending category count negatively)."""
        return self.primary not in NOT_SPENDING and (self.amount < 0 or self.primary is not None)

    def with_category(self, primary: str | None, detailed: str | None, source: str) -> Txn:
        return replace(self, primary=primary, detailed=detailed, category_source=source)

    def summary(self) -> dict[str, Any]:
        """What lists of transactions show of each (id, date, amount, currency, description,
        merchant), as JSON values."""
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "amount": self.amount,
            "currency": self.currency,
            "description": self.description,
            "merchant": self.merchant,
        }


def newest_first(txns: Sequence[Txn]) -> list[Txn]:
    """``txns`` by date then id, the newest first."""
    return sorted(txns, key=lambda t: (t.date, t.id), reverse=True)


@dataclass(frozen=True, slots=True)
class Account:
    """A wallet or an imported external account, with its current balance."""

    id: str
    currency: str
    balance: int
    name: str = ""
    source: str = "wallet"


@dataclass(frozen=True, slots=True)
class Goal:
    id: str
    name: str
    target_amount: int
    currency: str
    target_date: date | None
    saved_amount: int = 0
    created_on: date | None = None
    contributions: tuple[tuple[date, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Budget:
    id: str
    category: str  # a Plaid primary or detailed name
    amount: int  # per month, minor units
    currency: str
    rollover: bool = True
    start_month: date | None = None  # first day of the first budgeted month


@dataclass(slots=True)
class CustomerData:
    """Everything the assistant knows of one customer, loaded once per question."""

    customer_id: str
    currency: str
    transactions: list[Txn]
    accounts: list[Account] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    # derived from ``transactions`` only; the service keeps it as long as they are unchanged
    cache: dict[object, Any] = field(default_factory=dict)
    # how amounts in other currencies were converted into ``currency`` (a FxNote), if any
    fx: Any = None
    # exchange rates (a ``home_currency.RateSource``) for a price a question names in another
    # currency ("can I afford a 3000块 phone"), if the platform has any
    rates: Any = None

    @property
    def balance(self) -> int:
        return sum(a.balance for a in self.accounts if a.currency == self.currency)

    def merchants(self) -> list[str]:
        found = self.cache.get("merchants")
        if found is None:
            found = sorted({t.merchant for t in self.transactions if t.merchant})
            self.cache["merchants"] = found
        return list(found)

    def between(self, start: date, end: date) -> list[Txn]:
        """Transactions dated ``start`` to ``end`` (by bisection when sorted by date)."""
        if "dates" not in self.cache:
            dates = [t.date for t in self.transactions]
            ordered = all(a <= b for a, b in pairwise(dates))
            self.cache["dates"] = dates if ordered else None
        found: list[date] | None = self.cache["dates"]
        if found is None:
            return [t for t in self.transactions if start <= t.date <= end]
        return self.transactions[bisect_left(found, start) : bisect_right(found, end)]

    def recurring(self, today: date) -> list[Any]:
        """:func:`coffer.assistant.recurring.detect_recurring` of the transactions, kept."""
        key = ("recurring", today)
        found = self.cache.get(key)
        if found is None:
            from coffer.assistant.recurring import detect_recurring

            found = detect_recurring(self.transactions, today)
            self.cache[key] = found
        return list(found)


class Categorizer(Protocol):
    """The categorization pipeline, as the assistant calls it.

    Takes lines shaped like ``coffer assistant categorize`` input
    (``id, date, description, amount (positive), currency, direction, mcc``) and returns,
    in the same order, results with ``primary``, ``detailed``, ``confidence`` and
    ``merchant`` (mappings or objects with those attributes).
    """

    def __call__(self, lines: Sequence[Mapping[str, Any]]) -> Sequence[Any]: ...


def result_field(result: Any, name: str) -> Any:
    """A field of a categorizer result, whether a mapping or an object."""
    if isinstance(result, Mapping):
        return result.get(name)
    return getattr(result, name, None)


def categorize_txns(categorizer: Categorizer, txns: Sequence[Txn]) -> list[Txn]:
    """``txns`` with the categorizer's categories and merchants (those without one)."""
    todo = [i for i, t in enumerate(txns) if t.primary is None]
    if not todo:
        return list(txns)
    lines = [
        {
            "id": txns[i].id,
            "date": txns[i].date.isoformat(),
            "description": txns[i].description,
            "amount": abs(txns[i].amount),
            "currency": txns[i].currency,
            "direction": "debit" if txns[i].amount < 0 else "credit",
            "mcc": txns[i].mcc,
        }
        for i in todo
    ]
    results = categorizer(lines)
    out = list(txns)
    for i, result in zip(todo, results, strict=True):
        t = out[i]
        confidence = result_field(result, "confidence")
        out[i] = replace(
            t,
            primary=result_field(result, "primary"),
            detailed=result_field(result, "detailed"),
            merchant=t.merchant or result_field(result, "merchant"),
            confidence=float(confidence) if confidence is not None else 0.0,
        )
    return out
