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
from tests.aio import run as run_coroutine

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
    real = R.insert_rows
    calls = {"n": 0}

    def crash_once(connection: sa.Connection, rows: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the process died after the ledger call")
        real(connection, rows)

    monkeypatch.setattr(R, "insert_rows", crash_once)
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
    monkeypatch.setattr(R, "insert_rows", crash_once)
    calls["n"] = 0
    with pytest.raises(RuntimeError):
        platform.wallets.transfer(transfer(pair, 500), idempotency_key="crash-2")
    with pytest.raises(errors.IdempotencyConflict):
        platform.wallets.transfer(transfer(pair, 600), idempotency_key="crash-2")
    events = count(platform, T.events)
    assert platform.wallets.transfer(transfer(pair, 500), idempotency_key="crash-2").amount == 500
    assert count(platform, T.events) == events + 1


def test_a_crash_after_the_ledger_call_without_a_key_is_recovered_from_the_ledger(
    platform: WalletPlatform, pair: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = R.insert_rows

    def crash(connection: sa.Connection, rows: Any) -> None:
        raise RuntimeError("the process died after the ledger call")

    monkeypatch.setattr(R, "insert_rows", crash)
    with_metadata = transfer(pair, 700, fee=7).model_copy(update={"metadata": {"order": "o-1"}})
    for request in (transfer(pair, 400, fee=0), with_metadata):
        with pytest.raises(RuntimeError):
            platform.wallets.transfer(request)
    monkeypatch.setattr(R, "insert_rows", real)
    # one transfer that went through, between the two crashes and the recovery
    fine = platform.wallets.transfer(transfer(pair, 100, fee=1))
    assert count(platform, T.transfers) == 1
    assert platform.wallets.wallet(pair[1]).balance == 400 + 693 + 99  # the ledger moved them
    events = count(platform, T.events)
    # the worker's housekeeping: young transactions may still be writing their row
    assert platform.wallets.recover_transfers() == 0
    assert platform.wallets.recover_transfers(since=_an_hour_ago(), older_than_seconds=0) == 2
    assert count(platform, T.transfers) == 3 and count(platform, T.events) == events + 2
    recovered = platform.wallets.transfers(limit=10).data
    by_amount = {t.amount: t for t in recovered}
    assert by_amount[100] == fine
    plain, tagged = by_amount[400], by_amount[700]
    assert (plain.fee, plain.credited_amount, plain.metadata) == (0, 400, {})
    assert (tagged.fee, tagged.credited_amount, tagged.metadata) == (7, 693, {"order": "o-1"})
    for t in (plain, tagged):
        assert (t.status, t.currency, t.debited_wallet_id, t.credited_wallet_id) == (
            "succeeded",
            "EUR",
            *pair,
        )
        tx = platform.core.ledger.transaction(t.ledger_transaction_id or 0)
        assert tx.metadata["wallets_id"] == t.id
    # a limit per call: the next call goes on from where it stopped
    with platform.core.fast_connection() as connection, connection.begin():
        connection.execute(sa.delete(T.transfers).where(T.transfers.c.id != fine.id))
    platform.wallets._recovered_until = _an_hour_ago()
    assert platform.wallets.recover_transfers(older_than_seconds=0, limit=1) == 1
    assert platform.wallets.recover_transfers(older_than_seconds=0, limit=1) == 1
    assert count(platform, T.transfers) == 3
    # nothing left to recover, however far back it looks
    assert platform.wallets.recover_transfers(since=_an_hour_ago(), older_than_seconds=0) == 0
    assert count(platform, T.transfers) == 3
    # a window reads only the ledger's last `span` transactions: the newest is `fine`'s
    with platform.core.fast_connection() as connection, connection.begin():
        connection.execute(sa.delete(T.transfers).where(T.transfers.c.id != fine.id))
    window = {"since": _an_hour_ago(), "older_than_seconds": 0}
    assert platform.wallets.recover_transfers(**window, span=1) == 0
    assert platform.wallets.recover_transfers(**window, span=3) == 2


def _an_hour_ago() -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(hours=1)


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
    # too large for the fast path: the route took it, and refused metadata past its limits
    assert large.status_code == 422, large.text
    assert large.json()["error"]["code"] == "parameter_invalid"
    assert "500 characters" in large.text


def test_a_batch_answers_each_transfer_alone(
    platform: WalletPlatform, pair: tuple[str, str]
) -> None:
    """transfer_many (what the HTTP fast path hands concurrent transfers to): every item
    gets the answer it would get alone, in order, with the batch's rows written once."""
    poor = make_customer(platform, "Nina None", level="none")  # max_balance 150 EUR
    capped = platform.wallets.create_wallet(S.WalletCreate(customer_id=poor.id, currency="EUR"))
    fund(platform, pair[0], 90_000)  # 100,000 in all
    first = platform.wallets.transfer(transfer(pair, 100, 1), idempotency_key="before")
    events_before = count(platform, T.events)
    items: list[tuple[S.TransferCreate, str | None]] = [
        (transfer(pair, 1_000, 10), "b1"),  # 0 runs
        (transfer(pair, 1_000, 10), "b1"),  # 1 same key, same body: 0's answer
        (transfer(pair, 2_000, 10), "b1"),  # 2 same key, another body: refused
        (transfer(pair, 100, 1), "before"),  # 3 a key used before the batch: replayed
        (transfer(pair, 500, 1), "before"),  # 4 ... with another body: refused
        (transfer((pair[0], "wal_nope"), 100, 1), None),  # 5 no such wallet
        (transfer((pair[1], pair[0]), 50_000, 1), "b6"),  # 6 insufficient funds
        (transfer((pair[0], capped.id), 9_000, 0), None),  # 7 fits under the cap
        (transfer((pair[0], capped.id), 9_000, 0), None),  # 8 the batch would pass it
        (transfer(pair, 10, 20), None),  # 9 fee above the amount
        (transfer(pair, 300, 3), None),  # 10 runs
    ]
    results = platform.wallets.transfer_many(items)
    assert len(results) == len(items)
    ok = {i for i, r in enumerate(results) if isinstance(r, S.Transfer)}
    assert ok == {0, 1, 3, 7, 10}
    assert results[1] == results[0] and results[3] == first
    assert isinstance(results[2], errors.IdempotencyConflict)
    assert isinstance(results[4], errors.IdempotencyConflict)
    assert isinstance(results[5], errors.WalletNotFound)
    assert isinstance(results[6], errors.InsufficientFunds)
    assert isinstance(results[8], errors.KycLimitExceeded)
    assert results[8].details["limit"] == "max_balance"
    assert isinstance(results[9], errors.ValidationError)
    # the failed transfer with a key has its row (replayed as failed); the others none
    assert isinstance(
        platform.wallets.transfer_many([(transfer((pair[1], pair[0]), 50_000, 1), "b6")])[0],
        errors.InsufficientFunds,
    )
    assert count(platform, T.transfers) == 1 + 4  # before, 0, 6 (failed), 7, 10
    assert count(platform, T.events) == events_before + 4
    assert platform.wallets.wallet(pair[1]).balance == 99 + 990 + 297
    assert platform.wallets.wallet(capped.id).balance == 9_000
    assert platform.wallets.transfer_many([]) == []


def test_concurrent_requests_are_batched_over_http(
    api: TestClient, platform: WalletPlatform, pair: tuple[str, str]
) -> None:
    """Concurrent POSTs through the fast path are gathered into transfer_many calls."""
    import asyncio

    import httpx

    calls: list[int] = []  # batch sizes of the calls the server made (not nested ones)
    real = platform.wallets.transfer_many
    nested = threading.local()

    def spy(items: Any) -> Any:
        if getattr(nested, "depth", 0) == 0:
            calls.append(len(items))
        nested.depth = getattr(nested, "depth", 0) + 1
        try:
            return real(items)
        finally:
            nested.depth -= 1

    platform.wallets.transfer_many = spy  # type: ignore[method-assign]
    body = transfer(pair, 100, 1).model_dump(mode="json")
    headers = {"Authorization": "Bearer wallets:read wallets:write"}

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await asyncio.gather(
                *[
                    client.post(
                        "/api/wallets/v1/transfers",
                        json=body,
                        headers={**headers, "Idempotency-Key": f"c{n % 40}"},
                    )
                    for n in range(60)
                ]
            )

    responses = run_coroutine(post_all())
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses[:3]]
    by_key: dict[str, set[str]] = {}
    for n, response in enumerate(responses):
        by_key.setdefault(f"c{n % 40}", set()).add(response.json()["id"])
    assert all(len(ids) == 1 for ids in by_key.values())  # one transfer per key
    assert count(platform, T.transfers) == 40
    assert platform.wallets.wallet(pair[1]).balance == 40 * 99
    assert sum(calls) == 60 and len(calls) < 60  # gathered, not one call each
