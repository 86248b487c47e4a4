"""Each typology detector on a hand-made case, and no alert on its legitimate look-alike."""

from collections.abc import Iterable

from tests.risk.helpers import DAY, HOUR, T0, customer, tx

from coffer.risk.aml import Alert, Monitor
from coffer.risk.aml.population import AmountScale
from coffer.risk.events import Event


def run(events: list[Event]) -> list[Alert]:
    monitor = Monitor()
    alerts: list[Alert] = []
    for event in sorted(events, key=lambda e: e.at):
        alerts.extend(monitor.observe(event))
    return alerts


def typologies(alerts: Iterable[Alert]) -> list[str]:
    return [alert.typology for alert in alerts]


def people(*ids: str, kind: str = "natural", at: float = T0 - 400 * DAY) -> list[Event]:
    return [customer(cid, at=at, kind=kind) for cid in ids]


def history(cid: str, days: int = 60) -> list[Event]:
    """Ordinary activity so that the account is neither new nor dormant."""
    return [tx(cid, T0 - day * DAY, "payment", 2_000, "merchant:m1") for day in range(1, days)]


def test_structuring() -> None:
    events = people("s") + history("s")
    ids = [f"st{i}" for i in range(3)]
    events += [
        tx("s", T0 + i * DAY, "payin_bank", 960_000 + i * 1_000, "iban:DE1", id=ids[i])
        for i in range(3)
    ]
    alerts = run(events)
    assert typologies(alerts) == ["structuring"]
    assert set(alerts[0].transaction_ids) == set(ids) and alerts[0].customer_ids == ("s",)


def test_structuring_received_from_several_senders() -> None:
    events = people("r", "a", "b", "c") + history("r")
    events += [tx(s, T0 + i * DAY, "transfer", 1_450_000, "r") for i, s in enumerate("abc")]
    alerts = [a for a in run(events) if a.typology == "structuring"]
    assert len(alerts) == 1 and alerts[0].customer_ids[0] == "r"
    assert set(alerts[0].customer_ids) == {"r", "a", "b", "c"}


def test_no_structuring_for_amounts_under_different_thresholds() -> None:
    events = people("s") + history("s")
    events += [
        tx("s", T0 + i * DAY, "payin_bank", amount, "iban:DE1")
        for i, amount in enumerate((280_000, 470_000, 960_000))
    ]
    assert "structuring" not in typologies(run(events))


def test_no_structuring_for_amounts_at_or_far_under_the_threshold() -> None:
    events = people("s") + history("s")
    events += [
        tx("s", T0 + i * DAY, "payin_bank", amount, "iban:DE1")
        for i, amount in enumerate((1_000_000, 400_000, 1_000_000, 700_000))
    ]
    events += [
        tx("s", T0 + 20 * DAY + i * 9 * DAY, "payin_bank", 950_000, "iban:DE1") for i in range(3)
    ]  # just under, but weeks apart
    assert "structuring" not in typologies(run(events))


def test_fan_in_to_a_person() -> None:
    senders = [f"x{i}" for i in range(7)]
    events = people("r", *senders) + history("r")
    events += [tx(s, T0 + i * HOUR, "transfer", 80_000, "r") for i, s in enumerate(senders)]
    alerts = [a for a in run(events) if a.typology == "fan_in"]
    assert len(alerts) == 1 and "r" in alerts[0].customer_ids
    assert set(senders[:5]) <= set(alerts[0].customer_ids)  # raised at the fifth sender


def test_no_fan_in_for_a_merchant_that_always_receives_from_many() -> None:
    buyers = [f"b{i}" for i in range(40)]
    events = people("shop", kind="legal") + people(*buyers)
    for week in range(8):
        for i, buyer in enumerate(buyers[: 20 + week]):
            events.append(tx(buyer, T0 - (8 - week) * 7 * DAY + i * 600, "transfer", 5_000, "shop"))
    events += [tx(b, T0 + i * 600, "transfer", 5_000, "shop") for i, b in enumerate(buyers[:30])]
    assert "fan_in" not in typologies(a for a in run(events) if a.at >= T0)


def test_fan_out_from_a_person() -> None:
    events = people("src") + history("src")
    events.append(tx("src", T0, "payin_bank", 1_000_000, "iban:CY1"))
    events += [tx("src", T0 + HOUR + i * 600, "payout", 120_000, f"iban:LV{i}") for i in range(6)]
    assert "fan_out" in typologies(run(events))


def test_no_fan_out_for_an_employer_paying_salaries() -> None:
    staff = [f"e{i}" for i in range(30)]
    events = people("boss", kind="legal") + people(*staff)
    for month in range(4):
        base = T0 - (4 - month) * 30 * DAY
        events += [tx("boss", base + i, "transfer", 300_000, e) for i, e in enumerate(staff)]
    events += [tx("boss", T0 + i, "transfer", 300_000, e) for i, e in enumerate(staff)]
    assert typologies(a for a in run(events) if a.at >= T0) == []


