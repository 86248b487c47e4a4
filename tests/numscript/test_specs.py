from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coffer.cli.numscript import app
from coffer.numscript.specs import run_paths


def _conformance_dir() -> Path:
    """The shared conformance suite: ``$COFFER_CONFORMANCE_DIR``, else ``shared/`` beside the
    checkout, else the workplace's ``/work/shared`` (a clone made elsewhere, as CI's)."""
    candidates = [
        os.environ.get("COFFER_CONFORMANCE_DIR", ""),
        str(Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "numscript"),
        "/work/shared/conformance/numscript",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return Path(candidates[1])


CONFORMANCE = _conformance_dir()


def test_conformance_suite() -> None:
    if not CONFORMANCE.is_dir():
        pytest.skip(f"CONFORMANCE SUITE NOT FOUND at {CONFORMANCE}: Numscript is not verified")
    report = run_paths([CONFORMANCE])
    failures = [
        (case.file, case.it, case.error, case.mismatches)
        for case in report.cases
        if case.status == "failed"
    ]
    assert failures == []
    assert report.passed > 100, report.summary()


def write(folder: Path, name: str, script: str, specs: dict[str, object]) -> Path:
    (folder / f"{name}.num").write_text(script)
    path = folder / f"{name}.num.specs.json"
    path.write_text(json.dumps(specs))
    return path


SCRIPT = """vars { monetary $amt }
send $amt (source = @a destination = { 1/2 to @b remaining to @c })
set_tx_meta("k", $amt)
set_account_meta(@b, "seen", "yes")
"""


def test_all_expectations(tmp_path: Path) -> None:
    write(
        tmp_path,
        "split",
        SCRIPT,
        {
            "balances": [{"account": "a", "asset": "USD", "amount": 10}],
            "variables": {"amt": "USD 5"},
            "testCases": [
                {
                    "it": "passes",
                    "expect.postings": [
                        {"source": "a", "destination": "b", "amount": 3, "asset": "USD"},
                        {"source": "a", "destination": "c", "amount": 2, "asset": "USD"},
                    ],
                    "expect.txMetadata": {"k": "USD 5"},
                    "expect.metadata": {"b": {"seen": "yes"}},
                    "expect.endBalances": [
                        {"account": "a", "asset": "USD", "amount": 5},
                        {"account": "b", "asset": "USD", "amount": 3},
                        {"account": "c", "asset": "USD", "amount": 2},
                    ],
                    "expect.endBalances.include": [{"account": "b", "asset": "USD", "amount": 3}],
                    "expect.movements": {"a": {"b": {"USD": 3}, "c": {"USD": 2}}},
                },
                {
                    "it": "missing funds",
                    "balances": [{"account": "a", "asset": "USD", "amount": 1}],
                    "expect.error.missingFunds": True,
                },
                {
                    "it": "negative",
                    "variables": {"amt": "USD -1"},
                    "expect.error.negativeAmount": True,
                },
                {"it": "skipped", "skip": True, "expect.postings": []},
            ],
        },
    )
    report = run_paths([tmp_path])
    assert [(c.it, c.status) for c in report.cases] == [
        ("passes", "passed"),
        ("missing funds", "passed"),
        ("negative", "passed"),
        ("skipped", "skipped"),
    ]
    assert report.summary() == "3 passed, 0 failed, 1 skipped"


def test_failures_are_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        "split",
        SCRIPT,
        {
            "balances": [{"account": "a", "asset": "USD", "amount": 10}],
            "variables": {"amt": "USD 5"},
            "testCases": [
                {"it": "wrong postings", "expect.postings": []},
                {
                    "it": "wrong balances",
                    "expect.endBalances.include": [{"account": "a", "asset": "USD", "amount": 10}],
                },
                {"it": "expects missing funds", "expect.error.missingFunds": True},
                {"it": "runtime error", "variables": {"amt": "oops"}},
                {"it": "focus", "focus": True, "expect.txMetadata": {"k": "USD 6"}},
            ],
        },
    )
    report = run_paths([tmp_path])
    # only the focused case runs
    assert [(c.it, c.status) for c in report.cases if c.status != "skipped"] == [
        ("focus", "failed")
    ]
    spec = json.loads((tmp_path / "split.num.specs.json").read_text())
    for case in spec["testCases"]:
        case.pop("focus", None)
    (tmp_path / "split.num.specs.json").write_text(json.dumps(spec))
    report = run_paths([tmp_path])
    statuses = {c.it: c for c in report.cases}
    assert statuses["wrong postings"].mismatches[0].expectation == "expect.postings"
    assert statuses["wrong balances"].mismatches[0].expectation == "expect.endBalances.include"
    assert statuses["expects missing funds"].mismatches[0].expected is True
    assert "InvalidVariable" in (statuses["runtime error"].error or "")
    assert report.summary() == "0 passed, 5 failed"


