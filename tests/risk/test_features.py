import math

from tests.risk.helpers import DAY, HOUR, T0, customer, login, tx

from coffer.risk.features import FEATURE_INDEX, FEATURE_NAMES, FeatureState


def value(vector: list[float], name: str) -> float:
    return vector[FEATURE_INDEX[name]]


def test_vector_matches_names() -> None:
    state = FeatureState()
    assert len(state.features(tx("c1", T0))) == len(FEATURE_NAMES)
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)


def test_features_use_the_past_only_then_observe() -> None:
    state = FeatureState()
    state.observe(customer("c1"))
    first = tx("c1", T0, "payin_card", 5_000, card_fingerprint="k1", device_id="d1")
    vector = state.process(first)
    assert value(vector, "customer_count_24h") == 0
    assert value(vector, "card_new") == 1 and value(vector, "device_new") == 1
    again = state.features(
        tx("c1", T0 + 60, "payin_card", 5_000, card_fingerprint="k1", device_id="d1")
    )
    assert value(again, "customer_count_24h") == 1
    assert value(again, "card_new") == 0 and value(again, "device_new") == 0
    assert value(again, "card_count_1h") == 1


def test_each_entity_window_edge() -> None:
    state = FeatureState()
    state.observe(customer("c1"))
    state.observe(
        tx("c1", T0, "payin_card", 1_000, card_fingerprint="k1", device_id="d1", ip_country="DE")
    )
    state.observe(tx("c1", T0 + 1, "transfer", 500, "c2", device_id="d1"))
    for horizon, name in ((HOUR, "1h"), (DAY, "24h"), (7 * DAY, "7d"), (30 * DAY, "30d")):
        probe = tx(
            "c1",
            T0 + horizon,
            "payin_card",
            1_000,
            card_fingerprint="k1",
            device_id="d1",
            ip_country="DE",
        )
        inside = state.features(
            tx(
                "c1",
                T0 + horizon - 1,
                "payin_card",
                1_000,
                card_fingerprint="k1",
                device_id="d1",
                ip_country="DE",
            )
        )
        at_edge = state.features(probe)
        for prefix in ("customer_count_", "card_count_", "device_count_"):
            assert value(inside, prefix + name) >= 1, prefix + name
        assert value(at_edge, "card_count_" + name) == 0, name
        assert value(at_edge, "device_count_" + name) == 1  # the transfer, one second later
        payee_inside = state.features(tx("c3", T0 + horizon, "transfer", 10, "c2"))
        assert value(payee_inside, "counterparty_count_" + name) == 1
        payee = state.features(tx("c3", T0 + 1 + horizon, "transfer", 10, "c2"))
        assert value(payee, "counterparty_count_" + name) == 0


def test_ip_country_window_edge() -> None:
    """Windows advance with time: a state is asked in time order, like events arrive."""
    state = FeatureState()
    state.observe(tx("c1", T0, "payin_card", 1_000, ip_country="DE"))
    inside = state.features(tx("c1", T0 + HOUR - 0.5, "payment", 1, ip_country="DE"))
    assert value(inside, "ip_country_count_1h") == 1
    edge = state.features(tx("c1", T0 + HOUR, "payment", 1, ip_country="DE"))
    assert value(edge, "ip_country_count_1h") == 0 and value(edge, "ip_country_count_24h") == 1


def test_balance_drain_and_first_time_flags() -> None:
    state = FeatureState()
    state.observe(customer("c1"))
    state.observe(tx("c1", T0, "payin_bank", 100_000, "iban:DE1"))
    state.observe(tx("c1", T0 + 10, "payout", 10_000, "iban:DE1", device_id="d1", ip_country="DE"))
    drain = state.features(
        tx("c1", T0 + 20, "payout", 90_000, "iban:LT9", device_id="d2", ip_country="NG")
    )
    assert value(drain, "balance_drained_share") == 1.0
    assert value(drain, "counterparty_new") == 1
    assert value(drain, "device_new") == 1
    assert value(drain, "ip_foreign") == 1 and value(drain, "ip_country_new") == 1
    known = state.features(
        tx("c1", T0 + 20, "payout", 45_000, "iban:DE1", device_id="d1", ip_country="DE")
    )
    assert value(known, "balance_drained_share") == 0.5
    assert value(known, "counterparty_new") == 0 and value(known, "device_new") == 0


def test_new_device_login_and_dormancy() -> None:
    state = FeatureState()
    state.observe(customer("c1"))
    state.observe(login("c1", T0, "d1"))
    state.observe(tx("c1", T0 + 60, "payment", 100, "merchant:m1", device_id="d1"))
    plain = state.features(tx("c1", T0 + 120, "payment", 100, "merchant:m1", device_id="d1"))
    assert value(plain, "log_seconds_since_new_device_login") > 20  # never
    state.observe(login("c1", T0 + 100 * DAY, "d2", "NG"))
    later = state.features(tx("c1", T0 + 100 * DAY + 30, "payout", 100, "iban:X", device_id="d2"))
    assert 3 < value(later, "log_seconds_since_new_device_login") < 4  # log1p(30)
    assert value(later, "log_seconds_since_last_tx") > 15  # about 100 days
    assert value(later, "device_not_last_login") == 0