def test_cycle_of_three() -> None:
    events = people("a", "b", "c") + history("a") + history("b") + history("c")
    events += [
        tx("a", T0, "transfer", 1_000_000, "b"),
        tx("b", T0 + 5 * HOUR, "transfer", 985_000, "c"),
        tx("c", T0 + 20 * HOUR, "transfer", 970_000, "a"),
    ]
    alerts = [a for a in run(events) if a.typology == "cycle"]
    assert len(alerts) == 1 and set(alerts[0].customer_ids) == {"a", "b", "c"}
    assert len(alerts[0].transaction_ids) == 3


def test_no_cycle_when_friends_pay_each_other_back_small_amounts() -> None:
    events = people("a", "b", "c") + history("a") + history("b") + history("c")
    events += [
        tx("a", T0, "transfer", 3_000, "b"),
        tx("b", T0 + HOUR, "transfer", 3_000, "c"),
        tx("c", T0 + 2 * HOUR, "transfer", 3_000, "a"),
        tx("a", T0 + 3 * HOUR, "transfer", 200_000, "b"),
        tx("b", T0 + 4 * HOUR, "transfer", 20_000, "a"),  # not the same money
    ]
    assert "cycle" not in typologies(run(events))


def test_rapid_movement() -> None:
    events = people("p") + history("p")
    events += [
        tx("p", T0, "payin_bank", 2_000_000, "iban:AE1"),
        tx("p", T0 + 2 * HOUR, "payout", 1_900_000, "iban:HK1"),
    ]
    assert "rapid_movement" in typologies(run(events))


def test_no_rapid_movement_for_money_sent_back_where_it_came_from() -> None:
    events = people("p") + history("p")
    events += [
        tx("p", T0, "payin_bank", 2_000_000, "iban:FR7"),
        tx("p", T0 + 2 * HOUR, "payout", 1_900_000, "iban:FR7"),
    ]
    assert "rapid_movement" not in typologies(run(events))


def test_no_rapid_movement_for_salary_kept_or_moved_to_the_usual_account() -> None:
    events = people("p", "boss", kind="natural") + history("p")
    events[1] = customer("boss", kind="legal")
    events += [tx("p", T0 - 30 * DAY, "payout", 10_000, "iban:DE-own")]
    events += [
        tx("boss", T0, "transfer", 400_000, "p"),
        tx("p", T0 + 2 * HOUR, "payout", 100_000, "iban:DE-own"),
        tx("boss", T0 + 30 * DAY, "transfer", 400_000, "p"),
        tx("p", T0 + 30 * DAY + HOUR, "payout", 380_000, "iban:DE-own"),
    ]
    events += [tx("boss", T0 - 30 * DAY, "transfer", 400_000, "p")]
    assert "rapid_movement" not in typologies(run(events))


def test_dormant_reactivation() -> None:
    events = [*people("z"), tx("z", T0 - 200 * DAY, "payment", 2000, "merchant:m1")]
    events += [
        tx("z", T0, "payin_bank", 3_000_000, "iban:PA1"),
        tx("z", T0 + DAY, "payout", 2_500_000, "iban:PA2"),
    ]
    alerts = [a for a in run(events) if a.typology == "dormant_reactivation"]
    assert len(alerts) == 1 and alerts[0].customer_ids == ("z",)


def test_no_dormant_alert_for_a_small_return_or_a_regular_customer() -> None:
    events = [*people("z", "y"), tx("z", T0 - 200 * DAY, "payment", 2000, "merchant:m1")]
    events += [tx("z", T0, "payment", 4_000, "merchant:m2")]
    events += [*history("y"), tx("y", T0, "payin_bank", 3000000, "iban:DE1")]
    assert "dormant_reactivation" not in typologies(run(events))


def test_scatter_gather() -> None:
    middles = ["m1", "m2", "m3", "m4"]
    events = people("s", "t", *middles) + history("s")
    events += [tx("s", T0 + i * HOUR, "transfer", 300_000, m) for i, m in enumerate(middles)]
    events += [tx(m, T0 + DAY + i * HOUR, "transfer", 290_000, "t") for i, m in enumerate(middles)]
    alerts = [a for a in run(events) if a.typology == "scatter_gather"]
    assert alerts and {"s", "t"} <= set(alerts[0].customer_ids)


def test_no_scatter_gather_when_friends_pay_a_common_friend_other_money() -> None:
    middles = ["m1", "m2", "m3", "m4"]
    events = people("s", "t", *middles) + history("s")
    events += [tx("s", T0 + i * HOUR, "transfer", 300_000, m) for i, m in enumerate(middles)]
    events += [tx(m, T0 + DAY + i * HOUR, "transfer", 2_500, "t") for i, m in enumerate(middles)]
    assert "scatter_gather" not in typologies(run(events))


def test_mule() -> None:
    senders = ["v1", "v2", "v3", "v4"]
    events = people(*senders) + people("mule", at=T0 - 5 * DAY)
    events += [tx(v, T0 + i * HOUR, "transfer", 50_000, "mule") for i, v in enumerate(senders)]
    events.append(tx("mule", T0 + 6 * HOUR, "payout", 190_000, "iban:LT1"))
    alerts = [a for a in run(events) if a.typology == "mule"]
    assert len(alerts) == 1 and "mule" in alerts[0].customer_ids