def test_cli_test_command(tmp_path: Path) -> None:
    write(
        tmp_path,
        "ok",
        "send [C 1] (source = @world destination = @a)",
        {
            "testCases": [
                {
                    "it": "works",
                    "expect.postings": [
                        {"source": "world", "destination": "a", "amount": 1, "asset": "C"}
                    ],
                },
                {"it": "breaks", "expect.postings": []},
            ]
        },
    )
    runner = CliRunner()
    result = runner.invoke(app, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "breaks" in result.output
    assert "expected: []" in result.output
    assert result.output.strip().endswith("1 passed, 1 failed")
    result = runner.invoke(app, ["test", "--json", str(tmp_path)])
    assert json.loads(result.output)["failed"] == 1


def test_cli_check_and_run(tmp_path: Path) -> None:
    script = tmp_path / "pay.num"
    script.write_text("vars { monetary $m }\nsend $m (source = @a destination = @b)\n")
    balances = tmp_path / "balances.json"
    balances.write_text(json.dumps([{"account": "a", "asset": "USD/2", "amount": 500}]))
    runner = CliRunner()
    assert runner.invoke(app, ["check", str(script)]).exit_code == 0
    result = runner.invoke(
        app, ["run", str(script), "--var", "m=USD/2 300", "--balances", str(balances)]
    )
    assert result.exit_code == 0, result.output
    assert "a -> b 300 USD/2" in result.output
    result = runner.invoke(
        app, ["run", str(script), "--var", "m=USD/2 900", "--balances", str(balances)]
    )
    assert result.exit_code == 1
    assert "INSUFFICIENT_FUND" in result.output
    bad = tmp_path / "bad.num"
    bad.write_text("send [C 1] (source = @a destination = )")
    result = runner.invoke(app, ["check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:1:39: error: unexpected ')'" in result.output


BALANCE_SHAPES: dict[str, object] = {
    "rows": [
        {"account": "a", "asset": "USD", "amount": 10},
        {"account": "a", "asset": "USD", "amount": 4, "color": "RED"},
    ],
    "numbers by account and asset": {"a": {"USD": 10}},
    "value objects": {"a": {"USD": {"amount": 10}}},
    "lists of value objects": {"a": {"USD": [{"amount": 10}, {"color": "RED", "amount": 4}]}},
}


@pytest.mark.parametrize("shape", sorted(BALANCE_SHAPES))
def test_balances_and_expected_balances_in_every_shape(tmp_path: Path, shape: str) -> None:
    """``balances``, ``expect.endBalances`` and ``expect.endBalances.include`` read a list
    of ``{account, asset, amount, color?}`` rows or an object by account and asset whose
    amounts are numbers, ``{amount, color?}`` objects or lists of them."""
    balances = BALANCE_SHAPES[shape]
    expected: object = (
        [
            {"account": "a", "asset": "USD", "amount": 7},
            {"account": "b", "asset": "USD", "amount": 3},
        ]
        if isinstance(balances, list)
        else {"a": {"USD": [{"amount": 7}]}, "b": {"USD": 3}}
    )
    write(
        tmp_path,
        "shapes",
        "send [USD 3] (source = @a destination = @b)\n",
        {
            "balances": balances,
            "testCases": [
                {"it": "moves 3", "expect.endBalances.include": expected},
                {"it": "and not 4", "expect.endBalances.include": {"b": {"USD": 4}}},
            ],
        },
    )
    report = run_paths([tmp_path])
    assert [case.status for case in report.cases] == ["passed", "failed"], report.to_dict()


@pytest.mark.parametrize(
    "balances",
    [
        {"a": {"USD": [{"amount": 1}, {"amount": 2}]}},  # the same color twice
        {"a": {"USD": {"amount": 1, "colour": "RED"}}},  # an unknown field
        {"a": {"USD": [5]}},  # a bare number in a list
        {"a": 5},  # not an object by asset
        [{"asset": "USD", "amount": 1}],  # a row without its account
    ],
)
def test_malformed_balances_are_reported(tmp_path: Path, balances: object) -> None:
    write(
        tmp_path,
        "bad",
        "send [USD 1] (source = @a destination = @b)\n",
        {"balances": balances, "testCases": [{"it": "runs"}]},
    )
    report = run_paths([tmp_path])
    assert [case.status for case in report.cases] == ["failed"]
    assert "invalid specs file" in (report.cases[0].error or "")


SWAP_AFTER_SCALING = """send [EUR/2 400] (
  source = @src with scaling through @swap
  destination = @dest
)
send [EUR *] (
  source = @swap
  destination = @collected
)
send [EUR/2 *] (
  source = @swap
  destination = @back
)
"""


def test_the_swap_account_holds_what_a_conversion_left_for_the_statements_after_it(
    tmp_path: Path,
) -> None:
    """A conversion ``with scaling through @swap`` moves both sides (as upstream's
    interpreter does): the swap account gains the converted scales and gives the sent one,
    and the next statements see that, in every scale."""
    write(
        tmp_path,
        "swap",
        SWAP_AFTER_SCALING,
        {
            "featureFlags": ["experimental-asset-scaling"],
            "balances": {"src": {"EUR": 4}, "swap": {"EUR/2": 1000}},
            "testCases": [
                {
                    "it": "sends the swap account's balances as they are after the conversion",
                    "expect.postings": [
                        {"source": "src", "destination": "swap", "amount": 4, "asset": "EUR"},
                        {"source": "swap", "destination": "src", "amount": 400, "asset": "EUR/2"},
                        {"source": "src", "destination": "dest", "amount": 400, "asset": "EUR/2"},
                        {"source": "swap", "destination": "collected", "amount": 4, "asset": "EUR"},
                        {"source": "swap", "destination": "back", "amount": 600, "asset": "EUR/2"},
                    ],
                    "expect.endBalances.include": [
                        {"account": "swap", "asset": "EUR", "amount": 0},
                        {"account": "swap", "asset": "EUR/2", "amount": 0},
                        {"account": "src", "asset": "EUR", "amount": 0},
                        {"account": "src", "asset": "EUR/2", "amount": 0},
                    ],
                }
            ],
        },
    )
    report = run_paths([tmp_path])
    assert [case.status for case in report.cases] == ["passed"], report.to_dict()
