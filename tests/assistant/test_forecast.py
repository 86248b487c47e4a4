from datetime import date, timedelta

from coffer.assistant.forecast import (
    balance_projection,
    forecast_categories,
    forecast_values,
    seasonal_naive,
)
from coffer.assistant.models import Txn
from coffer.assistant.recurring import detect_recurring
from coffer.assistant.synthetic import Synthetic


def test_flat_series_forecasts_its_level() -> None:
    values = [100.0] * 24
    months = [(i % 12) + 1 for i in range(24)]
    for value, low, high in forecast_values(values, months, 3):
        assert round(value) == 100 and low <= value <= high


def test_december_seasonality_is_learned() -> None:
    months = [(i % 12) + 1 for i in range(24)]  # Jan 2024 .. Dec 2025
    values = [300.0 if m == 12 else 100.0 for m in months][:23]  # up to Nov 2025
    ((december, _, _),) = forecast_values(values, months[:23], 1)
    assert december > 150  # well above the level of 100
    assert seasonal_naive(values, 1) == [300.0]


def test_forecast_beats_seasonal_naive_on_noisy_seasonal_series() -> None:
    import random

    rng = random.Random(3)
    method = naive = 0.0
    for _ in range(200):
        base = rng.uniform(50, 500)
        months = [(i % 12) + 1 for i in range(27)]
        values = [base * (1.6 if m == 12 else 1.0) * rng.lognormvariate(0, 0.3) for m in months]
        predicted = forecast_values(values[:24], months[:24], 3)
        baseline = seasonal_naive(values[:24], 3)
        for h in range(3):
            method += abs(predicted[h][0] - values[24 + h])
            naive += abs(baseline[h] - values[24 + h])
    assert method < naive


def test_category_forecasts_on_the_synthetic_customer(synthetic: Synthetic) -> None:
    found = forecast_categories(synthetic.data.transactions, "EUR", synthetic.today, 2)
    rent = [f for f in found if f.category == "RENT_AND_UTILITIES"]
    assert [f.month for f in rent] == [date(2026, 3, 1), date(2026, 4, 1)]
    assert all(isinstance(f.amount, int) and f.low <= f.amount <= f.high for f in found)
    assert abs(rent[0].amount - 137994) < 5000  # rent and bills are steady


def test_balance_projection_warns_of_a_low_balance() -> None:
    today = date(2026, 3, 18)
    rent = [Txn(f"r{i}", date(2025, 12 + i, 1) if i == 0 else date(2026, i, 1), -100000, "EUR",
                "RENT", "Landlord", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT") for i in range(3)]  # fmt: skip
    coffee = [Txn(f"c{i}", today - timedelta(days=i), -500, "EUR", "COFFEE", None,
                  "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE") for i in range(90)]  # fmt: skip
    txns = rent + coffee
    series = detect_recurring(txns, today)
    points, low = balance_projection(150000, txns, series, "EUR", today, days=60)
    assert points[0].balance == 150000 - 500
    by_day = {p.day: p.balance for p in points}
    assert by_day[date(2026, 4, 1)] == 150000 - 500 * 14 - 100000
    assert low[0] == date(2026, 5, 1)  # May's rent takes it below zero
    assert all(by_day[d] < 0 for d in low)
