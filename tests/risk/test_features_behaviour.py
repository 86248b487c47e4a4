"""Behaviour features (against the customer's own habits) and the rules that read them."""

from __future__ import annotations

import math

from tests.risk.helpers import DAY, HOUR, T0, customer, tx

from coffer.risk.features import FEATURE_INDEX, FeatureState
from coffer.risk.features_behaviour import NO_PAYEE
from coffer.risk.rules import fired


def value(vector: list[float], name: str) -> float:
    return vector[FEATURE_INDEX[name]]


def _victim() -> FeatureState:
    """c1: 1,000.00 in 20 days ago, 100.00 out to a known payee 19 days ago."""
    state = FeatureState()
    state.observe(customer("c1"))
    state.observe(tx("c1", T0 - 20 * DAY, "payin_bank", 100_000, "iban:OWN"))
    state.observe(tx("c1", T0 - 19 * DAY, "payout", 10_000, "iban:OLD"))
    return state


def test_instalments_to_a_new_payee_against_the_usual_week() -> None:
    state = _victim()
    first = state.process(tx("c1", T0, "payout", 20_000, "iban:NEW"))
    usual = 10_000 * 7 / 19  # 100.00 out over 19 days of history
    assert math.isclose(
        value(first, "payee_sent_7d_vs_usual_week"), math.log1p(20_000) - math.log1p(usual)
    )
    assert value(first, "payee_payments_7d") == 1
    assert math.isclose(
        value(first, "out_7d_vs_usual_week"), math.log1p(20_000) - math.log1p(usual)
    )
    assert math.isclose(
        value(first, "new_payee_amount_vs_own"), math.log1p(20_000) - math.log1p(10_000)
    )
    assert math.isclose(value(first, "payee_funds_share_7d"), 20_000 / 90_000)
    second = state.process(tx("c1", T0 + DAY, "payout", 20_000, "iban:NEW"))
    usual = 30_000 * 7 / 20
    assert math.isclose(
        value(second, "payee_sent_7d_vs_usual_week"), math.log1p(40_000) - math.log1p(usual)
    )
    assert value(second, "payee_payments_7d") == 2
    assert math.isclose(value(second, "payee_funds_share_7d"), 40_000 / 90_000)
    recent = state.features(tx("c1", T0 + 6 * DAY, "payout", 5_000, "iban:NEW"))
    assert value(recent, "new_payee_amount_vs_own") != NO_PAYEE
    # exactly 7 days after the first instalment, it has left the payee's window
    edge = state.features(tx("c1", T0 + 7 * DAY, "payout", 5_000, "iban:NEW"))
    assert value(edge, "payee_payments_7d") == 2
    assert math.isclose(value(edge, "payee_funds_share_7d"), 25_000 / 70_000)
    assert value(edge, "new_payee_amount_vs_own") == NO_PAYEE  # first paid 7 days ago: known


def test_no_payee_for_credits_and_merchants() -> None:
    state = _victim()
    credit = state.features(tx("c1", T0, "payin_bank", 5_000, "iban:OWN"))
    assert value(credit, "payee_sent_7d_vs_usual_week") == NO_PAYEE
    assert value(credit, "out_7d_vs_usual_week") == NO_PAYEE
    assert value(credit, "payee_payments_7d") == 0
    shop = state.features(tx("c1", T0, "payment", 5_000, "merchant:m1"))
    assert value(shop, "payee_sent_7d_vs_usual_week") == NO_PAYEE
    assert value(shop, "out_7d_vs_usual_week") > NO_PAYEE


def test_a_customer_without_history_counts_against_one_minor_unit() -> None:
    state = FeatureState()
    state.observe(customer("c2"))
    first = state.features(tx("c2", T0, "transfer", 5_000, "c3"))
    assert math.isclose(value(first, "payee_sent_7d_vs_usual_week"), math.log1p(5_000))
    assert value(first, "payee_funds_share_7d") == 10.0  # no funds at hand


def _names(vector: list[float]) -> set[str]:
    return {rule.name for rule in fired(vector)}


def test_repeat_new_payee_fires_from_the_second_instalment() -> None:
    state = _victim()
    first = state.process(tx("c1", T0, "payout", 30_000, "iban:NEW"))
    assert "repeat_new_payee" not in _names(first)
    second = state.features(tx("c1", T0 + DAY, "payout", 20_000, "iban:NEW"))
    assert "repeat_new_payee" in _names(second)
    # a payee others pay too (a shop, a landlord) is not a scammer's new account
    state.observe(customer("c9"))
    state.observe(tx("c9", T0 + HOUR, "payout", 1_000, "iban:NEW"))
    shared = state.features(tx("c1", T0 + DAY, "payout", 20_000, "iban:NEW"))
    assert "repeat_new_payee" not in _names(shared)


def _third_merchant(card_first_seen: float) -> list[float]:
    """The features of a card's payment at a third merchant within 2 hours."""
    state = FeatureState()
    for shop in ("m1", "m2", "m3"):
        state.observe(customer(shop, kind="legal"))
    state.observe(tx("m1", card_first_seen, "payin_card", 5_000, card_fingerprint="k9"))
    for offset, shop in enumerate(("m1", "m2")):
        state.observe(tx(shop, T0 + offset * HOUR, "payin_card", 5_000, card_fingerprint="k9"))
    return state.features(tx("m3", T0 + 2 * HOUR, "payin_card", 5_000, card_fingerprint="k9"))


def test_card_spree_fires_at_the_third_merchant_of_a_new_card() -> None:
    assert "card_spree_new_card" in _names(_third_merchant(T0 - HOUR))
    known = _third_merchant(T0 - 3 * DAY)  # the same spree, a card known for days
    assert value(known, "card_merchants_24h") == 3
    assert "card_spree_new_card" not in _names(known)
