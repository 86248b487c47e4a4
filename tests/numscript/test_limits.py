"""Bounds on Numscript programs: size, nesting, allotment width and syntax nodes."""

from __future__ import annotations

import pytest

from coffer.numscript import check, execute, parse
from coffer.numscript.errors import NumscriptLimitExceeded
from coffer.numscript.limits import DEFAULT_LIMITS, Limits


def nested_source(depth: int) -> str:
    return (
        "send [USD/2 100] (source = "
        + "{ " * depth
        + "@world"
        + " }" * depth
        + " destination = @a)"
    )


def allotment(parts: int) -> str:
    lines = "\n".join(f"1/{parts} to @d{i}" for i in range(parts))
    return f"send [USD/2 {parts * 10}] (source = @world destination = {{ {lines} }})"


def test_a_source_nested_3000_deep_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(NumscriptLimitExceeded, match="3000 levels deep") as caught:
        parse(nested_source(3000))
    assert caught.value.status == 400 and caught.value.limit == "numscript_max_nesting"
    assert caught.value.formance_code == "COMPILATION_FAILED"
    deep_expression = (
        "send [USD/2 " + "+".join(["1"] * 3000) + "] (source = @world destination = @a)"
    )
    with pytest.raises(NumscriptLimitExceeded, match="numscript_max_nesting"):
        parse(deep_expression)
    parenthesized = (
        "send [USD/2 " + "(" * 500 + "1" + ")" * 500 + "] (source = @world destination = @a)"
    )
    assert execute(parse(parenthesized)).postings[0].amount == 1  # parentheses add no node
    assert check(nested_source(3000))[0].severity == "error"


def test_nesting_up_to_the_limit_runs() -> None:
    program = parse(nested_source(DEFAULT_LIMITS.max_nesting - 2))
    assert execute(program).postings[0].amount == 100


def test_a_5000_way_allotment_is_refused() -> None:
    limits = Limits(max_nodes=1_000_000, max_source_bytes=1_000_000)
    with pytest.raises(NumscriptLimitExceeded, match="5000 portions") as caught:
        parse(allotment(5000), limits)
    assert caught.value.limit == "numscript_max_allotment_parts"
    widest = DEFAULT_LIMITS.max_allotment_parts
    result = execute(parse(allotment(widest)))
    assert len(result.postings) == widest
    assert sum(p.amount for p in result.postings) == widest * 10
    with pytest.raises(NumscriptLimitExceeded, match="numscript_max_allotment_parts"):
        parse(allotment(widest + 1))


def test_source_size_and_node_count_are_bounded() -> None:
    text = allotment(200)
    with pytest.raises(NumscriptLimitExceeded, match="numscript_max_source_bytes"):
        parse(text, Limits(max_source_bytes=1000))
    with pytest.raises(NumscriptLimitExceeded, match="numscript_max_nodes"):
        parse(text, Limits(max_nodes=500))
    big = "send [USD/2 1] (source = @world destination = @a)\n" * 2000
    with pytest.raises(NumscriptLimitExceeded, match="numscript_max_source_bytes"):
        parse(big)


def test_a_cached_program_is_checked_against_the_callers_limits() -> None:
    text = allotment(50)
    assert parse(text).measure is not None  # cached under the default limits
    with pytest.raises(NumscriptLimitExceeded, match="numscript_max_allotment_parts"):
        parse(text, Limits(max_allotment_parts=10))
    with pytest.raises(NumscriptLimitExceeded, match="numscript_max_source_bytes"):
        parse(text, Limits(max_source_bytes=200))
