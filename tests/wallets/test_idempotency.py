"""``Idempotency-Key`` on every POST of the HTTP API: action POSTs (capture, void, escrow
release, payout outcome, freeze, KYC review...) replay their stored answer to a repeat with
the same body, refuse the key with another body, and answer 409 while the first request
is still running. Also: the error shapes and statuses of malformed requests."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

import coffer
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.common import STALE_CLAIM_MICROS
from coffer.wallets.endpoints import router
from coffer.wallets.repository import now_micros
from wallets.helpers import fund, make_customer
from wallets.test_endpoints import FakeAuthority

BASE = "/api/wallets/v1"


@pytest.fixture
def api(coffer_db: coffer.Coffer, platform: WalletPlatform) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.server = SimpleNamespace(coffer=coffer_db, authority=FakeAuthority())
    app.state.wallets = platform
    app.include_router(router)
    with TestClient(app, headers={"Authorization": "Bearer wallets:read wallets:write"}) as client:
        yield client


def call(api: TestClient, path: str, body: Any = None, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(BASE + path, json=body, headers=headers)


@pytest.fixture
def wallets(platform: WalletPlatform) -> tuple[str, str]:
    buyer = make_customer(platform, "Bob Buyer")
    seller = make_customer(platform, "Sue Seller")
    buyer_wallet = platform.wallets.create_wallet(
        S.WalletCreate(customer_id=buyer.id, currency="EUR")
    )
    seller_wallet = platform.wallets.create_wallet(
        S.WalletCreate(customer_id=seller.id, currency="EUR")
    )
    fund(platform, buyer_wallet.id, 100_000)
    return buyer_wallet.id, seller_wallet.id


def authorized_payment(platform: WalletPlatform, wallets: tuple[str, str], **extra: Any) -> str:
    payment = platform.wallets.create_payment(
        S.PaymentCreate(
            buyer_wallet_id=wallets[0],
            seller_wallet_id=wallets[1],
            amount=10_000,
            currency="EUR",
            fee=500,
            **extra,
        )
    )
    assert payment.status == "authorized"
    return payment.id


def test_capture_replays_the_stored_answer(
    api: TestClient, platform: WalletPlatform, wallets: tuple[str, str]
) -> None:
    payment_id = authorized_payment(platform, wallets)
    first = call(api, f"/payments/{payment_id}/capture", {"amount": 6_000}, key="cap-1")
    assert first.status_code == 200, first.text
    assert first.json()["captured_amount"] == 6_000
    # the same request again: the first answer, nothing moves twice
    again = call(api, f"/payments/{payment_id}/capture", {"amount": 6_000}, key="cap-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert platform.wallets.wallet(wallets[1]).balance == 5_500
    # the key with another body: refused
    other = call(api, f"/payments/{payment_id}/capture", {"amount": 1_000}, key="cap-1")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert other.json()["error"]["type"] == "idempotency_error"
    # the key on another action: refused too
    void = call(api, f"/payments/{payment_id}/void", key="cap-1")
    assert void.status_code == 409 and void.json()["error"]["code"] == "idempotency_conflict"
    # without a key a second capture is a new request, refused by the state machine
    fresh = call(api, f"/payments/{payment_id}/capture", {"amount": 6_000})
    assert fresh.status_code == 409 and fresh.json()["error"]["code"] == "invalid_state"


def test_a_business_refusal_is_replayed_too(
    api: TestClient, platform: WalletPlatform, wallets: tuple[str, str]
) -> None:
    payment_id = authorized_payment(platform, wallets)
    refused = call(api, f"/payments/{payment_id}/capture", {"amount": 20_000}, key="too-much")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "capture_exceeds_authorization"
    again = call(api, f"/payments/{payment_id}/capture", {"amount": 20_000}, key="too-much")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "capture_exceeds_authorization"
    assert again.json()["error"]["details"]["replayed"] is True


def test_void_escrow_and_wallet_actions(
    api: TestClient, platform: WalletPlatform, wallets: tuple[str, str]
) -> None:
    voided = authorized_payment(platform, wallets)
    first = call(api, f"/payments/{voided}/void", key="void-1")
    assert first.status_code == 200 and first.json()["status"] == "voided"
    assert call(api, f"/payments/{voided}/void", key="void-1").json() == first.json()

    escrowed = authorized_payment(platform, wallets, escrow=True)
    call(api, f"/payments/{escrowed}/capture", key="cap-escrow")
    released = call(api, f"/payments/{escrowed}/escrow/release", key="rel-1")
    assert released.status_code == 200 and released.json()["escrow_status"] == "released"
    assert call(api, f"/payments/{escrowed}/escrow/release", key="rel-1").json() == (
        released.json()
    )
    assert platform.wallets.wallet(wallets[1]).balance == 9_500  # paid once

    frozen = call(api, f"/wallets/{wallets[0]}/freeze", key="freeze-1")
    assert frozen.status_code == 200 and frozen.json()["status"] == "frozen"
    unfrozen = call(api, f"/wallets/{wallets[0]}/unfreeze", key="unfreeze-1")
    assert unfrozen.json()["status"] == "active"
    # the replay answers what the freeze answered then, not the wallet as it is now
    assert call(api, f"/wallets/{wallets[0]}/freeze", key="freeze-1").json() == frozen.json()
    assert call(api, f"/wallets/{wallets[0]}/unfreeze", key="freeze-1").status_code == 409


def test_review_outcome_and_batch(api: TestClient, platform: WalletPlatform) -> None:
    customer = make_customer(platform, "Rita Review", level="none")
    document = platform.wallets.submit_kyc_document(
        customer.id, S.KycDocumentCreate(type="identity_proof", name="needs-review.pdf")
    )
    path = f"/kyc_documents/{document.id}/review"
    first = call(api, path, {"decision": "approve"}, key="review-1")
    assert first.status_code == 200 and first.json()["status"] == "validated"
    assert call(api, path, {"decision": "approve"}, key="review-1").json() == first.json()
    assert call(api, path, {"decision": "refuse"}, key="review-1").status_code == 409

    # no payout waits: 204, and the 204 is replayed
    assert call(api, "/payout_batches", key="batch-1").status_code == 204
    assert call(api, "/payout_batches", key="batch-1").status_code == 204


def test_a_running_request_holds_its_key(
    api: TestClient, platform: WalletPlatform, wallets: tuple[str, str]
) -> None:
    payment_id = authorized_payment(platform, wallets)
    core = platform.core
    payload = {"payment_id": payment_id}
    from coffer.wallets.common import request_hash

    with core.engine.begin() as connection:  # a request that started and did not answer
        connection.execute(
            sa.insert(T.idempotency_keys).values(
                key="busy",
                request_hash=request_hash("payment_void", payload),
                resource_type="payment_void",
                resource_id=payment_id,
                created_at=now_micros(),
            )
        )
    busy = call(api, f"/payments/{payment_id}/void", key="busy")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "conflict"
    # a claim older than the stale limit belongs to a crashed request: it is taken over
    with core.engine.begin() as connection:
        connection.execute(
            sa.update(T.idempotency_keys)
            .where(T.idempotency_keys.c.key == "busy")
            .values(created_at=now_micros() - STALE_CLAIM_MICROS - 1_000_000)
        )
    taken = call(api, f"/payments/{payment_id}/void", key="busy")
    assert taken.status_code == 200 and taken.json()["status"] == "voided"
    assert call(api, f"/payments/{payment_id}/void", key="busy").json() == taken.json()


def test_stored_answers_are_encrypted(
    api: TestClient, platform: WalletPlatform, wallets: tuple[str, str]
) -> None:
    created = call(api, "/webhook_endpoints", {"url": "https://x.example/h"}, key="hook-1")
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert call(api, "/webhook_endpoints", {"url": "https://x.example/h"}, key="hook-1").json() == (
        created.json()
    )
    with platform.core.engine.connect() as connection:
        stored = connection.execute(
            sa.select(T.idempotency_keys.c.response_enc).where(T.idempotency_keys.c.key == "hook-1")
        ).scalar_one()
    assert secret not in stored and stored.startswith("test1:")


def test_malformed_requests_answer_422_in_the_wallets_shape(api: TestClient) -> None:
    response = api.get(f"{BASE}/customers?starting_after={'x' * 41}")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "parameter_invalid"
    assert error["details"]["errors"][0]["param"] == "query.starting_after"
    response = api.post(
        f"{BASE}/transfers", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "body_invalid"
    response = api.post(f"{BASE}/transfers", json={"amount": -1})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "parameter_invalid"
    bad_cursor = api.get(f"{BASE}/wallets/wal_x/statement?cursor=%%%")
    assert bad_cursor.status_code in (400, 404)
