from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from coffer.cli.main import app

FIXTURES = Path(__file__).parent / "fixtures"


def test_ask_eval_runs_the_question_set() -> None:
    result = CliRunner().invoke(app, ["assistant", "ask-eval", "--every", "10"])
    assert result.exit_code == 0, result.output
    assert "right (" in result.output


def test_import_and_ask(tmp_path: Path) -> None:
    """The key files are the suite's own (tests/conftest.py): a test that set others in the
    environment would leave them in this process's cached settings for later tests."""
    url = f"sqlite:///{tmp_path}/c.db"
    import coffer
    from coffer.wallets import WalletSettings, open_wallets
    from coffer.wallets import schemas as W

    runner = CliRunner()
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
