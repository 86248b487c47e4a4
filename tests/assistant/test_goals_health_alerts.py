from datetime import date, timedelta

from coffer.assistant.alerts import find_alerts
from coffer.assistant.goals import goal_status, months_between
from coffer.assistant.health import health_score
from coffer.assistant.models import Account, CustomerData, Goal, Txn
from coffer.assistant.synthetic import Synthetic

TODAY = date(2026, 3, 18)


def test_goal_required_saving_and_projection() -> None:
    contributions = (
        (date(2026, 1, 27), 10000),
        (date(2026, 2, 27), 10000),
        (date(2026, 3, 1), 10000),
    )
    goal = Goal("g", "Holiday", 120000, "EUR", date(2026, 12, 31), 0, None, contributions)
    status = goal_status(goal, TODAY)
    assert status.saved == 30000 and status.remaining == 90000
    assert months_between(TODAY, date(2026, 12, 31)) == 9
    assert status.required_monthly == 10000
    assert status.average_monthly == 10000
    assert status.projected_completion == date(2026, 12, 18) and status.on_track
    assert round(status.percent) == 25


def test_goal_reached_and_without_saving() -> None:
    done = goal_status(Goal("g", "Bike", 50000, "EUR", None, 50000), TODAY)
    assert done.remaining == 0 and done.percent == 100.0 and done.required_monthly is None
    idle = goal_status(Goal("g", "Car", 500000, "EUR", date(2027, 3, 18), 0), TODAY)
    assert idle.projected_completion is None and idle.on_track is False
    assert idle.required_monthly == 500000 // 12 + 1


def test_health_score_components(synthetic: Synthetic) -> None:
    health = health_score(synthetic.data, TODAY).as_dict()
    assert 0 <= health["score"] <= 100
    assert set(health["components"]) == {
        "spend_vs_income",
        "bills_on_time",
        "liquid_savings",
        "savings_rate",
        "plans_ahead",
    }
    broke = CustomerData("c", "EUR", [
        Txn(f"s{i}", TODAY - timedelta(days=20 + 30 * i), -300000, "EUR", "RENT", None,
            "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT") for i in range(6)
    ], [Account("w", "EUR", -5000)])  # fmt: skip
    assert health_score(broke, TODAY).score < health["score"]
    assert health_score(broke, TODAY).tips


def _spend(i: int, day: date, amount: int, merchant: str) -> Txn:
    return Txn(f"t{i}", day, -amount, "EUR", merchant.upper(), merchant, "FOOD_AND_DRINK",
               "FOOD_AND_DRINK_RESTAURANT")  # fmt: skip


def test_alerts() -> None:
    history = [
        _spend(i, TODAY - timedelta(days=40 + 5 * i + i * i), 2000 + 10 * i, "Pizzeria")
        for i in range(8)
    ]
    outlier = _spend(100, TODAY - timedelta(days=2), 15000, "Pizzeria")
    double = [
        _spend(101, TODAY - timedelta(days=5), 4999, "Shop"),
        _spend(102, TODAY - timedelta(days=4), 4999, "Shop"),
    ]
    netflix = [Txn(f"n{i}", date(2025, 9 + i, 21) if i < 4 else date(2026, i - 3, 21),
                   -1299 if i < 5 else -1599, "EUR", "NETFLIX", "Netflix", "ENTERTAINMENT",
                   "ENTERTAINMENT_TV_AND_MOVIES") for i in range(6)]  # fmt: skip
    rent = [Txn(f"r{i}", d, -90000, "EUR", "RENT", "Landlord", "RENT_AND_UTILITIES",
                "RENT_AND_UTILITIES_RENT") for i, d in enumerate([date(2025, 12, 20), date(2026, 1, 20), date(2026, 2, 20)])]  # fmt: skip
    data = CustomerData(
        "c", "EUR", [*history, outlier, *double, *netflix, *rent], [Account("w", "EUR", 50000)]
    )
    alerts = find_alerts(data, TODAY)
    kinds = {a.kind: a for a in alerts}
    assert [a.message for a in alerts if a.kind == "price_increase"] == [
        "Netflix went up from 12.99 EUR to 15.99 EUR"
    ]
    assert kinds["outlier"].transaction_ids == ("t100",)
    assert kinds["duplicate_charge"].transaction_ids == ("t101", "t102")
    assert kinds["price_increase"].amount == 300
    lows = [a.day for a in alerts if a.kind == "low_balance_bill"]
    assert lows == [date(2026, 3, 20), date(2026, 3, 21)]  # rent, then Netflix after it
    assert kinds["outlier"].as_dict()["type"] == "assistant.alert.outlier"
