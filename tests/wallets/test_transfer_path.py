"""The transfer hot path: one write after the ledger call, crash safety through the ledger
reference, concurrent twins, the row caches and their epoch, and the ASGI fast path."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

import coffer
from coffer import errors
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.endpoints import router
from coffer.wallets.fastpath import WalletsFastPath
from wallets.conftest import PII_KEY
from wallets.helpers import fund, make_customer
from wallets.test_endpoints import FakeAuthority


@pytest.fixture
def pair(platform: WalletPlatform) -> tuple[str, str]:
    alice = make_customer(platform, "Alice Hot")
    bob = make_customer(platform, "Bob Hot")
    a = platform.wallets.create_wallet(S.WalletCreate(customer_id=alice.id, currency="EUR"))
    b = platform.wallets.create_wallet(S.WalletCreate(customer_id=bob.id, currency="EUR"))
    fund(platform, a.id, 10_000)
    return a.id, b.id


def transfer(pair: tuple[str, str], amount: int = 1_000, fee: int = 10) -> S.TransferCreate:
    return S.TransferCreate(
        debited_wallet_id=pair[0],
        credited_wallet_id=pair[1],
        amount=amount,
        currency="EUR",
        fee=fee,
    )


def count(platform: WalletPlatform, table: sa.Table) -> int:
    with platform.core.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_crash_after_the_ledger_call_is_adopted_by_the_retry(
    platform: WalletPlatform, pair: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = R.insert_all
    calls = {"n": 0}

    def crash_once(connection: sa.Connection, rows: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the process died after the ledger call")
        real(connection, rows)

    monkeypatch.setattr(R, "insert_all", crash_once)
    with pytest.raises(RuntimeError):
        platform.wallets.transfer(transfer(pair), idempotency_key="crash-1")
    assert count(platform, T.transfers) == 0
    assert platform.wallets.wallet(pair[1]).balance == 990  # the ledger did move it
    retried = platform.wallets.transfer(transfer(pair), idempotency_key="crash-1")
    assert retried.status == "succeeded"
    assert platform.wallets.wallet(pair[1]).balance == 990  # ... once
    tx = platform.core.ledger.transaction(retried.ledger_transaction_id or 0)
    assert tx.metadata["wallets_id"] == retried.id  # the id the first attempt chose
    again = platform.wallets.transfer(transfer(pair), idempotency_key="crash-1")
    assert again == retried
    # after such a crash, the key with another body is refused, not adopted
    monkeypatch.setattr(R, "insert_all", crash_once)
    calls["n"] = 0
    with pytest.raises(RuntimeError):
        platform.wallets.transfer(transfer(pair, 500), idempotency_key="crash-2")
    with pytest.raises(errors.IdempotencyConflict):
        platform.wallets.transfer(transfer(pair, 600), idempotency_key="crash-2")
    events = count(platform, T.events)
    assert platform.wallets.transfer(transfer(pair, 500), idempotency_key="crash-2").amount == 500
    assert count(platform, T.events) == events + 1


def test_concurrent_twins_get_one_transfer(platform: WalletPlatform, pair: tuple[str, str]) -> None:
    answers: list[S.Transfer] = []
    failures: list[BaseException] = []

    def send() -> None:
        try:
            answers.append(platform.wallets.transfer(transfer(pair), idempotency_key="twin"))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert len({answer.id for answer in answers}) == 1
    assert platform.wallets.wallet(pair[1]).balance == 990
    assert count(platform, T.transfers) == 1


def test_a_failed_transfer_is_replayed_as_failed(
    platform: WalletPlatform, pair: tuple[str, str]
) -> None:
    with pytest.raises(errors.InsufficientFunds):
        platform.wallets.transfer(transfer(pair, 50_000), idempotency_key="poor")
    fund(platform, pair[0], 100_000)
    with pytest.raises(errors.InsufficientFunds):  # the first answer, though funds came
        platform.wallets.transfer(transfer(pair, 50_000), idempotency_key="poor")
    assert [t.status for t in platform.wallets.transfers().data] == ["failed"]


def test_other_processes_changes_are_seen_within_the_cache_delay(
    coffer_db: coffer.Coffer, pair: tuple[str, str]
) -> None:
    settings = WalletSettings(pii_key=PII_KEY, pii_key_id="test1", cache_seconds=0.2)
    here, there = open_wallets(coffer_db, settings), open_wallets(coffer_db, settings)
    here.wallets.transfer(transfer(pair))  # caches both wallets here
    there.wallets.set_wallet_status(pair[0], "frozen")  # another "process"
    with pytest.raises(errors.WalletFrozen):  # at once where it was changed
        there.wallets.transfer(transfer(pair))
    time.sleep(0.3)
    with pytest.raises(errors.WalletFrozen):  # within cache_seconds elsewhere
        here.wallets.transfer(transfer(pair))


def test_kyc_limits_use_the_cached_level_and_balance(
    platform: WalletPlatform, pair: tuple[str, str]
) -> None:
    poor = make_customer(platform, "Nina None", level="none")  # max_balance 150 EUR
    wallet = platform.wallets.create_wallet(S.WalletCreate(customer_id=poor.id, currency="EUR"))
    target = (pair[0], wallet.id)
    fund(platform, pair[0], 100_000)
    platform.wallets.transfer(transfer(target, 9_000, 0))
    with pytest.raises(errors.KycLimitExceeded) as refused:
        platform.wallets.transfer(transfer(target, 9_000, 0))
    assert refused.value.details["limit"] == "max_balance"
    platform.wallets.submit_kyc_document(
        poor.id, S.KycDocumentCreate(type="identity_proof", name="id.pdf", level="light")
    )
    platform.wallets.transfer(transfer(target, 9_000, 0))  # the new level applies at once


@pytest.fixture
def api(coffer_db: coffer.Coffer, platform: WalletPlatform) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.server = SimpleNamespace(coffer=coffer_db, authority=FakeAuthority())
    app.state.wallets = platform
    app.include_router(router)
    app.add_middleware(WalletsFastPath)
    with TestClient(app, headers={"Authorization": "Bearer wallets:read wallets:write"}) as client:
        yield client


def test_fast_path_answers_like_the_route(api: TestClient, pair: tuple[str, str]) -> None:
    body = transfer(pair).model_dump(mode="json")
    fast = api.post("/api/wallets/v1/transfers", json=body, headers={"Idempotency-Key": "f1"})
    assert fast.status_code == 201
    again = api.post("/api/wallets/v1/transfers", json=body, headers={"Idempotency-Key": "f1"})
    assert again.json() == fast.json()
    route = api.get(f"/api/wallets/v1/transfers/{fast.json()['id']}")
    assert route.json() == fast.json()
    # errors in the typed shape
    missing = api.post("/api/wallets/v1/transfers", json={**body, "debited_wallet_id": "wal_x"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "wallet_not_found"
    other = api.post(
        "/api/wallets/v1/transfers", json={**body, "amount": 500}, headers={"Idempotency-Key": "f1"}
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    anonymous = api.post("/api/wallets/v1/transfers", json=body, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    # what the model refuses goes to the route: its 422 lists the problems
    bad = api.post("/api/wallets/v1/transfers", json={**body, "amount": -1})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "parameter_invalid"
    large = api.post(
        "/api/wallets/v1/transfers",
        json={**body, "metadata": {"note": "x" * 70_000}},
    )
    assert large.status_code == 201  # too large for the fast path, the route took it
