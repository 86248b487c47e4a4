"""Helpers of the payment batch tests: payee wallets in bulk, and a batch's body."""

from __future__ import annotations

from typing import Any

from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W

IBAN_FR = "FR1420041010050500013M02606"
BIC_FR = "PSSTFRPPLIL"
IBAN_DE = "DE89370400440532013000"


def payee_wallets(wallets: WalletPlatform, count: int, currency: str = "EUR") -> list[str]:
    """``count`` wallets of as many customers (no KYC: they only receive)."""
    ids = []
    for index in range(count):
        customer = wallets.wallets.create_customer(
            W.CustomerCreate(
                kind="natural",
                name=f"Payee {index}",
                email=f"payee{index}@example.org",
                birth_date="1990-04-12",
                address=W.Address(
                    line1="1 rue de la Paie", city="Lyon", postal_code="69003", country="FR"
                ),
            )
        )
        wallet = wallets.wallets.create_wallet(
            W.WalletCreate(customer_id=customer.id, currency=currency)
        )
        ids.append(wallet.id)
    return ids


def batch_body(source: str, lines: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    return {"source_wallet_id": source, "currency": "EUR", "lines": lines, **options}
