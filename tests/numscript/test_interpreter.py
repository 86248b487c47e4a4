from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coffer.errors import InsufficientFunds, NumscriptError
from coffer.numscript import (
    ExecutionResult,
    MissingFunds,
    NegativeAmount,
    PostingOut,
    Store,
    execute,
    parse,
)
from coffer.numscript.allotments import allot
from coffer.numscript.errors import (
    FeatureDisabled,
    InvalidVariable,
    MetadataNotFound,
    MissingVariable,
    TypeMismatch,
    UnboundedSendAll,
)
from coffer.numscript.specs import MemoryStore


def run(
    text: str,
    balances: dict[tuple[str, str], int] | None = None,
    vars: dict[str, str] | None = None,
    metadata: dict[str, dict[str, str]] | None = None,
    flags: frozenset[str] = frozenset(),
) -> ExecutionResult:
    rows = [{"account": a, "asset": s, "amount": n} for (a, s), n in (balances or {}).items()]
    return execute(parse(text), vars or {}, MemoryStore(rows, metadata), flags)


def postings(result: ExecutionResult) -> list[tuple[str, str, int, str]]:
    return [(p.source, p.destination, p.amount, p.asset) for p in result.postings]


def test_memory_store_is_a_store() -> None:
    assert isinstance(MemoryStore(), Store)


def test_simple_send() -> None:
    result = run("send [USD/2 100] (source = @a destination = @b)", {("a", "USD/2"): 100})
    assert result.postings == [PostingOut("a", "b", 100, "USD/2")]


def test_missing_funds_error() -> None:
    with pytest.raises(MissingFunds) as info:
        run("send [USD/2 100] (source = @a destination = @b)", {("a", "USD/2"): 99})
    error = info.value
    assert isinstance(error, InsufficientFunds)
    assert isinstance(error, NumscriptError)
    assert error.formance_code == "INSUFFICIENT_FUND"
    assert (error.available, error.needed, error.asset) == (99, 100, "USD/2")


def test_only_world_is_unbounded() -> None:
    text = "send [COIN 10] (source = {@a @world} destination = @b)"
    result = run(text, {("a", "COIN"): 3})
    assert postings(result) == [("a", "b", 3, "COIN"), ("world", "b", 7, "COIN")]


def test_bounded_overdraft() -> None:
    text = "send [COIN 10] (source = @a allowing overdraft up to [COIN 5] destination = @b)"
    assert postings(run(text, {("a", "COIN"): 5})) == [("a", "b", 10, "COIN")]
    with pytest.raises(MissingFunds):
        run(text, {("a", "COIN"): 4})


def test_unbounded_overdraft() -> None:
    text = "send [COIN 10] (source = @a allowing unbounded overdraft destination = @b)"
    assert postings(run(text)) == [("a", "b", 10, "COIN")]


def test_send_all_with_overdraft() -> None:
    text = "send [COIN *] (source = @a allowing overdraft up to [COIN 5] destination = @b)"
    assert postings(run(text, {("a", "COIN"): 2})) == [("a", "b", 7, "COIN")]
    with pytest.raises(UnboundedSendAll):
        run("send [COIN *] (source = @a allowing unbounded overdraft destination = @b)")


def test_max_source() -> None:
    text = "send [COIN 10] (source = { max [COIN 3] from @a @b } destination = @c)"
    result = run(text, {("a", "COIN"): 100, ("b", "COIN"): 100})
    assert postings(result) == [("a", "c", 3, "COIN"), ("b", "c", 7, "COIN")]


def test_kept_and_in_order_destination() -> None:
    text = """send [COIN 100] (
      source = @world
      destination = { max [COIN 10] kept  max [COIN 20] to @a  remaining to @b }
    )"""
    assert postings(run(text)) == [("world", "a", 20, "COIN"), ("world", "b", 70, "COIN")]


