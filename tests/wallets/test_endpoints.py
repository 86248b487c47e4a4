"""The HTTP API, and the marketplace end to end: buyer tops up by card with 3-D Secure,
pays a seller with a platform fee held in escrow, escrow released, seller paid out, one
refund and one lost dispute; then every balance, the fee wallet, the ledger, ``verify`` and
the webhook receiver agree."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

import coffer
from coffer.errors import Forbidden, Unauthorized
from coffer.wallets import WalletPlatform
from coffer.wallets.endpoints import router
from coffer.wallets.payouts import pain001_schema
from coffer.wallets.repository import now_micros as platform_now


class FakeAuthority:
    """Tokens are ``Bearer <scope> <scope>...`` (the real Authority checks JWTs)."""

    def authorize(
        self, authorization: str | None, scope: str, address: str | None = None
    ) -> object:
        if not authorization:
            raise Unauthorized("missing access token")
        if scope not in authorization.split()[1:]:
            raise Forbidden(f"this token lacks the {scope!r} scope")
        return object()


@pytest.fixture
def api(coffer_db: coffer.Coffer, platform: WalletPlatform) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.server = SimpleNamespace(coffer=coffer_db, authority=FakeAuthority())
    app.state.wallets = platform
    app.include_router(router)
    with TestClient(app, headers={"Authorization": "Bearer wallets:read wallets:write"}) as client:
        yield client


def post(
    api: TestClient, path: str, body: Any = None, key: str | None = None, status: int | None = None
) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    response = api.post(f"/api/wallets/v1{path}", json=body, headers=headers)
    if status is not None:
        assert response.status_code == status, response.text
    return response.json() if response.content else None


def get(api: TestClient, path: str) -> Any:
    response = api.get(f"/api/wallets/v1{path}")
    assert response.status_code == 200, response.text
    return response.json()


def customer(api: TestClient, name: str) -> dict[str, Any]:
    created = post(
        api,
        "/customers",
        {"kind": "natural", "name": name, "email": f"{name.split()[0].lower()}@example.org"},
        status=201,
    )
    post(
        api,
        f"/customers/{created['id']}/kyc_documents",
        {"type": "identity_proof", "name": "passport.pdf"},
        status=201,
    )
    return created


def test_auth_and_error_shape(api: TestClient) -> None:
    response = api.get("/api/wallets/v1/customers", headers={"Authorization": ""})
    assert response.status_code == 401
    response = api.post(
        "/api/wallets/v1/customers",
        json={"kind": "natural", "name": "X"},
        headers={"Authorization": "Bearer wallets:read"},
    )
    assert response.status_code == 403
    response = api.get("/api/wallets/v1/wallets/wal_nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "wallet_not_found"
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_pagination(api: TestClient) -> None:
    ids = [customer(api, f"Person {n}")["id"] for n in range(5)]
    first = get(api, "/customers?limit=2")
    assert first["has_more"] and [c["id"] for c in first["data"]] == ids[::-1][:2]
    rest = get(api, f"/customers?limit=10&starting_after={first['data'][-1]['id']}")
    assert [c["id"] for c in rest["data"]] == ids[::-1][2:] and not rest["has_more"]


def test_marketplace_end_to_end(
    api: TestClient, platform: WalletPlatform, coffer_db: coffer.Coffer
) -> None:
    received: dict[str, dict[str, Any]] = {}
    deliveries = 0
    endpoint = post(api, "/webhook_endpoints", {"url": "https://market.example/hooks"}, status=201)
    verifier = Webhook(endpoint["secret"])

    def receiver(request: httpx.Request) -> httpx.Response:
        nonlocal deliveries
        payload = verifier.verify(request.content, dict(request.headers))
        deliveries += 1
        if deliveries % 7 == 3:  # the receiver fails now and then: retried later
            return httpx.Response(500)
        received[request.headers["webhook-id"]] = payload
        return httpx.Response(200)

    hooks = httpx.Client(transport=httpx.MockTransport(receiver))

    buyer, seller = customer(api, "Betty Buyer"), customer(api, "Sam Seller")
    buyer_wallet = post(
        api, "/wallets", {"customer_id": buyer["id"], "currency": "EUR"}, key="w-buyer", status=201
    )
    seller_wallet = post(
        api,
        "/wallets",
        {"customer_id": seller["id"], "currency": "EUR"},
        key="w-seller",
        status=201,
    )
    # 1. top-up by card with 3-D Secure
    payin = post(
        api,
        "/payins/card",
        {
            "wallet_id": buyer_wallet["id"],
            "amount": 50_000,
            "currency": "EUR",
            "card": {
                "number": "4000 0000 0000 3220",
                "exp_month": 12,
                "exp_year": 2034,
                "cvc": "123",
            },
        },
        key="topup-1",
        status=201,
    )
    assert payin["status"] == "requires_action"
    url = payin["next_action"]["url"]
    page = api.get(url.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200 and "3220" in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = api.post(
        f"/api/wallets/v1/sandbox/3ds/{payin['id']}", data={"token": token, "decision": "approve"}
    )
    assert done.status_code == 200 and "succeeded" in done.text
    assert get(api, f"/wallets/{buyer_wallet['id']}")["balance"] == 50_000
    # 2. pay the seller, fee to the platform, held in escrow; then released
    payment = post(
        api,
        "/payments",
        {
            "buyer_wallet_id": buyer_wallet["id"],
            "seller_wallet_id": seller_wallet["id"],
            "amount": 30_000,
            "currency": "EUR",
            "fee": 1_500,
            "escrow": True,
        },
        key="order-1",
        status=201,
    )
    assert payment["status"] == "authorized"
    post(api, f"/payments/{payment['id']}/capture", {"amount": 30_000}, status=200)
    assert get(api, f"/wallets/{seller_wallet['id']}")["balance"] == 0
    released = post(api, f"/payments/{payment['id']}/escrow/release", status=200)
    assert released["escrow_status"] == "released"
    assert get(api, f"/wallets/{seller_wallet['id']}")["balance"] == 28_500
    # 3. the seller is paid out
    bank = post(
        api,
        "/bank_accounts",
        {
            "customer_id": seller["id"],
            "holder_name": "Sam Seller",
            "iban": "DE89370400440532013000",
        },
        status=201,
    )
    payout = post(
        api,
        "/payouts",
        {
            "wallet_id": seller_wallet["id"],
            "bank_account_id": bank["id"],
            "amount": 20_000,
            "currency": "EUR",
        },
        key="payout-1",
        status=201,
    )
    batch = post(api, "/payout_batches", status=201)
    assert batch["payout_ids"] == [payout["id"]]
    assert pain001_schema().is_valid(batch["xml"])
    post(api, f"/payouts/{payout['id']}/outcome", {"status": "paid"}, status=200)
    # 4. a refund of part of the top-up, and a lost dispute on the rest
    refund = post(api, f"/payins/{payin['id']}/refunds", {"amount": 5_000}, key="re-1", status=201)
    assert refund["status"] == "succeeded"
    dispute = post(api, f"/payins/{payin['id']}/disputes", {"amount": 10_000}, status=201)
    assert dispute["wallet_amount"] == 10_000
    post(api, f"/disputes/{dispute['id']}/close", {"outcome": "lost"}, status=200)
    # refusals through the API
    over = post(api, f"/payins/{payin['id']}/refunds", {"amount": 40_000}, status=400)
    assert over["error"]["code"] == "refund_exceeds_captured"
    replay = post(
        api,
        "/payments",
        {
            "buyer_wallet_id": buyer_wallet["id"],
            "seller_wallet_id": seller_wallet["id"],
            "amount": 1,
            "currency": "EUR",
        },
        key="order-1",
        status=409,
    )
    assert replay["error"]["code"] == "idempotency_conflict"
    declined = post(
        api,
        "/payins/card",
        {
            "wallet_id": buyer_wallet["id"],
            "amount": 100,
            "currency": "EUR",
            "card": {"number": "4000000000000002", "exp_month": 1, "exp_year": 2030, "cvc": "999"},
        },
        status=402,
    )
    assert declined["error"]["type"] == "card_error"

    # every balance agrees with the story and with the ledger
    buyer_now = get(api, f"/wallets/{buyer_wallet['id']}")
    seller_now = get(api, f"/wallets/{seller_wallet['id']}")
    fees = get(api, "/platform/wallets/fees/EUR")
    assert buyer_now["balance"] == 50_000 - 30_000 - 5_000 - 10_000
    assert seller_now["balance"] == 28_500 - 20_000
    assert fees["balance"] == 1_500
    ledger = platform.core.ledger
    assert ledger.balance(f"wallets:{buyer_wallet['id']}", "EUR/2") == buyer_now["balance"]
    assert ledger.balance("external:card:sandbox", "EUR/2") == -(50_000 - 5_000 - 10_000)
    assert ledger.balance("external:bank:payouts", "EUR/2") == 20_000
    assert ledger.balance(f"payments:{payment['id']}", "EUR/2") == 0
    assert ledger.balance(f"disputes:{dispute['id']}", "EUR/2") == 0
    statement = get(api, f"/wallets/{buyer_wallet['id']}/statement")
    assert statement["data"][-1]["balance"] == buyer_now["balance"]
    assert coffer_db.verify().ok

    # the webhook receiver got every event, once after deduplication by event id
    day = 24 * 3600 * 1_000_000
    for attempt in range(20):  # the worker, with the clock moved a day forward each time
        platform.webhooks.dispatch()
        platform.webhooks.deliver_due(hooks, now_micros=platform_now() + attempt * day)
    events, after = [], None
    while True:
        page_of = get(api, "/events?limit=100" + (f"&starting_after={after}" if after else ""))
        events += page_of["data"]
        if not page_of["has_more"]:
            break
        after = page_of["data"][-1]["id"]
    assert set(received) == {event["id"] for event in events}
    types = {payload["type"] for payload in received.values()}
    assert {
        "payin.requires_action",
        "payin.succeeded",
        "payment.authorized",
        "payment.captured",
        "escrow.released",
        "payout.paid",
        "refund.succeeded",
        "dispute.created",
        "dispute.lost",
        "payin.payment_failed",
    } <= types
