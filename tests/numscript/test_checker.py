from __future__ import annotations

from coffer.numscript import Diagnostic, check


def messages(text: str, flags: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    return [(d.severity, d.message) for d in check(text, flags)]


def errors(text: str, flags: frozenset[str] = frozenset()) -> list[str]:
    return [m for s, m in messages(text, flags) if s == "error"]


def test_clean_program() -> None:
    assert check("send [COIN 1] (source = @world destination = @a)") == []


def test_syntax_error_diagnostic_has_position() -> None:
    [diagnostic] = check("send [COIN 1] (source = @world destination = )")
    assert isinstance(diagnostic, Diagnostic)
    assert diagnostic.severity == "error"
    assert (diagnostic.line, diagnostic.column) == (1, 46)
    assert "expected" in diagnostic.message
    assert str(diagnostic).startswith("1:46: error:")


def test_unbound_and_unused_variables() -> None:
    found = messages("vars { monetary $x }\nsend $y (source = @world destination = @a)")
    assert ("warning", "the variable $x is never used") in found
    assert ("error", "the variable $y is not declared") in found


def test_type_errors() -> None:
    text = """vars { number $n }
send [COIN 1] (source = $n destination = @a)
set_tx_meta(1, "x")
send [COIN 1] + [EUR 2] (source = @world destination = @a)
send [COIN 1] (source = @world destination = { "x" to @a remaining kept })
"""
    found = errors(text)
    assert "expected an account here, got a number" in found
    assert "expected a string here, got a number" in found
    assert "cannot mix COIN and EUR" in found
    assert "expected a portion here, got a string" in found


def test_origin_type_mismatch() -> None:
    found = errors('vars { number $b = balance(@a, COIN) }\nset_tx_meta("b", $b)')
    assert found == ["balance() gives a monetary, but $b is a number"]


def test_allotment_over_100_percent() -> None:
    text = "send [C 1] (source = @world destination = { 60% to @a 50% to @b })"
    assert errors(text) == ["the portions of this allotment exceed 100% (11/10)"]
    text = "send [C 1] (source = { 2/3 from @a 2/3 from @b } destination = @c)"
    assert errors(text) == ["the portions of this allotment exceed 100% (4/3)"]


def test_allotment_under_100_percent_without_remaining() -> None:
    [error] = errors("send [C 1] (source = @world destination = { 50% to @a })")
    assert "not 100%" in error


def test_two_remaining() -> None:
    text = "send [C 1] (source = @world destination = { remaining to @a remaining kept })"
    assert errors(text) == ["an allotment can have only one 'remaining'"]


def test_variable_portion_is_not_checked_statically() -> None:
    text = "vars { portion $p }\nsend [C 1] (source = @world destination = { $p to @a })"
    assert errors(text) == []


def test_feature_flags() -> None:
    text = "send [C 1] (source = oneof { @a @world } destination = @b)"
    assert errors(text) == ["oneof is experimental: enable the feature flag 'experimental-oneof'"]
    assert errors(text, frozenset({"experimental-oneof"})) == []
    pragma = '#![feature("experimental-oneof")]\n' + text
    assert errors(pragma) == []


def test_mid_script_calls_need_a_flag() -> None:
    text = "send balance(@a, COIN) (source = @world destination = @b)"
    assert len(errors(text)) == 1
    assert errors(text, frozenset({"experimental-mid-script-function-call"})) == []


def test_unknown_function_and_arity() -> None:
    found = errors('frobnicate(1)\nset_tx_meta("k")\nvars_x()')
    assert any("unknown statement frobnicate()" in m for m in found)
    assert "set_tx_meta() takes 2 arguments, got 1" in found


def test_send_all_from_unbounded_source() -> None:
    [error] = errors("send [C *] (source = @world destination = @a)")
    assert "unbounded" in error
    [error] = errors("send [C *] (source = {1/2 from @a 1/2 from @b} destination = @c)")
    assert "allotment" in error
