from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coffer.cli.main import app

FIXTURES = Path(__file__).parent / "fixtures"


def test_ask_eval_runs_the_question_set() -> None:
    result = CliRunner().invoke(app, ["assistant", "ask-eval", "--every", "10"])
    assert result.exit_code == 0, result.output
    assert "right (" in result.output


def test_import_and_ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/c.db"
    env = {"COFFER_PII_KEY_FILE": os.path.join(tmp_path, "pii.key"),
           "COFFER_SIGNING_KEY_FILE": os.path.join(tmp_path, "sign.key")}  # fmt: skip
    import coffer
    from coffer.wallets import WalletSettings, open_wallets
    from coffer.wallets import schemas as W

    runner = CliRunner(env=env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with coffer.open(url) as c:
        customer = open_wallets(c, WalletSettings()).wallets.create_customer(
            W.CustomerCreate(kind="natural", name="Cli")
        )
    imported = runner.invoke(app, ["assistant", "import", str(FIXTURES / "checking.ofx"),
                                   "--customer", customer.id, "--database", url])  # fmt: skip
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["imported"] == 3
    asked = runner.invoke(app, ["assistant", "ask", "what is my balance?", "--customer", customer.id,
                                "--database", url, "--today", "2026-03-10"])  # fmt: skip
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.output)
    assert (
        answer["intent"] == "balance" and answer["value"] == 302177 and answer["currency"] == "USD"
    )
