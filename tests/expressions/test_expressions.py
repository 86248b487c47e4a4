"""The CEL expression language: compiled once, refused at save time, exact amounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coffer.expressions import (
    ExpressionFailed,
    ExpressionInvalid,
    compile_expression,
    from_cel,
    to_cel,
)

AMOUNTS = st.integers(min_value=0, max_value=2**128 - 1)


def test_condition_over_nested_variables() -> None:
    rule = compile_expression(
        "trigger.amount > 10000 && customer.kyc_level != 'none'",
        variables={"trigger", "customer"},
    )
    assert rule.evaluate_bool({"trigger": {"amount": 25000}, "customer": {"kyc_level": "light"}})
    assert not rule.evaluate_bool({"trigger": {"amount": 100}, "customer": {"kyc_level": "x"}})
    assert rule.variables == {"trigger", "customer"}


def test_syntax_error_names_the_place() -> None:
    with pytest.raises(ExpressionInvalid) as caught:
        compile_expression("trigger.amount >")
    assert "syntax error" in caught.value.message
    assert "1:17" in caught.value.message
    assert caught.value.status == 400


def test_unknown_variable_and_function_refused_at_save_time() -> None:
    with pytest.raises(ExpressionInvalid, match="reads wallet, which is not defined"):
        compile_expression("wallet.balance > 1", variables={"trigger"})
    with pytest.raises(ExpressionInvalid, match="calls open"):
        compile_expression("open('/etc/passwd') == 1")
    with pytest.raises(ExpressionInvalid, match="empty"):
        compile_expression("  ")


def test_comprehension_variables_are_not_unknown() -> None:
    rule = compile_expression("trigger.items.exists(item, item > 5)", variables={"trigger"})
    assert rule.evaluate({"trigger": {"items": [1, 9]}}) is True


def test_runtime_failures_are_typed() -> None:
    rule = compile_expression("trigger.amount > 1", variables={"trigger"})
    with pytest.raises(ExpressionFailed, match="does not provide"):
        rule.evaluate({})
    with pytest.raises(ExpressionFailed):
        rule.evaluate({"trigger": {}})
    with pytest.raises(ExpressionFailed, match="not true or false"):
        compile_expression("1 + 1").evaluate_bool({})
    with pytest.raises(ExpressionFailed, match="64-bit"):
        compile_expression("x + 1").evaluate({"x": 2**63 - 1})


def test_timestamps_and_durations() -> None:
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    rule = compile_expression(
        "now - created_at < duration('48h') && now.getDayOfWeek() == 1 && now.getHours() < 12"
    )
    assert rule.evaluate_bool({"now": now, "created_at": now - timedelta(hours=3)})
    assert not rule.evaluate_bool({"now": now, "created_at": now - timedelta(days=3)})


def test_big_amounts_never_compare_wrongly() -> None:
    # 10 ETH in wei is above 2**63: the plain operator refuses, it never answers wrongly
    rule = compile_expression("trigger.amount > 100")
    with pytest.raises(ExpressionFailed, match="amount_gt"):
        rule.evaluate({"trigger": {"amount": 10 * 10**18}})
    exact = compile_expression("amount_gt(trigger.amount, 100)")
    assert exact.evaluate({"trigger": {"amount": 10 * 10**18}}) is True
    assert exact.evaluate({"trigger": {"amount": 99}}) is False
    # equality stays exact: a value that fits is an int, one that does not a big map
    assert compile_expression("a == b").evaluate({"a": 2**100, "b": 2**100}) is True
    assert compile_expression("a == b").evaluate({"a": 2**100, "b": 2**100 + 1}) is False
    assert compile_expression("a == 5").evaluate({"a": 2**100}) is False


@given(AMOUNTS, AMOUNTS)
def test_exact_functions_match_python_integers(a: int, b: int) -> None:
    variables = {"a": a, "b": b}
    assert compile_expression("amount_add(a, b)").evaluate(variables) == a + b
    assert compile_expression("amount_sub(a, b)").evaluate(variables) == a - b
    assert compile_expression("amount_mul(a, b)").evaluate(variables) == a * b
    assert compile_expression("amount_lt(a, b)").evaluate(variables) is (a < b)
    assert compile_expression("amount_ge(a, b)").evaluate(variables) is (a >= b)
    assert compile_expression("amount_max(a, b)").evaluate(variables) == max(a, b)
    if b:
        assert compile_expression("amount_div(a, b)").evaluate(variables) == a // b


@given(st.integers(min_value=-(2**130), max_value=2**130))
def test_to_cel_round_trips(value: int) -> None:
    assert from_cel(to_cel({"x": [value]})) == {"x": [value]}
    converted = to_cel(value)
    assert isinstance(converted, int) == (-(2**63) <= value < 2**63)


def test_compiled_once_evaluated_many_times() -> None:
    rule = compile_expression("x * 2 + y", variables={"x", "y"})
    assert [rule.evaluate({"x": i, "y": 1}) for i in range(5)] == [1, 3, 5, 7, 9]


def test_extra_lookup_functions() -> None:
    balances = {"w1": 500}
    rule = compile_expression(
        "balance(trigger.wallet_id) >= 100",
        variables={"trigger"},
        functions={"balance": lambda wallet_id: balances[wallet_id]},
    )
    assert rule.evaluate_bool({"trigger": {"wallet_id": "w1"}})
    with pytest.raises(ExpressionInvalid, match="calls balance"):
        compile_expression("balance('w1') > 1")
