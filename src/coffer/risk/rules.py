"""Expert rules over the feature vector: known fraud shapes, named, each with a weight.

They fire on transactions the model may never have seen labelled (a typology absent from the
training history) and name themselves in a decision's reasons. A rule of weight 0 only names
itself (monitor mode); the others also raise the score. Weights are kept for the rules that
fire on almost no legitimate transaction in simulations: a rule that fires on 0.3% of
legitimate traffic uses a third of a 1% false-positive budget.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coffer.risk.features_names import FEATURE_INDEX
from coffer.risk.features_state import TINY_GAP

# one feature vector, or a matrix's columns (``matrix.T``: a feature's values of every row)
Vector = Sequence[float] | np.ndarray


def _f(name: str) -> Callable[[Vector], Any]:
    """The feature ``name`` of a vector (a matrix's column of it), read in C."""
    return operator.itemgetter(FEATURE_INDEX[name])


_kind_debit = (_f("kind_transfer"), _f("kind_payout"))
_drained = _f("balance_drained_share")
_device_new = _f("device_new")
_new_login = _f("log_seconds_since_new_device_login")
_ip_foreign = _f("ip_foreign")
_cp_new = _f("counterparty_new")
_cp_iban = _f("counterparty_iban")
_small = _f("customer_small_1h")
_small_burst = _f("customer_small_burst")
_log_amount = _f("log_amount")
_card_small = _f("card_small_share")
_device_cards = _f("device_cards_24h")
_card_ip = _f("card_ip_mismatch")
_card_new = _f("card_new")
_payin_card = _f("kind_payin_card")
_account_age = _f("account_age_days")
_zscore = _f("amount_zscore")
_count_1h = _f("customer_count_1h")
_to_credit = _f("amount_to_last_credit")
_since_credit = _f("log_seconds_since_credit")
_vs_population = _f("amount_vs_population")
_tiny_1h = _f("customer_tiny_1h")
_fresh_1h = _f("customer_fresh_cards_1h")
_card_fresh = _f("card_fresh")
_legal = _f("customer_legal")
_cp_age = _f("counterparty_age_days")
_card_age = _f("card_age_days")
_card_merchants = _f("card_merchants_24h")
_payee_payments = _f("payee_payments_7d")
_payee_known = _f("payee_known_days")
_payee_share = _f("payee_funds_share_7d")
_cp_senders = _f("counterparty_senders_30d")


def _debit(vector: Vector) -> Any:
    kind_transfer, kind_payout = _kind_debit
    return (kind_transfer(vector) > 0) | (kind_payout(vector) > 0)


@dataclass(frozen=True)
class Rule:
    """``test`` takes a feature vector (one row: a bool) or its columns (``matrix.T``: one
    bool per row), so its conditions are joined with ``&`` and ``|``."""

    name: str
    weight: float
    test: Callable[[Vector], Any]


RULES: tuple[Rule, ...] = (
    Rule(
        "takeover_drain",
        0.0,
        lambda v: (
            _debit(v)
            & (_drained(v) >= 0.6)
            & ((_device_new(v) > 0) | (_new_login(v) < 11.5))  # new device within ~1 day
            & (_cp_new(v) > 0)
        ),
    ),
    Rule(
        "new_beneficiary_drain",
        0.0,
        lambda v: _debit(v) & (_drained(v) >= 0.4) & (_cp_new(v) > 0) & (_cp_iban(v) > 0),
    ),
    Rule(
        "card_testing",
        0.5,
        lambda v: (
            (_payin_card(v) > 0)
            # under 10.00, or tiny against the population's amounts of card pay-ins
            & ((_log_amount(v) < 6.91) | (_vs_population(v) < -TINY_GAP))
            & (
                (_small(v) >= 2)
                | (_device_cards(v) >= 2)
                | (_small_burst(v) >= 4)
                | (_card_small(v) >= 0.5)
                | (_tiny_1h(v) >= 2)
                | ((_fresh_1h(v) >= 1) & (_card_fresh(v) > 0))  # new cards, one payee
            )
        ),
    ),
    Rule(
        "tiny_acquired_new_card",  # a merchant's first probe: card never seen, tiny amount
        0.15,
        lambda v: (
            (_payin_card(v) > 0)
            & (_legal(v) > 0)
            & (_card_fresh(v) > 0)
            & (_vs_population(v) < -TINY_GAP)
        ),
    ),
    Rule(
        "drain_to_unknown_iban",  # push-payment scams and takeovers alike
        0.1,
        lambda v: (
            _debit(v)
            & (_legal(v) == 0)
            & (_cp_iban(v) > 0)
            & (_cp_age(v) < 0)  # an IBAN the platform never saw
            & (_drained(v) >= 0.7)
        ),
    ),
    Rule(
        "card_spree_new_card",  # a card the platform met within a day, at a third merchant
        0.3,
        lambda v: (
            (_payin_card(v) > 0)
            & (_legal(v) > 0)
            & (_card_merchants(v) >= 3)
            & (_card_age(v) >= 0)
            & (_card_age(v) < 1)
        ),
    ),
    Rule(
        "repeat_new_payee",  # instalments to a payee first paid days ago, only by this sender
        0.1,
        lambda v: (
            _debit(v)
            & (_legal(v) == 0)
            & (_payee_payments(v) >= 2)
            & (_payee_known(v) >= 0)
            & (_payee_known(v) < 7)
            & (_payee_share(v) >= 0.3)
            & (_cp_senders(v) <= 1)
        ),
    ),
    Rule("many_cards_one_device", 0.3, lambda v: _device_cards(v) >= 3),
    Rule(
        "new_card_country_mismatch",
        0.3,
        lambda v: (_payin_card(v) > 0) & (_card_new(v) > 0) & (_card_ip(v) > 0),
    ),
    Rule("new_device_foreign_ip", 0.1, lambda v: (_device_new(v) > 0) & (_ip_foreign(v) > 0)),
    Rule("new_account_unusual_amount", 0.0, lambda v: (_account_age(v) < 7) & (_zscore(v) > 3)),
    Rule("velocity_1h", 0.0, lambda v: _count_1h(v) >= 10),
    Rule(
        "pass_through",
        0.0,
        lambda v: _debit(v) & (_to_credit(v) >= 0.8) & (_since_credit(v) < 10.0) & (_cp_new(v) > 0),
    ),
)


def fired(vector: Vector) -> list[Rule]:
    """The rules that fire on a feature vector."""
    return [rule for rule in RULES if rule.test(vector)]


VECTOR_ROWS = 16  # from this many rows, testing each rule on all rows at once is cheaper


def fired_rows(matrix: np.ndarray) -> list[list[Rule]]:
    """:func:`fired` of each row of ``matrix`` (float64): from :data:`VECTOR_ROWS` rows,
    every rule tested on all rows at once (the same comparisons on the same numbers)."""
    count = len(matrix)
    if count < VECTOR_ROWS:
        return [fired(row) for row in matrix.tolist()]
    columns = matrix.T
    hits = np.stack([np.broadcast_to(rule.test(columns), (count,)) for rule in RULES])
    return [[RULES[i] for i, hit in enumerate(flags) if hit] for flags in hits.T.tolist()]


def rule_score(rules: Sequence[Rule], weights: Mapping[str, float] | None = None) -> float:
    """1 - prod(1 - weight): the rules' combined score in [0, 1); ``weights``: a rule's
    weight in place of its own (a model's, see :func:`damped_weights`)."""
    remaining = 1.0
    for rule in rules:
        weight = rule.weight if weights is None else weights.get(rule.name, rule.weight)
        remaining *= 1.0 - weight
    return 1.0 - remaining


def damped_weights(legit: np.ndarray, budget: float) -> dict[str, float]:
    """The weights of the rules that fire on more than ``budget`` of the legitimate rows
    ``legit`` (float64), scaled down by that excess (``weight * budget / rate``): a rule
    that fires often on a platform's own legitimate traffic must not hold the threshold at
    1% false positives at its weight."""
    if len(legit) == 0:
        return {}
    columns = legit.T
    out = {}
    for rule in WEIGHTED:
        rate = float(np.mean(np.broadcast_to(rule.test(columns), (len(legit),))))
        if rate > budget:
            out[rule.name] = rule.weight * budget / rate
    return out


WEIGHTED = tuple(rule for rule in RULES if rule.weight > 0)


def rule_scores(matrix: np.ndarray, weights: Mapping[str, float] | None = None) -> np.ndarray:
    """:func:`rule_score` of the rules that fire on each row of ``matrix`` (float64),
    testing only the rules that weigh: the same numbers (a rule of weight 0 multiplies by
    1.0), the same products in the same order."""
    count = len(matrix)
    if count < VECTOR_ROWS:
        return np.asarray(
            [rule_score([r for r in WEIGHTED if r.test(row)], weights) for row in matrix.tolist()],
            dtype=np.float64,
        )
    columns = matrix.T
    remaining = np.ones(count, dtype=np.float64)
    for rule in WEIGHTED:
        weight = rule.weight if weights is None else weights.get(rule.name, rule.weight)
        hit = np.broadcast_to(rule.test(columns), (count,))
        remaining = np.where(hit, remaining * (1.0 - weight), remaining)
    return np.asarray(1.0 - remaining, dtype=np.float64)
