"""Fixtures of the automations tests: wallets and automations on SQLite and PostgreSQL,
an injectable clock, and a worker that runs in the test's thread."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from tests.wallets.helpers import fund, make_customer

import coffer
from coffer.automations import AutomationsPlatform, Worker, open_automations
from coffer.automations.settings import AutomationSettings
from coffer.settings import Settings
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import schemas as W

PII_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
PLATFORM = "plat_default"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def coffer_db(database_url: str, tmp_path: os.PathLike[str]) -> Iterator[coffer.Coffer]:
    # NORMAL: these tests are about the automations' logic, not SQLite's fsyncs
    settings = Settings(
        signing_key_file=os.path.join(tmp_path, "signing.key"), sqlite_synchronous="NORMAL"
    )
    if database_url.startswith("postgresql"):  # likewise: no wait for the WAL flush
        database_url += "?options=-csynchronous_commit%3Doff"
    c = coffer.open(database_url, settings=settings)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def wallets(coffer_db: coffer.Coffer) -> WalletPlatform:
    return open_wallets(coffer_db, WalletSettings(pii_key=PII_KEY, pii_key_id="test1"))


@pytest.fixture
def automations(wallets: WalletPlatform, clock: Clock) -> AutomationsPlatform:
    settings = AutomationSettings(automation_worker_threads=1, automation_event_lookback_seconds=0)
    return open_automations(wallets, settings, clock)


@pytest.fixture
def worker(automations: AutomationsPlatform) -> Iterator[Worker]:
    runner = Worker(automations, threads=1)
    yield runner
    runner.stop()


def new_wallet(wallets: WalletPlatform, name: str = "Alice Martin", amount: int = 0) -> W.Wallet:
    customer = make_customer(wallets, name)
    wallet = wallets.wallets.create_wallet(W.WalletCreate(customer_id=customer.id, currency="EUR"))
    if amount:
        fund(wallets, wallet.id, amount)
    return wallets.wallets.wallet(wallet.id)
