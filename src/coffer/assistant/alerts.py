"""Alerts: unusual spending (outliers per merchant and category), duplicate charges,
subscription price increases, bills due (and bills due with too little balance), budget
pace and budgets exceeded, and a low balance in the 90-day forecast. Pure functions; the
events a platform forwards are their ``as_dict()`` (type ``assistant.alert.<kind>``).

Each alert has a dedup ``key``: the same key is published once per customer. Budget alerts
are keyed by budget and month (one pace warning and one "exceeded" per budget and month,
however the numbers move), a forecast low balance by the month of its first low day, a bill
by its series and due date; the other kinds by their content."""

from __future__ import annotations

import itertools
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import get_args

from coffer.assistant.models import CustomerData, Txn
from coffer.assistant.money import fmt
from coffer.assistant.recurring import Series, detect_recurring, expected_between
from coffer.assistant.schemas import AlertKind
from coffer.assistant.spending import is_spending

RECENT_DAYS = 30
BILL_DUE_DAYS = 3
KINDS: tuple[str, ...] = get_args(AlertKind)


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # one of KINDS
    day: date
    message: str
    amount: int
    currency: str
    transaction_ids: tuple[str, ...] = ()
    key: str = ""  # dedup key (empty: the alert's content)

    @property
    def dedup_key(self) -> str:
        """What makes two alerts the same one (hashed into the published key)."""
        if self.key:
            return f"{self.kind}:{self.key}"
        parts = [self.kind, self.day.isoformat(), self.amount, list(self.transaction_ids)]
        return json.dumps([*parts, self.message])

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
    """Every alert of the customer today, by day and kind."""
    series = detect_recurring(data.transactions, today)
    out = spending_alerts(data, today) + series_alerts(data, series, today, low_balance)
    out += budget_alerts(data, today)
    out += forecast_alerts(data, series, today, low_balance)
    return sorted(out, key=lambda a: (a.day, a.kind))


def feed_alerts(data: CustomerData, today: date, low_balance: int = 0) -> list[Alert]:
    """The alerts a wallet app's notification feed shows (its budget alerts have their own
    notifications there): unusual spending, duplicate charges, price increases, bills due
    (with too little balance or not) and a low balance ahead."""
    return [a for a in find_alerts(data, today, low_balance) if not a.kind.startswith("budget_")]


def kept_feed_alerts(
    data: CustomerData,
    today: date,
    *,
    max_age_seconds: float,
    now: float,
    low_balance: int = 0,
) -> list[Alert]:
    """:func:`feed_alerts`, kept in the customer's data cache (``data.cache``, which the
    assistant empties when the customer's transactions change: a movement, an import, a
    correction) and computed again once ``max_age_seconds`` old (for what the cache does
    not follow: an imported account's balance set by hand). ``now``: seconds, monotonic."""
    key = ("feed_alerts", today, low_balance)
    held = data.cache.get(key)
    if held is not None and now - held[0] < max_age_seconds:
        return list(held[1])
    alerts = feed_alerts(data, today, low_balance)
    data.cache[key] = (now, tuple(alerts))
    return alerts


def spending_alerts(data: CustomerData, today: date) -> list[Alert]:
    """Unusual spending (per merchant, else category) and duplicate charges, last 30 days."""
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
    return out


def series_alerts(
    data: CustomerData, series: list[Series], today: date, low_balance: int
) -> list[Alert]:
    """Subscription price increases and bills due soon (with too little balance or not)."""
    cur = data.currency
    since = today - timedelta(days=RECENT_DAYS)
    out: list[Alert] = []
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
                             -s.next_amount, cur, key=f"{s.name}:{day.isoformat()}"))  # fmt: skip
        elif s.next_amount < 0 and day <= today + timedelta(days=BILL_DUE_DAYS):
            out.append(Alert("bill_due", day,
                             f"{s.name} ({fmt(-s.next_amount, cur)}) is due on {day}",
                             -s.next_amount, cur, key=f"{s.name}:{day.isoformat()}"))  # fmt: skip
    return out


def budget_alerts(data: CustomerData, today: date) -> list[Alert]:
    """This month's budgets: exceeded already, or exceeded at this pace (one of the two)."""
    from coffer.assistant.ask.vocabulary import label
    from coffer.assistant.budgets import budget_months, pace

    out = []
    for budget in data.budgets:
        month = budget_months(budget, data.transactions, today)[-1]
        name = label(budget.category)
        key = f"{budget.id}:{month.month.isoformat()[:7]}"
        if month.spent > month.available:
            over = month.spent - month.available
            out.append(Alert("budget_exceeded", today,
                             f"You have exceeded {name} by {fmt(over, budget.currency)} this month",
                             over, budget.currency, key=key))  # fmt: skip
            continue
        warning = pace(budget, month, today)
        if warning is not None:
            out.append(Alert("budget_pace", today, warning.message(name), warning.over_by,
                             budget.currency, key=key))  # fmt: skip
    return out


def forecast_alerts(
    data: CustomerData, series: list[Series], today: date, low_balance: int
) -> list[Alert]:
    """The 90-day balance projection going below ``low_balance``."""
    from coffer.assistant.forecast import balance_projection

    points, low = balance_projection(
        data.balance, data.transactions, series, data.currency, today, low_balance=low_balance
    )
    if not low or not data.accounts:
        return []
    first = low[0]
    lowest = min(p.balance for p in points)
    return [Alert("low_balance_forecast", first,
                  f"At this rate your balance falls below {fmt(low_balance, data.currency)} "
                  f"on {first} (lowest {fmt(lowest, data.currency)} within 90 days)",
                  low_balance - lowest, data.currency, key=first.isoformat()[:7])]  # fmt: skip