def test_no_mule_for_a_new_customer_topping_up_from_their_own_bank() -> None:
    events = people("new", at=T0 - 2 * DAY)
    events += [tx("new", T0 + i * DAY, "payin_bank", 60_000, "iban:DE-own") for i in range(3)]
    events.append(tx("new", T0 + 3 * DAY, "payout", 150_000, "iban:DE-own"))
    assert "mule" not in typologies(run(events))


def test_mule_collecting_over_two_weeks_and_paying_out_half_at_once() -> None:
    senders = [f"p{i}" for i in range(5)]
    events = people(*senders) + people("collector", at=T0 - 40 * DAY)
    events += [
        tx(p, T0 + i * 2 * DAY, "transfer", 60_000, "collector") for i, p in enumerate(senders)
    ]
    events.append(tx("collector", T0 + 9 * DAY, "payout", 160_000, "iban:LT2"))
    alerts = [a for a in run(events) if a.typology == "mule"]
    assert len(alerts) == 1 and "collector" in alerts[0].customer_ids


def test_no_mule_for_one_large_source_or_money_sent_back_where_it_came_from() -> None:
    events = people("big", "f1", "f2", "parent", "back", at=T0 - 20 * DAY)
    events += [tx("parent", T0, "transfer", 400_000, "big")]
    events += [tx(f, T0 + DAY, "transfer", 10_000, "big") for f in ("f1", "f2")]
    events.append(tx("big", T0 + 2 * DAY, "payout", 380_000, "iban:DE9"))
    events += [tx("back", T0 + i * DAY, "payin_bank", 60_000, f"iban:DE{i}") for i in range(3)]
    events.append(tx("back", T0 + 3 * DAY, "payout", 150_000, "iban:DE1"))
    assert "mule" not in typologies(run(events))


def test_alerts_are_bounded_and_not_repeated() -> None:
    senders = [f"x{i}" for i in range(80)]
    events = people("r", *senders) + history("r")
    events += [tx(s, T0 + i * 60, "transfer", 80_000, "r") for i, s in enumerate(senders)]
    alerts = [a for a in run(events) if a.typology == "fan_in"]
    assert len(alerts) == 1
    assert len(alerts[0].customer_ids) <= 50 and len(alerts[0].transaction_ids) <= 1000


def test_slow_fan_in_over_weeks() -> None:
    senders = [f"w{i}" for i in range(9)]
    events = people("slow", *senders) + history("slow")
    events += [tx(s, T0 + i * 2 * DAY, "transfer", 80_000, "slow") for i, s in enumerate(senders)]
    alerts = [a for a in run(events) if a.typology == "fan_in"]
    assert len(alerts) == 1 and set(senders[:8]) <= set(alerts[0].customer_ids)


def test_no_slow_fan_in_for_a_landlord_or_small_gifts() -> None:
    tenants = [f"t{i}" for i in range(6)]
    friends = [f"f{i}" for i in range(10)]
    events = people("home", *tenants, *friends) + history("home")
    events += [tx(t, T0 + i * 3 * DAY, "transfer", 90_000, "home") for i, t in enumerate(tenants)]
    events += [tx(f, T0 + DAY + i * 600, "transfer", 3_000, "home") for i, f in enumerate(friends)]
    assert "fan_in" not in typologies(run(events))


def test_long_cycle_of_six_over_weeks() -> None:
    ring = [f"r{i}" for i in range(6)]
    events = people(*ring)
    for member in ring:
        events += history(member)
    amount = 2_000_000
    for index, member in enumerate(ring):
        events.append(tx(member, T0 + index * 4 * DAY, "transfer", amount, ring[(index + 1) % 6]))
        amount = amount * 95 // 100
    alerts = [a for a in run(events) if a.typology == "cycle"]
    assert len(alerts) == 1 and set(alerts[0].customer_ids) == set(ring)


def test_amount_scale_follows_the_currency_median_and_never_lowers_the_floors() -> None:
    scale = AmountScale()
    for _ in range(2_048):
        scale.observe("GBP", 20_000)
        scale.observe("USD", 1_500)
    assert 3.0 < scale.factor("GBP") < 3.6
    assert scale.factor("USD") == 1.0 and scale.factor("JPY") == 1.0


def test_pass_through_of_an_ordinary_amount_where_amounts_run_larger() -> None:
    def passes(population: int) -> bool:
        events = people("p", "crowd") + history("p")
        step = 30 * DAY / 2_048
        events += [
            tx("crowd", T0 - 40 * DAY + i * step, "payment", population, "merchant:m2")
            for i in range(2_048)
        ]
        events += [
            tx("p", T0, "payin_bank", 400_000, "iban:AE1"),
            tx("p", T0 + 2 * HOUR, "payout", 390_000, "iban:HK1"),
        ]
        return "rapid_movement" in typologies(run(events))

    assert passes(6_000) and not passes(30_000)
