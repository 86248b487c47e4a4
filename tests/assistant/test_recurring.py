from datetime import date, timedelta

from coffer.assistant.models import Txn
from coffer.assistant.recurring import detect_recurring, expected_between

TODAY = date(2026, 3, 18)


def tx(i: int, day: date, amount: int, merchant: str, primary: str = "ENTERTAINMENT") -> Txn:
    return Txn(f"x{i}", day, amount, "EUR", merchant.upper(), merchant, primary, None)


def monthly(
    merchant: str, amounts: list[int], first: date, primary: str = "ENTERTAINMENT"
) -> list[Txn]:
    out = []
    for i, amount in enumerate(amounts):
        month = first.month - 1 + i
        day = date(first.year + month // 12, month % 12 + 1, first.day)
        out.append(tx(hash((merchant, i)) % 10**6, day, amount, merchant, primary))
    return out


def test_monthly_subscription_next_date_and_price_change() -> None:
    txns = monthly("Netflix", [-1299] * 6 + [-1599] * 2, date(2025, 7, 21))
    (series,) = detect_recurring(txns, TODAY)
    assert series.cadence == "monthly" and series.kind == "subscription"
    assert series.next_date == date(2026, 3, 21) and series.next_amount == -1599
    assert series.previous_amount == -1299 and series.price_changed
    assert series.active and not series.missed


def test_weekly_quarterly_yearly() -> None:
    weekly = [tx(i, date(2026, 1, 5) + timedelta(weeks=i), -900, "Gym Class") for i in range(10)]
    quarterly = [tx(100 + i, d, -12000, "Allianz", "GENERAL_SERVICES") for i, d in
                 enumerate([date(2025, 3, 15), date(2025, 6, 15), date(2025, 9, 15), date(2025, 12, 15)])]  # fmt: skip
    yearly = [
        tx(200, date(2024, 6, 14), -8990, "Prime"),
        tx(201, date(2025, 6, 14), -8990, "Prime"),
    ]
    found = {s.name: s for s in detect_recurring(weekly + quarterly + yearly, TODAY)}
    assert found["Gym Class"].cadence == "weekly"
    assert found["Gym Class"].next_date == date(2026, 3, 16)
    assert found["Gym Class"].missed is False  # two days late is within the grace
    assert found["Allianz"].cadence == "quarterly" and found["Allianz"].kind == "bill"
    assert found["Allianz"].next_date == date(2026, 3, 15)
    assert found["Allianz"].monthly_amount == -4000
    assert found["Prime"].cadence == "yearly" and found["Prime"].next_date == date(2026, 6, 14)


def test_missed_payment_and_cancelled() -> None:
    late = monthly(
        "Telekom", [-4495] * 6, date(2025, 8, 1), "RENT_AND_UTILITIES"
    )  # last 2026-01-01
    (series,) = detect_recurring(late, TODAY)
    assert series.next_date == date(2026, 2, 1) and series.missed
    assert not series.active  # more than a period overdue: cancelled


def test_irregular_amounts_are_not_a_subscription() -> None:
    shopping = [
        tx(i, date(2026, 1, 1) + timedelta(days=7 * i), -1000 - 700 * (i % 4), "Lidl")
        for i in range(10)
    ]
    assert detect_recurring(shopping, TODAY) == []


def test_income_and_new_series() -> None:
    pay = monthly("ACME", [320000] * 3, date(2025, 12, 25), "INCOME")
    (series,) = detect_recurring(pay, TODAY)
    assert series.kind == "income" and series.next_date == date(2026, 3, 25)
    fresh = monthly("New App", [-499, -499], date(2026, 2, 10))
    (new,) = detect_recurring(fresh, TODAY)
    assert new.new and new.next_date == date(2026, 4, 10)


def test_expected_between() -> None:
    series = detect_recurring(monthly("Netflix", [-1599] * 3, date(2025, 12, 21)), TODAY)
    days = [d for d, _ in expected_between(series, TODAY, date(2026, 5, 31))]
    assert days == [date(2026, 3, 21), date(2026, 4, 21), date(2026, 5, 21)]
