"""A decision's rules are evaluated with their variables converted once, restricted to the
fields the rules read: each rule answers exactly as if it were given every variable whole."""

from __future__ import annotations

from typing import Any

from coffer.expressions import ExpressionFailed
from coffer.risk.features import FEATURE_INDEX, FEATURE_NAMES
from coffer.risk.online import rules as RL

EXPRESSIONS = (
    "tx.kind == 'payout' && tx.amount > 5000",
    "tx.ip_country == 'KP'",
    "features.customer_count_1h > 2.0",
    "features . device_new > 0.0 && score >= 0.2",
    "has(tx.mcc) && tx.mcc == ''",
    "'new_device' in reasons",
    "size(tx) == 10",  # tx whole
    "features['log_amount'] > 5.0",  # features indexed: all of them
    "tx.nonexistent == 1",  # fails: the same error as with every field given
    "features.not_a_feature > 0.0",  # fails too
    "amount_gt(tx.amount, 100)",
    "tx.amount / 0 > 1",  # fails at run time
)


TX = {
    "kind": "payout",
    "amount": 6000,
    "currency": "EUR",
    "customer_id": "c1",
    "counterparty": "",
    "counterparty_type": "none",
    "device_id": "d1",
    "ip_country": "KP",
    "card_country": "",
    "mcc": "",
}


def _rule(index: int, expression: str) -> RL.ActiveRule:
    program = RL.compile_rule(expression)
    return RL.ActiveRule(f"rr_{index}", f"r{index}", 1, "review", "enforce", program)


def _one_by_one(rule: RL.ActiveRule, variables: dict[str, Any]) -> RL.RuleHit | None:
    features = dict(zip(FEATURE_NAMES, variables["features"], strict=True))
    everything = {**variables, "features": features}
    try:
        return RL.RuleHit(rule) if rule.program.evaluate_bool(everything) else None
    except ExpressionFailed as error:
        return RL.RuleHit(rule, error=str(error)[:200])


def test_rules_answer_as_with_every_variable_whole() -> None:
    vector = [0.0] * len(FEATURE_NAMES)
    vector[FEATURE_INDEX["customer_count_1h"]] = 3.0
    vector[FEATURE_INDEX["device_new"]] = 1.0
    vector[FEATURE_INDEX["log_amount"]] = 8.6
    tx = dict(TX)
    variables = RL.rule_variables(tx, 0.25, ["new_device"], vector)
    rules = [_rule(index, expression) for index, expression in enumerate(EXPRESSIONS)]
    expected = [hit for rule in rules if (hit := _one_by_one(rule, variables)) is not None]
    assert RL.evaluate(rules, variables) == expected
    assert {hit.rule.name for hit in expected if hit.error} == {"r8", "r9", "r11"}
    assert len(expected) == len(EXPRESSIONS)  # every other rule fires on this movement
    for rule in rules:  # and alone, with only the fields it reads
        assert RL.evaluate([rule], variables) == [
            hit for hit in expected if hit.rule.name == rule.name
        ]
    assert RL.evaluate([], variables) == []


def test_fields_read() -> None:
    assert RL.fields_read("tx.kind == 'a' && tx . amount > 1", "tx") == {"kind", "amount"}
    assert RL.fields_read("size(tx) > 1 && tx.kind == 'a'", "tx") is None
    assert RL.fields_read("reasons.exists(tx, tx == 'a')", "tx") is None
    assert RL.fields_read("score > 0.5", "features") == frozenset()


def test_remembered_answers_are_the_fresh_ones() -> None:
    """A rule answers from the values it read before only when every value it reads is the
    same (type and float bits included): the same answer as evaluated afresh."""
    rules = [_rule(index, expression) for index, expression in enumerate(EXPRESSIONS)]
    rules.append(_rule(99, "tx.amount == 1"))  # int, float and bool amounts differ in CEL
    rules.append(_rule(98, "string(features.device_new) == '-0.0'"))
    vector = [0.0] * len(FEATURE_NAMES)
    base = TX
    cases = []
    for amount in (1, 1.0, True, 6000, 1):
        for device_new in (0.0, -0.0, 1.0, 0.0):
            for score in (0.1, 0.25):
                features = list(vector)
                features[FEATURE_INDEX["device_new"]] = device_new
                tx = {**base, "amount": amount}
                cases.append(RL.rule_variables(tx, score, ["new_device"], features))
    absent = {key: value for key, value in base.items() if key != "mcc"}
    cases.append(RL.rule_variables(absent, 0.1, [], vector))
    for _ in range(2):  # the second round answers from what the first one saw
        for variables in cases:
            expected = [hit for rule in rules if (hit := _one_by_one(rule, variables)) is not None]
            assert RL.evaluate(rules, variables) == expected


def test_remembered_answers_are_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(RL, "CACHED_ANSWERS", 5)
    monkeypatch.setattr(RL, "CACHED_EXPRESSIONS", 3)
    monkeypatch.setattr(RL, "_answers", {})
    # arithmetic: no closure (coffer.risk.online.rule_closures), so CEL answers, remembered
    rules = [_rule(index, f"tx.amount + 0 > {index}") for index in range(6)]
    for amount in range(12):
        variables = RL.rule_variables({**TX, "amount": amount}, 0.1, [], [0.0] * len(FEATURE_NAMES))
        expected = [rule.name for rule in rules if amount > int(rule.program.source.split()[-1])]
        assert [hit.rule.name for hit in RL.evaluate(rules, variables)] == expected
    assert len(RL._answers) == 3
    assert all(len(known) <= 5 for known in RL._answers.values())
