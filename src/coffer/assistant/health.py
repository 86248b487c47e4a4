"""Coffer's financial health score ("Money Health"), 0-100, with its components.

Modelled on the Financial Health Network's FinHealth Score® (a registered trademark of
the Financial Health Network; Coffer's score is neither it nor endorsed by it): of its
eight indicators, those a wallet's data supports: spending less than income, paying
bills on time, liquid savings in months of expenses, a savings rate, and planning ahead
(goals and budgets). Each component scores 0-100; the score is their weighted mean.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from coffer.assistant.ask.spans import Period, add_months, month_start
from coffer.assistant.models import CustomerData
from coffer.assistant.recurring import detect_recurring
from coffer.assistant.spending import in_period, income, spent

WEIGHTS = {"spend_vs_income": 25, "bills_on_time": 20, "liquid_savings": 25,
           "savings_rate": 20, "plans_ahead": 10}  # fmt: skip


def _ramp(value: float, points: list[tuple[float, float]]) -> float:
    """Piecewise-linear score through ``points`` (x ascending)."""
    if value <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if value <= x1:
            return y0 + (y1 - y0) * (value - x0) / (x1 - x0)
    return points[-1][1]


@dataclass(slots=True)
class Health:
    score: int
    components: dict[str, dict[str, object]] = field(default_factory=dict)
    tips: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "band": "healthy"
            if self.score >= 80
            else "coping"
            if self.score >= 40
            else "vulnerable",
            "components": self.components,
            "tips": self.tips,
            "modelled_on": "FinHealth Score (Financial Health Network)",
        }


def health_score(data: CustomerData, today: date) -> Health:
    cur = data.currency
    start = add_months(month_start(today), -6)
    window = Period(start, month_start(today) - timedelta(days=1), "the last 6 months")
    rows = in_period(data.transactions, window)
    earned = income(rows, cur)
    spending = spent(rows, cur)
    monthly_spending = max(spending // 6, 1)
    parts: dict[str, tuple[float, object, str]] = {}
    ratio = spending / earned if earned > 0 else 2.0
    parts["spend_vs_income"] = (_ramp(ratio, [(0.7, 100), (0.9, 80), (1.0, 50), (1.2, 0)]),
                                round(ratio, 3), "Spend less than you earn each month.")  # fmt: skip
    series = [
        s for s in detect_recurring(data.transactions, today) if s.amount < 0 and s.kind == "bill"
    ]
    missed = sum(1 for s in series if s.missed and s.active)
    overdrawn = any(a.balance < 0 for a in data.accounts)
    on_time = 100.0 if not series else 100.0 * (len(series) - missed) / len(series)
    if overdrawn:
        on_time = min(on_time, 40.0)
    parts["bills_on_time"] = (on_time, {"bills": len(series), "missed": missed, "overdrawn": overdrawn},
                              "Keep enough in your wallet for bills before their due dates.")  # fmt: skip
    months = data.balance / monthly_spending
    parts["liquid_savings"] = (_ramp(months, [(0, 0), (1, 40), (3, 75), (6, 100)]), round(months, 2),
                               "Build savings worth 3 to 6 months of spending.")  # fmt: skip
    rate = (earned - spending) / earned if earned > 0 else -1.0
    parts["savings_rate"] = (_ramp(rate, [(-0.1, 0), (0, 30), (0.1, 70), (0.2, 100)]), round(rate, 3),
                             "Aim to keep 10-20% of your income.")  # fmt: skip
    plans = (50 if data.goals else 0) + (50 if data.budgets else 0)
    parts["plans_ahead"] = (float(plans), {"goals": len(data.goals), "budgets": len(data.budgets)},
                            "Set a savings goal and a budget for your biggest categories.")  # fmt: skip
    total = sum(WEIGHTS[k] * v[0] for k, v in parts.items()) / sum(WEIGHTS.values())
    components = {
        k: {"score": round(v[0]), "weight": WEIGHTS[k], "value": v[1]} for k, v in parts.items()
    }
    tips = [v[2] for k, v in sorted(parts.items(), key=lambda kv: kv[1][0]) if v[0] < 70][:3]
    return Health(round(total), components, tips)
