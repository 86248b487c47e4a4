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
