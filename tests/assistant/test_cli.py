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
    from coffer.assistant.evaluation import BATCHES

    for name, _ in BATCHES:  # every held-out batch is evaluated
        assert f"{name}: " in result.output


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


def test_categorize_applies_the_customers_rules_and_corrections(tmp_path: Path) -> None:
    """``categorize --customer`` runs the API's pipeline: the customer's stored rules and
    corrections decide; without ``--customer`` the built-in categorizer alone does."""
    url = f"sqlite:///{tmp_path}/c.db"
    import coffer
    from coffer.assistant.service import Assistant
    from coffer.wallets import WalletSettings, open_wallets
    from coffer.wallets import schemas as W

    statement = "date,description,amount\n2026-03-02,CORNER KIOSK 12,-4.50\n"
    with coffer.open(url) as c:
        wallets = open_wallets(c, WalletSettings()).wallets
        customer = wallets.create_customer(W.CustomerCreate(kind="natural", name="Cli")).id
        assistant = Assistant(c.engine, wallets)
        assistant.import_statement(customer, "csv", statement, account_name="Giro",
                                   currency="EUR")  # fmt: skip
        (kiosk,) = assistant.data(customer).transactions
        assistant.correct(customer, kiosk.id, "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES",
                          "Kiosk")  # fmt: skip
        assistant.save_rule(customer, {"category": "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
                                       "conditions": [{"field": "description",
                                                       "operator": "contains", "value": "lidl"}]})  # fmt: skip
    lines = tmp_path / "tx.jsonl"
    rows = [
        {"id": "x1", "date": "2026-03-04", "description": "CARD PAYMENT LIDL 4211 BERLIN DE",
         "amount": 2350, "currency": "EUR", "direction": "debit", "mcc": "5411"},
        {"id": kiosk.id, "date": "2026-03-02", "description": "CORNER KIOSK 12", "amount": 450,
         "currency": "EUR", "direction": "debit", "mcc": None},
    ]  # fmt: skip
    lines.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    runner = CliRunner()
    plain = runner.invoke(app, ["assistant", "categorize", "-i", str(lines), "--no-classifier"])
    assert plain.exit_code == 0, plain.output
    assert json.loads(plain.output.splitlines()[0])["primary"] == "FOOD_AND_DRINK"
    own = runner.invoke(app, ["assistant", "categorize", "-i", str(lines), "--no-classifier",
                              "--show-source", "--customer", customer, "--database", url])  # fmt: skip
    assert own.exit_code == 0, own.output
    first, second = (json.loads(line) for line in own.output.splitlines())
    assert (first["detailed"], first["source"]) == (
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        "user_rule",
    )
    assert (second["detailed"], second["source"], second["merchant"]) == (
        "FOOD_AND_DRINK_GROCERIES",
        "correction",
        "Kiosk",
    )
    unknown = runner.invoke(app, ["assistant", "categorize", "-i", str(lines),
                                  "--customer", "cus_nobody", "--database", url])  # fmt: skip
    assert unknown.exit_code == 2 and "cus_nobody" in unknown.output
