from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from coffer.cli import wallets as cli
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as S
from coffer.wallets.settings import get_wallet_settings
from wallets.helpers import make_customer


def test_sandbox_bank_transfer_and_worker(
    platform: WalletPlatform, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COFFER_PII_KEY", platform.settings.pii_key or "")
    monkeypatch.setenv("COFFER_PII_KEY_ID", platform.settings.pii_key_id)
    get_wallet_settings.cache_clear()
    customer = make_customer(platform)
    wallet = platform.wallets.create_wallet(S.WalletCreate(customer_id=customer.id, currency="EUR"))
    app = typer.Typer()
    app.command("worker")(cli.worker)
    app.add_typer(cli.sandbox_app, name="sandbox")
    runner = CliRunner()
    try:
        result = runner.invoke(
            app,
            [
                "sandbox",
                "bank-transfer",
                wallet.bank_reference or "",
                "2500",
                "EUR",
                "--database",
                database_url,
            ],
        )
        assert result.exit_code == 0, result.output
        assert platform.wallets.wallet(wallet.id).balance == 2_500
        bad = runner.invoke(
            app, ["sandbox", "bank-transfer", "NOPE", "1", "EUR", "--database", database_url]
        )
        assert bad.exit_code == 1
        result = runner.invoke(app, ["worker", "--once", "--database", database_url])
        assert result.exit_code == 0, result.output
    finally:
        get_wallet_settings.cache_clear()
