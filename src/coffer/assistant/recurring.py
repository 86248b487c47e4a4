"""Recurring series: subscriptions, bills and income (weekly, biweekly, monthly, quarterly,
yearly), their next date and amount, price changes, missed payments and new ones."""

from __future__ import annotations

import itertools
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from coffer.assistant.ask.spans import add_months
from coffer.assistant.models import Txn

# cadence: (typical days, low, high, months per step or 0, grace days, per-month num/den)
CADENCES: dict[str, tuple[int, int, int, int, int, tuple[int, int]]] = {
    "weekly": (7, 6, 8, 0, 3, (52, 12)),
    "biweekly": (14, 12, 16, 0, 4, (26, 12)),
    "monthly": (30, 26, 35, 1, 7, (1, 1)),
    "quarterly": (91, 84, 98, 3, 14, (1, 3)),
    "yearly": (365, 350, 380, 12, 30, (1, 12)),
}
BILL_CATEGORIES = ("RENT_AND_UTILITIES", "LOAN_PAYMENTS", "GENERAL_SERVICES")


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    cadence: str
    kind: str  # subscription | bill | income | transfer (to savings, ...)
    currency: str
    amount: int  # signed, the latest occurrence
    occurrences: int
    first_date: date
    last_date: date
    next_date: date
    next_amount: int
    monthly_amount: int  # signed, normalized to a month
    primary: str | None
    detailed: str | None
    previous_amount: int | None  # the price before a change within the last 6 occurrences
    missed: bool  # the expected occurrence is overdue
    active: bool
    new: bool  # started within the last two periods
    transaction_ids: tuple[str, ...]

    @property
    def price_changed(self) -> bool:
        return self.previous_amount is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "cadence": self.cadence,
            "kind": self.kind,
            "currency": self.currency,
            "amount": self.amount,
            "monthly_amount": self.monthly_amount,
            "occurrences": self.occurrences,
            "last_date": self.last_date.isoformat(),
            "next_date": self.next_date.isoformat(),
            "next_amount": self.next_amount,
            "previous_amount": self.previous_amount,
            "missed": self.missed,
            "active": self.active,
            "new": self.new,
            "category": self.detailed or self.primary,
        }


def series_key(t: Txn) -> str:
    if t.merchant:
        return t.merchant.lower()
    words = re.sub(r"[\d#*/.:-]+", " ", t.description.lower())
    return " ".join(words.split()[:3])


def _cadence(intervals: list[int]) -> str | None:
    if not intervals:
        return None
    middle = statistics.median(intervals)
    for name, (_, low, high, *_rest) in CADENCES.items():
        if low <= middle <= high:
            fitting = sum(1 for i in intervals if low - 2 <= i <= high + 2)
            if fitting >= 0.7 * len(intervals):
                return name
    return None


def _step(day: date, cadence: str, anchor_day: int) -> date:
    days, _, _, months, _, _ = CADENCES[cadence]
    if months == 0:
        return day + timedelta(days=days)
    moved = add_months(day.replace(day=1), months)
    return add_months(moved.replace(day=1), 0).replace(
        day=min(anchor_day, _month_days(moved.year, moved.month))
    )


def _month_days(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


def _stable(amounts: list[int], tolerance: float) -> bool:
    middle = statistics.median(amounts)
    if middle == 0:
        return False
    near = sum(1 for a in amounts if abs(a - middle) <= abs(middle) * tolerance)
    return near >= 0.75 * len(amounts)


def detect_recurring(txns: Sequence[Txn], today: date) -> list[Series]:
    """Every recurring series in ``txns`` (ordered by next date)."""
    groups: dict[tuple[str, bool, str], list[Txn]] = defaultdict(list)
    for t in txns:
        if t.amount == 0 or t.primary == "TRANSFER_IN" or t.detailed == "TRANSFER_OUT_WITHDRAWAL":
            continue
        groups[(series_key(t), t.amount > 0, t.currency)].append(t)
    found: list[Series] = []
    for (key, incoming, currency), items in groups.items():
        if not key or len(items) < 2:
            continue
        items.sort(key=lambda t: t.date)
        # one charge per day at most: several on a day are not a series' occurrences
        dates = [t.date for t in items]
        if len(set(dates)) < len(dates) * 0.9:
            continue
        intervals = [(b - a).days for a, b in itertools.pairwise(dates)]
        cadence = _cadence(intervals)
        if cadence is None:
            continue
        if len(items) < 3 and cadence != "yearly" and (today - dates[-1]).days > 70:
            continue
        amounts = [t.amount for t in items]
        primary = items[-1].primary
        is_bill = (primary or "").startswith(BILL_CATEGORIES) or incoming
        tolerance = 0.35 if is_bill else 0.12 if len(items) > 2 else 0.005
        if not _stable(amounts, tolerance):
            continue
        kind = (
            "income" if incoming
            else "transfer" if primary == "TRANSFER_OUT"
            else "bill" if is_bill
            else "subscription"
        )  # fmt: skip
        last = items[-1]
        days, _, _, _, grace, (num, den) = CADENCES[cadence]
        anchor = statistics.median_low([d.day for d in dates[-3:]])
        next_date = _step(last.date, cadence, anchor)
        missed = today > next_date + timedelta(days=grace)
        active = today <= next_date + timedelta(days=grace + days)
        previous = None
        for older, newer in zip(items[-7:-1][::-1], items[-6:][::-1], strict=False):
            if older.amount != newer.amount:
                if not incoming and abs(older.amount - newer.amount) > abs(older.amount) * 0.01:
                    previous = older.amount
                break
        next_amount = last.amount if not is_bill else round(statistics.median(amounts[-3:]))
        found.append(
            Series(
                name=last.merchant or key.title(),
                cadence=cadence,
                kind=kind,
                currency=currency,
                amount=last.amount,
                occurrences=len(items),
                first_date=dates[0],
                last_date=last.date,
                next_date=next_date,
                next_amount=next_amount,
                monthly_amount=next_amount * num // den
                if next_amount >= 0
                else -((-next_amount * num) // den),
                primary=primary,
                detailed=last.detailed,
                previous_amount=previous,
                missed=missed,
                active=active,
                new=(today - dates[0]).days <= 2 * days + grace,
                transaction_ids=tuple(t.id for t in items),
            )
        )
    found.sort(key=lambda s: (s.next_date, s.name))
    return found


def expected_between(series: Sequence[Series], start: date, end: date) -> list[tuple[date, Series]]:
    """Occurrences of active series expected from ``start`` to ``end`` (inclusive)."""
    out: list[tuple[date, Series]] = []
    for s in series:
        if not s.active:
            continue
        day = s.next_date
        anchor = s.next_date.day
        for _ in range(60):
            if day > end:
                break
            if day >= start:
                out.append((day, s))
            day = _step(day, s.cadence, anchor)
    out.sort(key=lambda pair: pair[0])
    return out
