"""``coffer fx ...`` on a SQLite database."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from coffer.cli.main import app


def test_rates_quote_and_errors(tmp_path: os.PathLike[str]) -> None:
    """On the suite's key files (tests/conftest.py): others set in the environment here would
    stay in this process's cached settings for later tests."""
    database = ["--database", f"sqlite:///{tmp_path}/c.db"]
    runner = CliRunner()
    done = runner.invoke(app, ["fx", "rates", "set", "EUR", "USD", "1.0842", *database])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["source"] == "manual"
    quoted = runner.invoke(
        app, ["fx", "quote", "--sell", "EUR", "--buy", "USD", "--sell-amount", "10000", *database]
    )
    assert quoted.exit_code == 0, quoted.output
    assert json.loads(quoted.output)["buy_amount"] == 10_787  # 100 x 1.0842 x 0.995
    past = runner.invoke(app, ["fx", "rates", "get", "EUR", "USD", "--at", "2013-03-21", *database])
    assert json.loads(past.output)["rate"] == "1.291"
    refused = runner.invoke(app, ["fx", "rates", "get", "EUR", "CHF", *database])
    assert refused.exit_code == 1 and "rate_stale" in refused.output
