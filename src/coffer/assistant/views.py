"""Composed read models for the API and the CLI: budget status, forecasts, charts."""

from __future__ import annotations

from datetime import date
from typing import Any

from coffer.assistant import budgets as B
from coffer.assistant import charts
from coffer.assistant.ask.spans import Period, add_months, month_start
from coffer.assistant.ask.vocabulary import label
from coffer.assistant.forecast import balance_projection, forecast_categories
from coffer.assistant.goals import goal_status
from coffer.assistant.models import CustomerData
from coffer.assistant.recurring import detect_recurring
from coffer.assistant.spending import by_key, in_period, month_range, monthly
from coffer.errors import ValidationError


def budget_view(data: CustomerData, today: date) -> dict[str, Any]:
    rows = []
    for budget in data.budgets:
        months = B.budget_months(budget, data.transactions, today)
        current = months[-1]
        alert = B.pace(budget, current, today)
        rows.append({
            "id": budget.id, "category": budget.category, "name": label(budget.category),
            "amount": budget.amount, "currency": budget.currency, "rollover": budget.rollover,
            **current.as_dict(), "history": [m.as_dict() for m in months[-12:]],
            "pace_alert": alert.message(label(budget.category)) if alert else None,
        })  # fmt: skip
    return {
        "data": rows,
        "suggested": B.suggest_budgets(data.transactions, data.currency, today),
    }


def forecast_view(data: CustomerData, today: date, months: int) -> dict[str, Any]:
    series = detect_recurring(data.transactions, today)
    points, low = balance_projection(data.balance, data.transactions, series, data.currency, today)
    return {
        "currency": data.currency,
        "categories": [
            f.as_dict()
            for f in forecast_categories(data.transactions, data.currency, today, months)
        ],
        "balance_projection": [
            {"date": p.day.isoformat(), "balance": p.balance} for p in points[::7]
        ],
        "low_balance_days": [d.isoformat() for d in low[:10]],
    }


def chart_svg(kind: str, data: CustomerData, today: date) -> str:
    cur = data.currency
    if kind == "spending_by_category":
        period = Period(month_start(today), today, "this month")
        totals = by_key(in_period(data.transactions, period), cur, lambda t: label(t.primary))
        return charts.bars([(k or "", v) for k, v in totals.items() if v > 0], cur,
                           f"Spending by category, {today:%B %Y}")  # fmt: skip
    if kind == "monthly_trend":
        months = month_range(add_months(month_start(today), -12), today)
        per_month = monthly(data.transactions, cur)
        return charts.line([m.strftime("%b %y") for m in months],
                           [("Spending", [per_month.get(m, 0) for m in months])], cur, "Monthly spending")  # fmt: skip
    if kind == "budget_vs_actual":
        rows = [B.budget_months(b, data.transactions, today)[-1] for b in data.budgets]
        items = [
            (label(b.category), r.available, r.spent)
            for b, r in zip(data.budgets, rows, strict=True)
        ]
        return charts.grouped(items, cur, f"Budget vs actual, {today:%B %Y}")
    if kind == "forecast":
        months = month_range(add_months(month_start(today), -12), today)
        spent_by_month = monthly(data.transactions, cur)
        forecasts = forecast_categories(data.transactions, cur, today, 3)
        ahead: dict[date, list[int]] = {}
        for f in forecasts:
            row = ahead.setdefault(f.month, [0, 0, 0])
            row[0] += f.amount
            row[1] += f.low
            row[2] += f.high
        history = [spent_by_month.get(m, 0) for m in months[:-1]]
        future = sorted(ahead)
        labels = [m.strftime("%b %y") for m in months[:-1]] + [m.strftime("%b %y") for m in future]
        values = history + [ahead[m][0] for m in future]
        lows = history + [ahead[m][1] for m in future]
        highs = history + [ahead[m][2] for m in future]
        return charts.line(labels, [("Spending and forecast", values)], cur,
                           "Spending forecast (80% band)", band=(lows, highs))  # fmt: skip
    if kind == "goal_progress":
        if not data.goals:
            raise ValidationError("no goal to chart: create a goal first")
        status = goal_status(data.goals[0], today)
        return charts.progress(
            status.goal.name, status.saved, status.goal.target_amount, status.goal.currency
        )
    raise ValidationError(f"unknown chart {kind!r}")
