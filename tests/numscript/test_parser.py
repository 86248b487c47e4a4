from __future__ import annotations

from fractions import Fraction

import pytest

from coffer.errors import CompilationFailed, NumscriptError
from coffer.numscript import NumscriptSyntaxError, execute, parse
from coffer.numscript.destinations import AllotmentDestination, InOrderDestination
from coffer.numscript.errors import NumscriptCompileError
from coffer.numscript.expressions import Literal
from coffer.numscript.statements import Send


def test_parse_is_cached_by_text() -> None:
    text = "send [COIN 1] (source = @world destination = @a)"
    assert parse(text) is parse(text)


def test_syntax_error_has_line_column_and_expected() -> None:
    text = "send [COIN 10] (\n  source = @a\n  destination = \n)"
    with pytest.raises(NumscriptSyntaxError) as info:
        parse(text)
    error = info.value
    assert (error.line, error.column) == (4, 1)
    assert "an expression" in error.expected
    assert "expected" in error.message
    assert isinstance(error, CompilationFailed)
    assert isinstance(error, NumscriptError)
    assert error.formance_code == "COMPILATION_FAILED"


def test_unexpected_character() -> None:
    with pytest.raises(NumscriptSyntaxError) as info:
        parse("send [COIN 10] ( source = @a ; destination = @b )")
    assert (info.value.line, info.value.column) == (1, 30)
    assert "'destination'" in info.value.expected


def test_unexpected_end_of_input() -> None:
    with pytest.raises(NumscriptSyntaxError) as info:
        parse("send [COIN 10] ( source = @a destination = @b")
    assert "end of input" in info.value.message
    assert info.value.line == 1


def test_comments_digit_separators_and_big_ints() -> None:
    program = parse(
        """
        // a comment
        /* a block
           comment */
        send [EUR 1_000_000_000_000_000_000_000] ( // trailing
          source = @world
          destination = @a
        )
        """
    )
    send = program.statements[0]
    assert isinstance(send, Send)
    assert isinstance(send.value, Literal)
    result = execute(program)
    assert result.postings[0].amount == 10**21


def test_literals_are_folded_at_compile_time() -> None:
    program = parse(
        "send [COIN 100] - [COIN 1] (source = @world destination = {1/3 to @a remaining kept})"
    )
    send = program.statements[0]
    assert isinstance(send, Send)
    assert isinstance(send.value, Literal)
    assert isinstance(send.destination, AllotmentDestination)
    assert send.destination.allotment.constant == [Fraction(1, 3), Fraction(2, 3)]


def test_in_order_destination_shape() -> None:
    program = parse(
        "send [COIN 10] (source = @world destination = {max [COIN 1] to @a remaining kept})"
    )
    send = program.statements[0]
    assert isinstance(send, Send)
    assert isinstance(send.destination, InOrderDestination)


@pytest.mark.parametrize(
    "text",
    [
        "send [COIN 1] (source = { 1/2 from @a @b } destination = @c)",
        "send [COIN 1] (source = @a destination = { max [COIN 1] to @a 10% to @b })",
        "vars { foo $x }",
        "vars { number $x number $x }",
        '#![flags("x")]\nsend [COIN 1] (source = @world destination = @a)',
    ],
)
def test_malformed_programs(text: str) -> None:
    with pytest.raises(NumscriptCompileError) as info:
        parse(text)
    assert info.value.line >= 1
    assert info.value.column >= 1


def test_feature_pragma() -> None:
    program = parse(
        '#![feature("experimental-oneof")]\nsend [C 1] (source = @world destination = @a)'
    )
    assert program.feature_flags == frozenset({"experimental-oneof"})


def test_keywords_do_not_swallow_identifiers() -> None:
    # "sender" starts with the keyword "send" but is a function name
    with pytest.raises(NumscriptError):
        execute(parse('sender("x")'))
