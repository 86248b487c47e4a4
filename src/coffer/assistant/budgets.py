"""Budgets per category and month: rollover of surplus and overspend, pace alerts, and
suggested budgets (pure functions over categorized transactions).

Rollover arithmetic, per month ``m`` of a budget with rollover on::

    available(m) = amount + carried(m)        carried(first month) = 0
    remaining(m) = available(m) - spent(m)    (negative: overspent)
    carried(m+1) = remaining(m)               (surplus and overspend both roll over)

Without rollover every month starts from ``amount`` alone.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from coffer.assistant.ask.spans import add_months, month_end, month_start
from coffer.assistant.models import Budget, Txn
from coffer.assistant.spending import month_range, monthly


def in_category(code: str) -> object:
    return lambda t: t.primary == code or t.detailed == code


@dataclass(frozen=True, slots=True)
class BudgetMonth:
    month: date  # first day
    budgeted: int
    carried_in: int
    spent: int

    @property
    def available(self) -> int:
        return self.budgeted + self.carried_in

    @property
    def remaining(self) -> int:
        return self.available - self.spent

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month.isoformat()[:7],
            "budgeted": self.budgeted,
            "carried_in": self.carried_in,
            "available": self.available,
            "spent": self.spent,
            "remaining": self.remaining,
        }


def budget_months(budget: Budget, txns: Sequence[Txn], through: date) -> list[BudgetMonth]:
    """The budget's months from its start to ``through``'s month, with rollover."""
    spent = monthly(txns, budget.currency, lambda t: budget.category in (t.primary, t.detailed))
    first = budget.start_month or (min(spent) if spent else month_start(through))
    months: list[BudgetMonth] = []
    carried = 0
    for month in month_range(first, through):
        row = BudgetMonth(month, budget.amount, carried, spent.get(month, 0))
        months.append(row)
        carried = row.remaining if budget.rollover else 0
    return months


@dataclass(frozen=True, slots=True)
class PaceAlert:
    category: str
    currency: str
    projected_spent: int
    available: int
    over_by: int
    exceed_on: date

    def message(self, name: str, language: str = "en") -> str:
        from coffer.assistant.money import fmt

        if language == "zh":
            over = fmt(self.over_by, self.currency)
            return f"按这个速度，{name}将在 {self.exceed_on.day} 日超支 {over}。"
        return (
            f"At this pace you will exceed {name} by {fmt(self.over_by, self.currency)} "
            f"on the {_ordinal(self.exceed_on.day)}."
        )


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def pace(budget: Budget, month: BudgetMonth, today: date) -> PaceAlert | None:
    """A warning when spending at this month's pace would exceed what is available."""
    elapsed = today.day
    days = month_end(today).day
    if month.spent <= 0 or month.month != month_start(today):
        return None
    projected = month.spent * days // elapsed
    if projected <= month.available:
        return None
    if month.spent > month.available:
        exceed_on = today
    else:
        # first day d with spent / elapsed * d > available
        day = month.available * elapsed // month.spent + 1
        exceed_on = today.replace(day=min(max(day, elapsed), days))
    return PaceAlert(
        category=budget.category,
        currency=budget.currency,
        projected_spent=projected,
        available=month.available,
        over_by=projected - month.available,
        exceed_on=exceed_on,
    )


def suggest_budgets(
    txns: Sequence[Txn], currency: str, today: date, months: int = 6
) -> dict[str, int]:
    """Per detailed category: the median of the last ``months`` complete months' spending,
    rounded up to a whole 10 units, for categories spent on in at least half of them."""
    last = month_start(today) - timedelta(days=1)
    window = month_range(add_months(month_start(today), -months), last)
    codes = {t.detailed for t in txns if t.detailed and t.amount < 0}
    out: dict[str, int] = {}
    for code in sorted(codes):
        per = monthly(txns, currency, lambda t, c=code: t.detailed == c)  # type: ignore[misc]
        values = [per.get(m, 0) for m in window]
        if sum(1 for v in values if v > 0) * 2 < len(values):
            continue
        middle = int(statistics.median(values))
        if middle > 0:
            out[code] = -(-middle // 1000) * 1000
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