def test_allotment_rounding_floor_then_leftover_in_order() -> None:
    text = "send [GEM 15] (source = @world destination = { 80% to @a 8% to @b 12% to @c })"
    assert [p.amount for p in run(text).postings] == [13, 1, 1]


def test_no_zero_amount_postings() -> None:
    text = "send [GEM 2] (source = {@a @world} destination = { 90% to @x 10% to @y })"
    assert postings(run(text)) == [("world", "x", 2, "GEM")]
    assert run("send [GEM 0] (source = @a destination = @b)").postings == []


def test_consecutive_senders_are_merged_within_a_send() -> None:
    text = "send [C 10] (source = { 50% from @a remaining from @a } destination = @b)"
    assert postings(run(text, {("a", "C"): 10})) == [("a", "b", 10, "C")]


def test_balances_are_tracked_across_statements() -> None:
    text = """send [C 50] (source = @a destination = @z)
    send [C 50] (source = @a destination = @z)"""
    with pytest.raises(MissingFunds):
        run(text, {("a", "C"): 60})


def test_negative_amount() -> None:
    with pytest.raises(NegativeAmount) as info:
        run("send [C 1] - [C 2] (source = @world destination = @a)")
    assert info.value.formance_code == "INTERPRETER_RUNTIME"


def test_save() -> None:
    text = """save [USD 10] from @alice
    send [USD 30] (source = { @alice @world } destination = @bob)"""
    result = run(text, {("alice", "USD"): 20})
    assert postings(result) == [("alice", "bob", 10, "USD"), ("world", "bob", 20, "USD")]


def test_variables_are_parsed_by_type() -> None:
    text = """vars {
      account $acc
      monetary $m
      portion $p
      portion $q
      number $n
      string $s
      asset $a
    }
    set_tx_meta("acc", $acc)
    set_tx_meta("m", $m)
    set_tx_meta("p", $p)
    set_tx_meta("q", $q)
    set_tx_meta("n", $n)
    set_tx_meta("s", $s)
    set_tx_meta("a", $a)
    """
    variables = {
        "acc": "users:001",
        "m": "USD/2 100",
        "p": "1/3",
        "q": "12.5%",
        "n": "-42",
        "s": "hello world",
        "a": "EUR/2",
    }
    assert run(text, vars=variables).tx_metadata == {
        "acc": "users:001",
        "m": "USD/2 100",
        "p": "1/3",
        "q": "1/8",
        "n": "-42",
        "s": "hello world",
        "a": "EUR/2",
    }


@pytest.mark.parametrize(
    ("type_", "raw"),
    [
        ("account", "not an account"),
        ("monetary", "USD/2"),
        ("monetary", "usd 10"),
        ("portion", "120%"),
        ("portion", "1/0"),
        ("number", "4.2"),
        ("asset", "usd"),
    ],
)
def test_invalid_variables(type_: str, raw: str) -> None:
    with pytest.raises(InvalidVariable):
        run(f'vars {{ {type_} $x }}\nset_tx_meta("x", $x)', vars={"x": raw})


def test_missing_variable() -> None:
    with pytest.raises(MissingVariable):
        run('vars { number $x }\nset_tx_meta("x", $x)')


def test_big_ints() -> None:
    big = 2**200 + 7
    text = (
        "vars { monetary $m }\n"
        "send $m (source = @world destination = { 1/3 to @a remaining to @b })"
    )
    result = run(text, vars={"m": f"ETH/18 {big}"})
    assert sum(p.amount for p in result.postings) == big
    assert result.postings[0].amount == big // 3 + 1


