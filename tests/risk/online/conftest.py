"""Fixtures of the online risk tests: a wallets platform (SQLite and PostgreSQL) with the
risk check registered, without a trained model (rules, lists and the expert rules decide)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.wallets.helpers import fund, make_customer

import coffer
from coffer.risk.online import RiskService, open_risk
from coffer.settings import Settings
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import schemas as S

PII_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        signing_key_file=os.path.join(tmp_path, "signing.key"),
        risk_model_dir=str(tmp_path / "no-model"),
    )


@pytest.fixture
def coffer_db(database_url: str, settings: Settings) -> Iterator[coffer.Coffer]:
    c = coffer.open(database_url, settings=settings)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def platform(coffer_db: coffer.Coffer) -> WalletPlatform:
    return open_wallets(coffer_db, WalletSettings(pii_key=PII_KEY, pii_key_id="test1"))


@pytest.fixture
def risk(platform: WalletPlatform, settings: Settings) -> RiskService:
    return open_risk(platform, settings)


class World:
    """Two funded customers with EUR wallets."""

    def __init__(self, platform: WalletPlatform) -> None:
        self.platform = platform
        self.alice = make_customer(platform, "Alice Martin")
        self.bob = make_customer(platform, "Bob Durand")
        self.alice_wallet = platform.wallets.create_wallet(
            S.WalletCreate(customer_id=self.alice.id, currency="EUR")
        )
        self.bob_wallet = platform.wallets.create_wallet(
            S.WalletCreate(customer_id=self.bob.id, currency="EUR")
        )
        fund(platform, self.alice_wallet.id, 500_000)

    def transfer(self, amount: int = 1_000, **metadata: str) -> S.Transfer:
        return self.platform.wallets.transfer(
            S.TransferCreate(
                debited_wallet_id=self.alice_wallet.id,
                credited_wallet_id=self.bob_wallet.id,
                amount=amount,
                currency="EUR",
                metadata=metadata,
            )
        )

    def balance(self, wallet_id: str) -> int:
        return self.platform.wallets.wallet(wallet_id).balance


@pytest.fixture
def world(platform: WalletPlatform, risk: RiskService) -> World:
    return World(platform)
