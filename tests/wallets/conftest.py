"""Fixtures of the wallets tests: a Coffer database on SQLite and on PostgreSQL (from the
shared ``database_url`` fixture), a wallets platform with a known PII key, and helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import coffer
from coffer.settings import Settings
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import schemas as S

PII_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@pytest.fixture
def coffer_db(database_url: str, tmp_path: os.PathLike[str]) -> Iterator[coffer.Coffer]:
    settings = Settings(signing_key_file=os.path.join(tmp_path, "signing.key"))
    c = coffer.open(database_url, settings=settings)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def wallet_settings() -> WalletSettings:
    return WalletSettings(pii_key=PII_KEY, pii_key_id="test1")


@pytest.fixture
def platform(coffer_db: coffer.Coffer, wallet_settings: WalletSettings) -> WalletPlatform:
    return open_wallets(coffer_db, wallet_settings)


def make_customer(
    platform: WalletPlatform, name: str = "Alice Martin", level: str = "verified"
) -> S.Customer:
    customer = platform.wallets.create_customer(
        S.CustomerCreate(
            kind="natural",
            name=name,
            email=f"{name.split()[0].lower()}@example.org",
            birth_date="1990-04-12",
            address=S.Address(
                line1="12 rue des Lilas", city="Lyon", postal_code="69003", country="FR"
            ),
        )
    )
    if level != "none":
        platform.wallets.submit_kyc_document(
            customer.id, S.KycDocumentCreate(type="identity_proof", name="id.pdf", level=level)
        )
    return platform.wallets.customer(customer.id)


def fund(platform: WalletPlatform, wallet_id: str, amount: int) -> None:
    """Credit a wallet as a bank transfer pay-in would (straight through the ledger)."""
    wallet = platform.wallets.wallet(wallet_id)
    from coffer.wallets import currencies, templates

    platform.core.ledger.run(
        templates.PAYIN,
        vars={
            "external": "external:test",
            "wallet": f"wallets:{wallet_id}",
            "amount": currencies.monetary(wallet.currency, amount),
        },
    )
