"""Fixtures of the fx tests: a wallets platform on SQLite and PostgreSQL (the shared
``database_url`` fixture), an fx platform with a clock the test moves, and helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import coffer
from coffer.fx import FxPlatform, FxSettings, open_fx
from coffer.settings import Settings
from coffer.wallets import WalletPlatform, WalletSettings, currencies, open_wallets, templates
from coffer.wallets import schemas as WS

PII_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
START = datetime.now(UTC).replace(microsecond=0)


class Clock:
    """The injected clock: real time plus an offset the test advances (so that the
    ledger's own timestamps stay in step), or frozen at a moment."""

    def __init__(self, frozen: datetime | None = None) -> None:
        self.offset = timedelta(0)
        self.frozen = frozen

    @property
    def now(self) -> datetime:
        return self.frozen if self.frozen is not None else datetime.now(UTC) + self.offset

    def __call__(self) -> datetime:
        return self.now

    def freeze(self) -> datetime:
        self.frozen = self.now
        return self.frozen

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)
        if self.frozen is not None:
            self.frozen += timedelta(**delta)


@pytest.fixture
def coffer_db(database_url: str, tmp_path: os.PathLike[str]) -> Iterator[coffer.Coffer]:
    c = coffer.open(database_url, settings=Settings(signing_key_file=os.path.join(tmp_path, "k")))
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def platform(coffer_db: coffer.Coffer) -> WalletPlatform:
    return open_wallets(coffer_db, WalletSettings(pii_key=PII_KEY, pii_key_id="t1"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fx_settings() -> FxSettings:
    return FxSettings(fx_providers="manual,http,ecb", fx_spread_bps=50, fx_fee_bps=0)


@pytest.fixture
def fx(platform: WalletPlatform, fx_settings: FxSettings, clock: Clock) -> FxPlatform:
    return open_fx(platform, fx_settings, clock)


def customer(platform: WalletPlatform, name: str = "Alice") -> str:
    made = platform.wallets.create_customer(WS.CustomerCreate(kind="natural", name=name))
    platform.wallets.submit_kyc_document(
        made.id, WS.KycDocumentCreate(type="identity_proof", name="id.pdf", level="verified")
    )
    return made.id


def wallet(platform: WalletPlatform, customer_id: str, currency: str, amount: int = 0) -> str:
    made = platform.wallets.create_wallet(
        WS.WalletCreate(customer_id=customer_id, currency=currency)
    )
    if amount:
        fund(platform, made.id, amount)
    return made.id


def fund(platform: WalletPlatform, wallet_id: str, amount: int) -> None:
    currency = platform.wallets.wallet(wallet_id).currency
    platform.core.ledger.run(
        templates.PAYIN,
        vars={
            "external": "external:test",
            "wallet": f"wallets:{wallet_id}",
            "amount": currencies.monetary(currency, amount),
        },
    )


def balance(platform: WalletPlatform, wallet_id: str) -> int:
    return platform.wallets.wallet(wallet_id).balance