def test_population_reference_is_taken_once_a_day() -> None:
    """Amounts are judged against the population's mean log amount per kind as of the start
    of the day: scale-free (any currency), and the same for every transaction of a day."""
    state = FeatureState()
    for index in range(20):
        state.observe(tx("c1", T0 + index, "payin_card", 5_000, card_fingerprint=f"k{index}"))
    same_day = state.features(tx("c2", T0 + 60, "payin_card", 500, card_fingerprint="x"))
    assert value(same_day, "amount_vs_population") == 0.0  # nothing before the day
    next_day = T0 + DAY
    probe = state.features(tx("c2", next_day, "payin_card", 500, card_fingerprint="x"))
    assert abs(value(probe, "amount_vs_population") - (math.log1p(500) - math.log1p(5_000))) < 1e-9
    state.observe(tx("c3", next_day + 1, "payin_card", 10, card_fingerprint="y"))
    later = state.features(tx("c2", next_day + 2, "payin_card", 500, card_fingerprint="x"))
    assert value(later, "amount_vs_population") == value(probe, "amount_vs_population")


def test_a_merchants_tiny_payments_with_new_cards() -> None:
    state = FeatureState()
    state.observe(customer("m1", kind="legal"))
    for index in range(10):  # the population: card pay-ins of about 50.00, known cards
        state.observe(tx("c1", T0 + index, "payin_card", 5_000, card_fingerprint="known"))
    start = T0 + DAY
    for index in range(3):
        probe = tx("m1", start + index * 60, "payin_card", 300, card_fingerprint=f"s{index}")
        vector = state.process(probe)
        assert value(vector, "card_fresh") == 1
        assert value(vector, "customer_tiny_1h") == index
        assert value(vector, "customer_fresh_cards_1h") == index
        assert value(vector, "amount_vs_population") < -1.2
    known = state.features(
        tx("m1", start + HOUR + 121, "payin_card", 300, card_fingerprint="known")
    )
    assert value(known, "card_fresh") == 0
    assert value(known, "customer_tiny_1h") == 0 and value(known, "customer_tiny_24h") == 3
    assert value(known, "customer_fresh_cards_24h") == 3


def test_runs_end_at_midnight() -> None:
    from coffer.risk.features import run_length

    late = [tx(f"c{i}", T0 + DAY - 3 + i, "payment", 100) for i in range(6)]
    day = int(late[0].at // DAY)
    expected = sum(1 for item in late if int(item.at // DAY) == day)
    assert 0 < run_length(late, 0) == expected < len(late)


def test_share_of_money_sent_to_new_payees_accumulates_over_instalments() -> None:
    state = FeatureState()
    state.observe(customer("c1"))
    state.observe(tx("c1", T0 - 20 * DAY, "payin_bank", 100_000, "iban:OWN"))
    state.observe(tx("c1", T0 - 19 * DAY, "payout", 10_000, "iban:OLD"))
    first = state.process(tx("c1", T0, "payout", 20_000, "iban:NEW"))
    assert math.isclose(value(first, "new_payee_out_share_7d"), 20_000 / 90_000)
    assert value(first, "payee_known_days") == -1 and value(first, "new_payee_payments_7d") == 1
    second = state.features(tx("c1", T0 + DAY, "payout", 20_000, "iban:NEW"))
    assert math.isclose(value(second, "new_payee_out_share_7d"), 40_000 / 90_000)
    assert value(second, "new_payee_out_share_24h") == 20_000 / 70_000
    assert math.isclose(value(second, "payee_known_days"), 1.0)
    known = state.features(tx("c1", T0 + DAY, "payout", 20_000, "iban:OLD"))
    assert value(known, "new_payee_out_share_7d") == 20_000 / 90_000  # only what went to NEW
    later = state.features(tx("c1", T0 + 8 * DAY, "payout", 5_000, "iban:NEW"))
    assert (
        value(later, "new_payee_out_share_7d") == 0 and value(later, "new_payee_payments_7d") == 0
    )


def test_merchants_a_card_paid_in_24h() -> None:
    state = FeatureState()
    for shop in ("m1", "m2", "m3"):
        state.observe(customer(shop, kind="legal"))
    state.observe(tx("m1", T0, "payin_card", 5_000, card_fingerprint="k9"))
    state.observe(tx("m2", T0 + HOUR, "payin_card", 5_000, card_fingerprint="k9"))
    again = state.features(tx("m2", T0 + 2 * HOUR, "payin_card", 5_000, card_fingerprint="k9"))
    third = state.features(tx("m3", T0 + 2 * HOUR, "payin_card", 5_000, card_fingerprint="k9"))
    assert value(again, "card_merchants_24h") == 2 and value(third, "card_merchants_24h") == 3
    late = state.features(tx("m3", T0 + HOUR + DAY, "payin_card", 5_000, card_fingerprint="k9"))
    assert value(late, "card_merchants_24h") == 1
