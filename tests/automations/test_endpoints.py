"""The automations HTTP API through its routes: scopes, automations, runs, approvals,
events, the signed inbound webhook, and another platform's objects (404)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from tests.automations.conftest import new_wallet

import coffer
from coffer.api import errors
from coffer.automations import AutomationsPlatform, Worker
from coffer.automations.endpoints import router
from coffer.errors import Forbidden, Unauthorized
from coffer.wallets import WalletPlatform


class FakeAuthority:
    """Tokens are ``Bearer <scopes...> [client=<id>] [platform=<id>]``: the principal has that
    client id and platform (the default platform when none is named)."""

    def authorize(self, authorization: str | None, scope: str) -> object:
        if not authorization:
            raise Unauthorized("missing access token")
        words = authorization.split()[1:]
        if scope not in words:
            raise Forbidden(f"this token lacks the {scope!r} scope")
        named = dict(word.split("=", 1) for word in words if "=" in word)
        return SimpleNamespace(client_id=named.get("client"), platform_id=named.get("platform"))


def callers_from_headers(app: FastAPI) -> None:
    """Requests name their caller by the headers ``x-test-client`` and ``x-test-platform``
    (added to the token's words, as the fake authority reads them)."""

    @app.middleware("http")
    async def caller(request: Request, call_next):  # type: ignore[no-untyped-def]
        extra = [
            f"{name}={request.headers[header]}"
            for name, header in (("client", "x-test-client"), ("platform", "x-test-platform"))
            if request.headers.get(header)
        ]
        if extra:
            headers = [(k, v) for k, v in request.scope["headers"] if k != b"authorization"]
            token = " ".join([request.headers.get("authorization", ""), *extra])
            request.scope["headers"] = [*headers, (b"authorization", token.encode())]
        return await call_next(request)


def automations_app(
    coffer_db: coffer.Coffer, wallets: WalletPlatform, automations: AutomationsPlatform
) -> FastAPI:
    """An app with the automations' routes, its errors rendered, and a fake authority."""
    app = FastAPI()
    app.state.server = SimpleNamespace(coffer=coffer_db, authority=FakeAuthority())
    app.state.wallets = wallets
    app.state.automations = automations
    errors.install(app)
    app.include_router(router)
    return app


@pytest.fixture
def api(
    coffer_db: coffer.Coffer, wallets: WalletPlatform, automations: AutomationsPlatform
) -> Iterator[TestClient]:
    app = automations_app(coffer_db, wallets, automations)
    headers = {"Authorization": "Bearer automations:read automations:write"}
    with TestClient(app, headers=headers) as client:
        yield client


def sign(secret: str, message_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(timestamp or int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": stamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        "content-type": "application/json",
    }


def test_automation_lifecycle_through_the_api(
    api: TestClient, wallets: WalletPlatform, worker: Worker
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 10_000)
    bob = new_wallet(wallets, "Bob Stone")
    body = {
        "name": "pay bob",
        "definition": {
            "trigger": {"type": "manual", "required_inputs": ["amount"]},
            "steps": [
                {
                    "id": "pay",
                    "type": "transfer",
                    "debited_wallet_id": alice.id,
                    "credited_wallet_id": bob.id,
                    "amount": "=inputs.amount",
                    "currency": "EUR",
                }
            ],
        },
    }
    created = api.post("/api/automations/v1/automations", json=body)
    assert created.status_code == 201, created.text
    automation = created.json()
    assert automation["secret"].startswith("whsec_")
    assert api.get(f"/api/automations/v1/automations/{automation['id']}").json()["secret"] is None
    refused = api.post(
        "/api/automations/v1/automations",
        json={**body, "definition": {**body["definition"], "condition": "inputs.amount >"}},
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "automation_invalid"
    assert "condition" in refused.json()["error"]["message"]
    missing = api.post(
        f"/api/automations/v1/automations/{automation['id']}/runs", json={"inputs": {}}
    )
    assert missing.status_code == 400
    run = api.post(
        f"/api/automations/v1/automations/{automation['id']}/runs",
        json={"inputs": {"amount": 700}},
        headers={"Idempotency-Key": "r1"},
    ).json()
    again = api.post(
        f"/api/automations/v1/automations/{automation['id']}/runs",
        json={"inputs": {"amount": 700}},
        headers={"Idempotency-Key": "r1"},
    ).json()
    assert again["id"] == run["id"]
    worker.run_until_idle()
    shown = api.get(f"/api/automations/v1/runs/{run['id']}").json()
    assert shown["status"] == "succeeded"
    assert shown["steps"][0]["output"]["amount"] == 700
    listed = api.get("/api/automations/v1/runs", params={"automation_id": automation["id"]}).json()
    assert [r["id"] for r in listed["data"]] == [run["id"]]
    assert (
        api.post(f"/api/automations/v1/automations/{automation['id']}/pause").json()["status"]
        == "paused"
    )
    assert (
        api.post(f"/api/automations/v1/automations/{automation['id']}/resume").json()["status"]
        == "active"
    )
    edited = api.post(
        f"/api/automations/v1/automations/{automation['id']}", json={"name": "renamed"}
    )
    assert edited.json()["name"] == "renamed"
    assert api.post(f"/api/automations/v1/runs/{run['id']}/cancel").status_code == 409
    assert api.get("/api/automations/v1/automations/auto_nope").status_code == 404
    reader = api.get(
        "/api/automations/v1/automations", headers={"Authorization": "Bearer automations:read"}
    )
    assert reader.status_code == 200
    writer = api.post(
        "/api/automations/v1/automations",
        json=body,
        headers={"Authorization": "Bearer automations:read"},
    )
    assert writer.status_code == 403


def test_signed_webhook_starts_one_run_and_approvals(
    api: TestClient, wallets: WalletPlatform, worker: Worker
) -> None:
    created = api.post(
        "/api/automations/v1/automations",
        json={
            "name": "hook",
            "definition": {
                "trigger": {"type": "webhook"},
                "steps": [
                    {"id": "ok", "type": "approval", "message": "=trigger.body.reason"},
                    {"id": "note", "type": "set", "values": {"reason": "=trigger.body.reason"}},
                ],
            },
        },
    ).json()
    url = created["webhook_url"]
    payload = json.dumps({"reason": "restock"}).encode()
    first = api.post(url, content=payload, headers=sign(created["secret"], "msg_1", payload))
    assert first.status_code == 202, first.text
    retry = api.post(url, content=payload, headers=sign(created["secret"], "msg_1", payload))
    assert retry.json()["id"] == first.json()["id"]
    forged = api.post(url, content=payload, headers=sign("whsec_" + "A" * 32, "msg_2", payload))
    assert forged.status_code == 401
    stale = api.post(
        url,
        content=payload,
        headers=sign(created["secret"], "msg_3", payload, int(time.time()) - 3600),
    )
    assert stale.status_code == 401
    worker.run_until_idle()
    approvals = api.get("/api/automations/v1/approvals").json()["data"]
    assert [a["message"] for a in approvals] == ["restock"]
    decided = api.post(
        f"/api/automations/v1/approvals/{approvals[0]['id']}/decisions",
        json={"approve": True, "approver": "ops:ana"},
    )
    assert decided.json()["status"] == "approved"
    worker.run_until_idle()
    run = api.get(f"/api/automations/v1/runs/{first.json()['id']}").json()
    assert run["status"] == "succeeded"
    assert run["output"]["note"] == {"reason": "restock"}
    published = api.post(
        "/api/automations/v1/events", json={"type": "order.delivered", "data": {"order_id": "o1"}}
    )
    assert published.status_code == 201
    assert wallets.webhooks.event(published.json()["id"]).type == "order.delivered"
