"""A synthetic customer with years of categorized history, for tests, benchmarks and the
``coffer assistant ask-eval`` command. Deterministic for a seed; amounts in EUR cents.

Its ground truth (the category of every line, the recurring series it pays, its goals
and budgets) is known by construction, so expected answers can be computed from it
without the question parser.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from coffer.assistant.ask.spans import add_months, month_start
from coffer.assistant.models import Account, Budget, CustomerData, Goal, Txn

# merchant, primary, detailed, visits per week, low, high (cents)
VARIABLE = [
    ("Lidl", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", 1.5, 1500, 9000),
    ("Rewe", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", 1.0, 800, 6000),
    ("Aldi", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", 0.5, 1000, 5000),
    ("Pizzeria Roma", "FOOD_AND_DRINK", "FOOD_AND_DRINK_RESTAURANT", 0.4, 1800, 6500),
    ("Sushi Tokyo", "FOOD_AND_DRINK", "FOOD_AND_DRINK_RESTAURANT", 0.2, 2500, 8000),
    ("McDonald's", "FOOD_AND_DRINK", "FOOD_AND_DRINK_FAST_FOOD", 0.4, 600, 1800),
    ("Starbucks", "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE", 1.2, 300, 900),
    ("Uber", "TRANSPORTATION", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES", 0.5, 900, 3500),
    ("Shell", "TRANSPORTATION", "TRANSPORTATION_GAS", 0.3, 3000, 7500),
    ("Amazon", "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", 0.6, 1000, 12000),
    ("Zara", "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", 0.15, 2500, 15000),
    ("MediaMarkt", "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_ELECTRONICS", 0.05, 3000, 40000),
    ("Apotheke am Markt", "MEDICAL", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS", 0.2, 500, 4000),
    ("Kino Central", "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES", 0.1, 1000, 3000),
    ("Friseur Schmidt", "PERSONAL_CARE", "PERSONAL_CARE_HAIR_AND_BEAUTY", 0.08, 2500, 6000),
]  # fmt: skip

# merchant, primary, detailed, cadence, day (of month / offset), amount (cents, positive)
RECURRING = [
    ("Hausverwaltung Miete", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT", "monthly", 1, 120000),
    ("Vattenfall", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY", "monthly", 5, 9500),
    ("Vodafone", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_TELEPHONE", "monthly", 12, 3999),
    ("Telekom", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_INTERNET_AND_CABLE", "monthly", 8, 4495),
    ("Spotify", "ENTERTAINMENT", "ENTERTAINMENT_MUSIC_AND_AUDIO", "monthly", 17, 1099),
    ("McFit", "PERSONAL_CARE", "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS", "monthly", 3, 2490),
    ("BVG Abo", "TRANSPORTATION", "TRANSPORTATION_PUBLIC_TRANSIT", "monthly", 2, 8600),
    ("Allianz", "GENERAL_SERVICES", "GENERAL_SERVICES_INSURANCE", "quarterly", 15, 12000),
]  # fmt: skip
NETFLIX_OLD, NETFLIX_NEW = 1299, 1599
PRIME = 8990  # yearly
DISNEY = 899  # cancelled eight months ago
SALARY = 320000
SAVINGS = 30000


@dataclass
class Synthetic:
    data: CustomerData
    today: date
    subscriptions_monthly: int  # independent truth: active recurring costs per month
    goal_saved: dict[str, int] = field(default_factory=dict)
    opening_balance: int = 0


def _monthly_dates(first: date, last: date, day: int) -> list[date]:
    out = []
    month = month_start(first)
    while month <= last:
        d = month.replace(day=min(day, 28))
        if first <= d <= last:
            out.append(d)
        month = add_months(month, 1)
    return out


def build(today: date = date(2026, 3, 18), *, months: int = 26, seed: int = 7,
          scale: float = 1.0) -> Synthetic:  # fmt: skip
    """A customer whose history runs ``months`` months up to ``today``; ``scale``
    multiplies the visits (scale 10 gives about 10,000 transactions over two years)."""
    rng = random.Random(seed)
    first = add_months(month_start(today), -months)
    txns: list[Txn] = []

    def add(
        day: date, amount: int, merchant: str, primary: str, detailed: str, desc: str = ""
    ) -> None:
        txns.append(Txn(
            id=f"t{len(txns) + 1}", date=day, amount=amount, currency="EUR",
            description=desc or merchant.upper(), merchant=merchant, primary=primary,
            detailed=detailed, account="wal_main",
        ))  # fmt: skip

    day = first
    while day <= today:
        december = 2.0 if day.month == 12 else 1.0
        summer = 1.0
        for merchant, primary, detailed, per_week, low, high in VARIABLE:
            boost = december if primary == "GENERAL_MERCHANDISE" else 1.0
            if rng.random() < per_week * scale * boost * summer / 7:
                add(day, -rng.randint(low, high), merchant, primary, detailed,
                    f"CARD {merchant.upper()} {rng.randint(1000, 9999)}")  # fmt: skip
        if rng.random() < 0.5 * scale / 7:
            add(day, -rng.choice([2000, 5000, 10000]), "ATM", "TRANSFER_OUT",
                "TRANSFER_OUT_WITHDRAWAL", "ATM WITHDRAWAL")  # fmt: skip
        day += timedelta(days=1)
    for merchant, primary, detailed, cadence, dom, amount in RECURRING:
        step = 3 if cadence == "quarterly" else 1
        for i, d in enumerate(_monthly_dates(first, today, dom)):
            if i % step == 0:
                add(d, -amount, merchant, primary, detailed, f"SEPA DD {merchant.upper()}")
    price_change = add_months(month_start(today), -4)
    for d in _monthly_dates(first, today, 21):
        add(d, -(NETFLIX_NEW if d >= price_change else NETFLIX_OLD), "Netflix", "ENTERTAINMENT",
            "ENTERTAINMENT_TV_AND_MOVIES", "NETFLIX.COM")  # fmt: skip
    disney_end = add_months(month_start(today), -8)
    for d in _monthly_dates(first, disney_end, 9):
        add(d, -DISNEY, "Disney Plus", "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES", "DISNEYPLUS")
    for d in _monthly_dates(first, today, 14):
        if d.month == 6:
            add(d, -PRIME, "Amazon Prime", "GENERAL_MERCHANDISE",
                "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", "AMAZON PRIME MEMBERSHIP")  # fmt: skip
    for d in _monthly_dates(first, today, 26):
        add(
            d,
            round(SALARY * max(scale, 1.0)),
            "ACME GmbH",
            "INCOME",
            "INCOME_WAGES",
            "SALARY ACME GMBH",
        )
        if d.month == 12:
            add(d, 150000, "ACME GmbH", "INCOME", "INCOME_WAGES", "BONUS ACME GMBH")
        add(d + timedelta(days=1), -SAVINGS, "Savings", "TRANSFER_OUT", "TRANSFER_OUT_SAVINGS",
            "TRANSFER TO SAVINGS")  # fmt: skip
    for year in {d.year for d in _monthly_dates(first, today, 1)}:
        for month, merchant, detailed, amount in ((7, "Lufthansa", "TRAVEL_FLIGHTS", 62000),
                                                  (7, "Booking.com", "TRAVEL_LODGING", 84000),
                                                  (12, "Lufthansa", "TRAVEL_FLIGHTS", 38000)):  # fmt: skip
            d = date(year, month, 10)
            if first <= d <= today:
                amount += rng.randint(-9000, 9000)
                add(d, -amount, merchant, "TRAVEL", detailed, f"{merchant.upper()} BOOKING")
    txns.sort(key=lambda t: (t.date, t.id))
    opening = 500000
    balance = opening + sum(t.amount for t in txns)
    contributions = tuple((d, 15000) for d in _monthly_dates(add_months(first, 12), today, 27))
    goals = [
        Goal("goal_holiday", "Holiday", 300000, "EUR", date(today.year, 12, 31),
             0, add_months(first, 12), contributions),
        Goal("goal_emergency", "Emergency fund", 1000000, "EUR", None, 200000, first, ()),
    ]  # fmt: skip
    budgets = [
        Budget("bud_groceries", "FOOD_AND_DRINK_GROCERIES", 45000, "EUR", True, add_months(month_start(today), -5)),
        Budget("bud_restaurants", "FOOD_AND_DRINK_RESTAURANT", 15000, "EUR", False, add_months(month_start(today), -5)),
    ]  # fmt: skip
    # active recurring expenses per month (independent truth for "what are my subscriptions")
    monthly = sum(a for *_, c, _d, a in RECURRING if c == "monthly")
    monthly += sum(a // 3 for *_, c, _d, a in RECURRING if c == "quarterly")
    monthly += NETFLIX_NEW + PRIME // 12
    data = CustomerData(
        customer_id="cus_synthetic",
        currency="EUR",
        transactions=txns,
        accounts=[Account("wal_main", "EUR", balance, "Main wallet")],
        goals=goals,
        budgets=budgets,
    )
    saved = {"Holiday": sum(a for _, a in contributions), "Emergency fund": 200000}
    return Synthetic(data, today, monthly, saved, opening)
