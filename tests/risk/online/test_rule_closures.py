"""Rules compiled to Python closures answer exactly as CEL does, or hand the input to CEL."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from tests.risk.online.test_rule_evaluation import TX

from coffer.expressions import ExpressionFailed
from coffer.risk.features import FEATURE_INDEX, FEATURE_NAMES
from coffer.risk.online import rules as RL
from coffer.risk.online.rule_closures import Fallback, closure_of

COMPILED = (
    "tx.kind == 'payout' && tx.amount > 5000",
    'tx.ip_country == "KP" || tx.card_country == "KP"',
    "features.customer_count_1h >= 2.0",
    "features . device_new > 0.0 && score >= 0.2",
    "!(tx.kind == 'transfer') && (score < 0.5 || features.log_amount <= 8.0)",
    "tx.amount > 1000 || tx.amount == 0",
    "tx.amount == 1",  # int, float and bool amounts: CEL answers all but int
    "tx.amount != 1.0",
    "tx.kind < 'z'",  # strings ordered: CEL answers
    "tx.nonexistent == 1",  # fails in CEL: the closure hands it over
    "tx.kind == 'payout' && tx.nonexistent == 1",  # false && error is false
    "tx.nonexistent == 1 || tx.kind == 'payout'",  # error || true is true
    "!tx.kind",  # not of a string: CEL's error
    "tx.amount && true",  # CEL answers unless the amount is a boolean
    "true && false || true",
    "score > 0.1 && score > 0.2 && score > 0.3",
    "tx.amount > 9223372036854775807",
)
NOT_COMPILED = (
    "has(tx.mcc) && tx.mcc == ''",
    "'new_device' in reasons",
    "size(tx) == 10",
    "features['log_amount'] > 5.0",
    "features.not_a_feature > 0.0",
    "amount_gt(tx.amount, 100)",
    "tx.amount / 0 > 1",
    "tx.amount > -5",
    "1 < 2 < 3",
    "tx.kind == 'a\\'b'",
    "tx.amount > 5u",
)
HANDED_OVER = {  # every case goes to CEL
    "tx.kind < 'z'",
    "tx.nonexistent == 1",
    "tx.nonexistent == 1 || tx.kind == 'payout'",
    "!tx.kind",
}


def _cel(expression: str, variables: dict[str, Any]) -> bool | str:
    program = RL.compile_rule(expression)
    features = dict(zip(FEATURE_NAMES, map(float, variables["features"]), strict=True))
    try:
        return program.evaluate_bool({**variables, "features": features})
    except ExpressionFailed as error:
        return "error: " + str(error)


def _cases() -> list[dict[str, Any]]:
    cases = []
    amounts = (0, 1, 1.0, True, 6000, 2**70, float("nan"))
    for kind, amount, device_new, score in itertools.product(
        ("payout", "transfer"), amounts, (0.0, -0.0, 1.0, math.nan), (0.1, 0.25, 0.9)
    ):
        vector = [0.0] * len(FEATURE_NAMES)
        vector[FEATURE_INDEX["device_new"]] = device_new
        vector[FEATURE_INDEX["customer_count_1h"]] = 2.0 if score > 0.2 else 1.0
        tx = {**TX, "kind": kind, "amount": amount}
        cases.append(RL.rule_variables(tx, score, ["new_device"], vector))
    return cases


@pytest.mark.parametrize("expression", COMPILED)
def test_a_closure_answers_as_cel_or_hands_over(expression: str) -> None:
    closure = closure_of(expression)
    assert closure is not None
    answered = 0
    for variables in _cases():
        expected = _cel(expression, variables)
        try:
            got: bool | str = closure(variables)
        except Fallback:
            continue
        answered += 1
        assert got is expected, (expression, variables["tx"], variables["score"])
    assert (answered > 0) is (expression not in HANDED_OVER)


@pytest.mark.parametrize("expression", NOT_COMPILED)
def test_other_shapes_get_no_closure(expression: str) -> None:
    assert closure_of(expression) is None


def test_decisions_are_the_same_with_and_without_closures(monkeypatch: Any) -> None:
    rules = [
        RL.ActiveRule(f"rr_{i}", f"r{i}", 1, "review", "enforce", RL.compile_rule(e))
        for i, e in enumerate(COMPILED)
    ]
    cases = _cases()
    with_closures = [RL.evaluate(rules, variables) for variables in cases]
    monkeypatch.setattr(RL, "closure_of", lambda source: None)
    monkeypatch.setattr(RL, "_answers", {})
    assert [RL.evaluate(rules, variables) for variables in cases] == with_closures
