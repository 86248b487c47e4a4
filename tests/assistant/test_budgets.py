from datetime import date

from coffer.assistant.budgets import budget_months, pace, suggest_budgets
from coffer.assistant.models import Budget, Txn

G = "FOOD_AND_DRINK_GROCERIES"


def spend(day: date, amount: int, detailed: str = G) -> Txn:
    return Txn(
        f"{day}{amount}{detailed}", day, -amount, "EUR", "LIDL", "Lidl", "FOOD_AND_DRINK", detailed
    )


def test_rollover_of_surplus_and_overspend() -> None:
    budget = Budget("b", G, 40000, "EUR", True, date(2026, 1, 1))
    txns = [
        spend(date(2026, 1, 10), 30000),
        spend(date(2026, 2, 3), 55000),
        spend(date(2026, 3, 2), 10000),
    ]
    jan, feb, mar = budget_months(budget, txns, date(2026, 3, 18))
    assert (jan.carried_in, jan.available, jan.remaining) == (0, 40000, 10000)  # surplus 100
    assert (feb.carried_in, feb.available, feb.remaining) == (10000, 50000, -5000)  # overspent 50
    assert (mar.carried_in, mar.available, mar.remaining) == (-5000, 35000, 25000)
    # rollover is exact: what is left equals months x amount - everything spent
    assert mar.remaining == 3 * 40000 - (30000 + 55000 + 10000)


def test_without_rollover_and_by_primary() -> None:
    budget = Budget("b", "FOOD_AND_DRINK", 40000, "EUR", False, date(2026, 1, 1))
    txns = [spend(date(2026, 1, 10), 50000), spend(date(2026, 2, 3), 1000, "FOOD_AND_DRINK_COFFEE")]
    jan, feb, _mar = budget_months(budget, txns, date(2026, 3, 18))
    assert jan.remaining == -10000 and feb.carried_in == 0 and feb.remaining == 39000


def test_pace_alert() -> None:
    budget = Budget("b", G, 40000, "EUR", False, date(2026, 3, 1))
    txns = [spend(date(2026, 3, 2), 20000), spend(date(2026, 3, 9), 10000)]
    today = date(2026, 3, 15)
    (month,) = budget_months(budget, txns, today)
    alert = pace(budget, month, today)
    assert alert is not None
    assert alert.projected_spent == 30000 * 31 // 15 and alert.over_by == 62000 - 40000
    assert alert.exceed_on == date(2026, 3, 21)  # 2000 a day passes 40000 on the 21st
    assert (
        alert.message("Groceries")
        == "At this pace you will exceed Groceries by 220.00 EUR on the 21st."
    )
    calm = budget_months(budget, [spend(date(2026, 3, 2), 5000)], today)[0]
    assert pace(budget, calm, today) is None


def test_suggested_budgets() -> None:
    txns = [spend(date(2025, m, 5), 30000 + 1000 * m) for m in range(9, 13)]
    txns += [spend(date(2026, m, 5), 33000) for m in (1, 2)]
    txns += [spend(date(2026, 1, 5), 4000, "FOOD_AND_DRINK_COFFEE")]  # one month of six: no budget
    assert suggest_budgets(txns, "EUR", date(2026, 3, 18)) == {
        G: 40000
    }  # median 395.00 rounded up to 10 units
