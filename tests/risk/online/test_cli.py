"""coffer risk rules / decisions / cases from the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from coffer.cli.main import app

runner = CliRunner()


def test_rules_and_cases_commands(database_url: str) -> None:
    base = ["--database", database_url]
    result = runner.invoke(
        app,
        [
            "risk",
            "rules",
            "set",
            "big",
            "--expression",
            "tx.amount > 10",
            "--action",
            "review",
            *base,
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["version"] == 1
    listed = runner.invoke(app, ["risk", "rules", "list", *base])
    assert [r["name"] for r in json.loads(listed.output)] == ["big"]
    bad = runner.invoke(
        app,
        ["risk", "rules", "set", "x", "--expression", "tx.amount >", "--action", "block", *base],
    )
    assert bad.exit_code == 2 and "error:" in bad.output
    assert json.loads(runner.invoke(app, ["risk", "cases", "list", *base]).output) == []
    assert json.loads(runner.invoke(app, ["risk", "decisions", *base]).output) == []
    missing = runner.invoke(app, ["risk", "cases", "export", "rc_nope", *base])
    assert missing.exit_code == 2
