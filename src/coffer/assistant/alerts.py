"""Alerts: unusual spending (outliers per merchant and category), duplicate charges,
subscription price increases and bills due with too little balance. Pure functions; the
events a platform forwards are their ``as_dict()`` (type ``assistant.alert.<kind>``)."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from coffer.assistant.models import CustomerData, Txn
from coffer.assistant.money import fmt
from coffer.assistant.recurring import detect_recurring, expected_between
from coffer.assistant.spending import is_spending

RECENT_DAYS = 30


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # outlier | duplicate_charge | price_increase | low_balance_bill
    day: date
    message: str
    amount: int
    currency: str
    transaction_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "type": f"assistant.alert.{self.kind}",
            "kind": self.kind,
            "date": self.day.isoformat(),
            "message": self.message,
            "amount": self.amount,
            "currency": self.currency,
            "transaction_ids": list(self.transaction_ids),
        }


def find_alerts(data: CustomerData, today: date, low_balance: int = 0) -> list[Alert]:
    cur = data.currency
    since = today - timedelta(days=RECENT_DAYS)
    out: list[Alert] = []
    history: dict[str, list[int]] = defaultdict(list)
    spend = [t for t in data.transactions if t.currency == cur and t.amount < 0 and is_spending(t)]
    for t in spend:
        key = t.merchant or t.detailed or t.primary or ""
        if t.date > since:
            past = history.get(key, [])
            if len(past) >= 5:
                middle = statistics.median(past)
                spread = statistics.median(abs(v - middle) for v in past) or middle * 0.1
                if -t.amount > max(3 * middle, middle + 5 * spread):
                    out.append(Alert("outlier", t.date,
                                     f"{fmt(-t.amount, cur)} at {key} is unusually high (usually {fmt(int(middle), cur)})",
                                     -t.amount, cur, (t.id,)))  # fmt: skip
        history[key].append(-t.amount)
    by_pair: dict[tuple[str, int], list[Txn]] = defaultdict(list)
    for t in spend:
        if t.date > since:
            by_pair[(t.merchant or t.description, t.amount)].append(t)
    for (name, amount), items in by_pair.items():
        items.sort(key=lambda t: t.date)
        for a, b in itertools.pairwise(items):
            if (b.date - a.date).days <= 1:
                out.append(Alert("duplicate_charge", b.date,
                                 f"Two charges of {fmt(-amount, cur)} at {name} on {a.date} and {b.date}",
                                 -amount, cur, (a.id, b.id)))  # fmt: skip
    series = detect_recurring(data.transactions, today)
    for s in series:
        if (
            s.previous_amount is not None
            and s.amount < s.previous_amount
            and s.last_date > since
            and s.active
        ):
            out.append(Alert("price_increase", s.last_date,
                             f"{s.name} went up from {fmt(-s.previous_amount, s.currency)} to {fmt(-s.amount, s.currency)}",
                             s.previous_amount - s.amount, s.currency))  # fmt: skip
    balance = data.balance
    for day, s in expected_between(
        [s for s in series if s.currency == cur], today, today + timedelta(days=7)
    ):
        balance += s.next_amount
        if s.next_amount < 0 and balance < low_balance:
            out.append(Alert("low_balance_bill", day,
                             f"{s.name} ({fmt(-s.next_amount, cur)}) is due on {day} and your balance will not cover it",
                             -s.next_amount, cur))  # fmt: skip
    out.sort(key=lambda a: (a.day, a.kind))
    return out
