"""Forecasts: next months' spending per category, and a 90-day balance projection.

The monthly method ("seasonal level"): a level (mean of the last three months, each
divided by its month's seasonal index) times the seasonal index of the month forecast.
The index of a calendar month is the ratio of that month to the mean of the twelve
months ending with it, averaged over the years of history and shrunk halfway towards 1
(no seasonality before 13 months of history). The band is +-1.28 standard deviations of
the method's one-step errors over the last twelve months (80%). The baseline it is
measured against (``bench/assistant_ask.py``, docs/assistant.md) is seasonal-naive:
the same month a year before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from coffer.assistant.ask.spans import add_months, month_start
from coffer.assistant.models import Txn
from coffer.assistant.recurring import Series, expected_between
from coffer.assistant.spending import is_spending

SHRINK = 0.5
Z80 = 1.2816


def seasonal_indexes(values: Sequence[float], months: Sequence[int]) -> dict[int, float]:
    """Calendar month -> seasonal index (1.0 when history is short)."""
    ratios: dict[int, list[float]] = {}
    for i in range(11, len(values)):
        window = values[i - 11 : i + 1]
        mean = sum(window) / 12
        if mean > 0:
            ratios.setdefault(months[i], []).append(values[i] / mean)
    out = {m: 1.0 for m in range(1, 13)}
    for month, found in ratios.items():
        out[month] = 1.0 + SHRINK * (sum(found) / len(found) - 1.0)
    return out


def _one(values: Sequence[float], months: Sequence[int], target_month: int,
         season: dict[int, float]) -> float:  # fmt: skip
    recent = list(zip(values[-3:], months[-3:], strict=True))
    if not recent:
        return 0.0
    level = sum(v / max(season[m], 0.05) for v, m in recent) / len(recent)
    return max(level * season[target_month], 0.0)


def forecast_values(
    values: Sequence[float], months: Sequence[int], horizon: int
) -> list[tuple[float, float, float]]:
    """``horizon`` forecasts (value, low, high) after a monthly series; ``months`` are the
    calendar months (1-12) of ``values``."""
    season = seasonal_indexes(values, months)
    errors = []
    for i in range(max(3, len(values) - 12), len(values)):
        errors.append(values[i] - _one(values[:i], months[:i], months[i], season))
    spread = math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else 0.0
    out = []
    last = months[-1] if months else 12
    for h in range(1, horizon + 1):
        target = (last - 1 + h) % 12 + 1
        value = _one(values, months, target, season)
        width = Z80 * spread * math.sqrt(h)
        out.append((value, max(value - width, 0.0), value + width))
    return out


def seasonal_naive(values: Sequence[float], horizon: int) -> list[float]:
    """The baseline: the same month a year before (the last value without a year)."""
    last = values[-1] if values else 0.0
    backs = (len(values) - 12 + step % 12 for step in range(horizon))
    return [values[back] if 0 <= back < len(values) else last for back in backs]


@dataclass(frozen=True, slots=True)
class CategoryForecast:
    category: str
    month: date
    amount: int
    low: int
    high: int
    seasonal_naive: int  # the baseline's forecast

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "month": self.month.isoformat()[:7]}


def monthly_matrix(
    txns: Sequence[Txn], currency: str, today: date, history_months: int = 24
) -> tuple[list[date], dict[str, list[float]]]:
    """Complete months before ``today``'s, and spending per primary category in each."""
    first = add_months(month_start(today), -history_months)
    months = [add_months(first, i) for i in range(history_months)]
    index = {m: i for i, m in enumerate(months)}
    rows: dict[str, list[float]] = {}
    for t in txns:
        if t.currency != currency or not is_spending(t):
            continue
        i = index.get(t.date.replace(day=1))
        if i is None:
            continue
        row = rows.setdefault(t.primary or "UNCATEGORIZED", [0.0] * history_months)
        row[i] -= t.amount
    # start each series at its first month with spending
    return months, rows


def forecast_categories(
    txns: Sequence[Txn], currency: str, today: date, horizon: int = 3
) -> list[CategoryForecast]:
    months, rows = monthly_matrix(txns, currency, today)
    out = []
    for category, values in sorted(rows.items()):
        start = next((i for i, v in enumerate(values) if v), len(values))
        values = values[start:]
        calendar_months = [m.month for m in months[start:]]
        if not values:
            continue
        predicted = forecast_values(values, calendar_months, horizon)
        naive = seasonal_naive(values, horizon)
        for h, ((value, low, high), base) in enumerate(zip(predicted, naive, strict=True), 1):
            out.append(
                CategoryForecast(
                    category=category,
                    month=add_months(month_start(today), h - 1),
                    amount=round(value),
                    low=round(low),
                    high=round(high),
                    seasonal_naive=round(base),
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class BalancePoint:
    day: date
    balance: int


def balance_projection(
    balance: int,
    txns: Sequence[Txn],
    series: Sequence[Series],
    currency: str,
    today: date,
    days: int = 90,
    low_balance: int = 0,
) -> tuple[list[BalancePoint], list[date]]:
    """Daily projected balance for ``days``: known recurring items on their dates plus the
    average daily variable spending of the last 90 days; and the days it is below
    ``low_balance``."""
    recurring_ids = {i for s in series for i in s.transaction_ids}
    since = today - timedelta(days=90)
    variable = -sum(
        t.amount
        for t in txns
        if t.currency == currency
        and since < t.date <= today
        and t.id not in recurring_ids
        and is_spending(t)
    )
    daily = variable // 90
    expected: dict[date, int] = {}
    for day, s in expected_between(
        [s for s in series if s.currency == currency],
        today + timedelta(days=1),
        today + timedelta(days=days),
    ):
        expected[day] = expected.get(day, 0) + s.next_amount
    points = []
    running = balance
    low = []
    for offset in range(1, days + 1):
        day = today + timedelta(days=offset)
        running += expected.get(day, 0) - daily
        points.append(BalancePoint(day, running))
        if running < low_balance:
            low.append(day)
    return points, low