def test_metadata_origin_and_writes() -> None:
    text = """vars {
      account $sale
      account $seller = meta($sale, "seller")
      portion $commission = meta($seller, "commission")
    }
    send [EUR/2 100] (
      source = $sale
      destination = { remaining to $seller  $commission to @platform }
    )
    set_account_meta($seller, "last_sale", $sale)
    set_account_meta(@platform, "rate", $commission)
    """
    metadata = {"sales:1": {"seller": "users:9"}, "users:9": {"commission": "12.5%"}}
    result = run(text, {("sales:1", "EUR/2"): 100}, {"sale": "sales:1"}, metadata)
    assert postings(result) == [
        ("sales:1", "users:9", 88, "EUR/2"),
        ("sales:1", "platform", 12, "EUR/2"),
    ]
    assert result.account_metadata == {
        "users:9": {"last_sale": "sales:1"},
        "platform": {"rate": "1/8"},
    }


def test_missing_metadata() -> None:
    with pytest.raises(MetadataNotFound):
        run('vars { account $x = meta(@a, "k") }\nset_tx_meta("x", $x)')


def test_type_mismatch_at_runtime() -> None:
    with pytest.raises(TypeMismatch):
        run("vars { number $n }\nsend [C 1] (source = $n destination = @a)", vars={"n": "1"})


def test_experimental_features_need_their_flag() -> None:
    text = "send [C 1] (source = oneof { @a @world } destination = @b)"
    with pytest.raises(FeatureDisabled) as info:
        run(text)
    assert info.value.details["flag"] == "experimental-oneof"
    assert postings(run(text, flags=frozenset({"experimental-oneof"}))) == [("world", "b", 1, "C")]


def test_account_interpolation() -> None:
    text = "vars { number $id }\nsend [C 1] (source = @world destination = @users:$id:main)"
    flag = frozenset({"experimental-account-interpolation"})
    assert postings(run(text, vars={"id": "42"}, flags=flag)) == [
        ("world", "users:42:main", 1, "C")
    ]
    with pytest.raises(FeatureDisabled):
        run(text, vars={"id": "42"})


def test_colored_postings_use_the_colored_ledger_asset() -> None:
    text = 'send [COIN 5] (source = @a \\ "RED" destination = @b)'
    flag = frozenset({"experimental-asset-colors"})
    result = run(text, {("a", "COIN_RED"): 5}, flags=flag)
    assert result.postings == [PostingOut("a", "b", 5, "COIN_RED", "RED")]


@given(
    amount=st.integers(min_value=0, max_value=10**30),
    weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=8),
)
def test_allotment_shares_sum_to_the_amount(amount: int, weights: list[int]) -> None:
    total = sum(weights)
    if total == 0:
        weights = [*weights[:-1], 1]
        total = sum(weights)
    portions = [Fraction(w, total) for w in weights]
    shares = allot(amount, portions)
    assert sum(shares) == amount
    for share, portion in zip(shares, portions, strict=True):
        exact = amount * portion
        assert share >= 0
        # floor, plus at most one leftover unit (Formance hands leftovers out in order)
        assert exact - 1 < share <= exact + 1
        assert abs(share - exact) <= 1


@given(
    amount=st.integers(min_value=0, max_value=10**12),
    percents=st.lists(st.integers(min_value=0, max_value=33), min_size=1, max_size=3),
)
def test_allotment_through_a_script(amount: int, percents: list[int]) -> None:
    clauses = " ".join(f"{p}% to @d{i}" for i, p in enumerate(percents))
    text = f"send [C {amount}] (source = @world destination = {{ {clauses} remaining to @rest }})"
    result = run(text)
    assert sum(p.amount for p in result.postings) == amount
    assert all(p.amount > 0 for p in result.postings)
    for posting in result.postings:
        if posting.destination != "rest":
            index = int(posting.destination[1:])
            assert abs(posting.amount - Fraction(amount * percents[index], 100)) <= 1


def test_merge_tx_metadata() -> None:
    from coffer.errors import MetadataOverride
    from coffer.numscript import merge_tx_metadata

    assert merge_tx_metadata({"a": "1"}, {"b": "2"}) == {"a": "1", "b": "2"}
    with pytest.raises(MetadataOverride) as info:
        merge_tx_metadata({"a": "1"}, {"a": "1"})
    assert info.value.formance_code == "METADATA_OVERRIDE"
