"""Fixtures of the wallets tests: a Coffer database on SQLite and on PostgreSQL (from the
shared ``database_url`` fixture), a wallets platform with a known PII key, and helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import coffer
from coffer.settings import Settings
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets

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
    return open_wallets(coffer_db, wallet_settings)  # names resolve without DNS (conftest)
