"""Sums over transactions: spending per category, month and merchant (pure functions)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from coffer.assistant.ask.spans import Period, month_start
from coffer.assistant.models import NOT_SPENDING, Txn


def in_period(txns: Iterable[Txn], period: Period) -> list[Txn]:
    return [t for t in txns if period.start <= t.date <= period.end]


def is_spending(t: Txn) -> bool:
    """Money spent: outflows and their refunds, outside income and own transfers."""
    return t.primary not in NOT_SPENDING


def spent(txns: Iterable[Txn], currency: str, match: Callable[[Txn], bool] | None = None) -> int:
    """What ``txns`` spent in ``currency`` (refunds reduce it), minor units, >= 0 usually."""
    return -sum(
        t.amount
        for t in txns
        if t.currency == currency and is_spending(t) and (match is None or match(t))
    )


def matching(txns: Iterable[Txn], currency: str, match: Callable[[Txn], bool]) -> list[Txn]:
    return [t for t in txns if t.currency == currency and is_spending(t) and match(t)]


def income(txns: Iterable[Txn], currency: str) -> int:
    return sum(t.amount for t in txns if t.currency == currency and t.primary == "INCOME")


def by_key(
    txns: Iterable[Txn], currency: str, key: Callable[[Txn], str | None]
) -> dict[str | None, int]:
    """Spending per key (category, merchant), largest first."""
    totals: dict[str | None, int] = defaultdict(int)
    for t in txns:
        if t.currency == currency and is_spending(t):
            totals[key(t)] -= t.amount
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def monthly(
    txns: Iterable[Txn], currency: str, match: Callable[[Txn], bool] | None = None
) -> dict[date, int]:
    """Spending per calendar month (key: the month's first day)."""
    totals: dict[date, int] = defaultdict(int)
    for t in txns:
        if t.currency == currency and is_spending(t) and (match is None or match(t)):
            totals[month_start(t.date)] -= t.amount
    return dict(sorted(totals.items()))


def month_range(first: date, last: date) -> list[date]:
    """First days of every month from ``first``'s to ``last``'s."""
    out = []
    current = month_start(first)
    end = month_start(last)
    while current <= end:
        out.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return out


def series(
    txns: Sequence[Txn], currency: str, months: list[date], match: Callable[[Txn], bool] | None
) -> list[int]:
    totals = monthly(txns, currency, match)
    return [totals.get(m, 0) for m in months]
