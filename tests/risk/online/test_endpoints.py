"""The risk API /api/risk/v1: scopes, rules and their versions, lists, decisions, the case
flow over HTTP, the block error as a wallets client sees it, and tenancy (another
platform's objects answer 404)."""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from tests.risk.online.conftest import World

import coffer
from coffer.errors import Forbidden, Unauthorized
from coffer.risk.online.endpoints import router as risk_router
from coffer.wallets import WalletPlatform
from coffer.wallets.endpoints import router as wallets_router

ALL = "wallets:read wallets:write risk:read risk:write"


_PLATFORM: ContextVar[str] = ContextVar("platform", default="plat_default")


class FakeAuthority:
    """Tokens are ``Bearer <scope> <scope>...``; the client id is ``client_<first scope>``."""

    def authorize(
        self, authorization: str | None, scope: str, address: str | None = None
    ) -> object:
        if not authorization:
            raise Unauthorized("missing access token")
        scopes = authorization.split()[1:]
        if scope not in scopes:
            raise Forbidden(f"this token lacks the {scope!r} scope")
        # the platform the request names (x-platform), as a real token's client would
        return SimpleNamespace(client_id="client_analyst", platform_id=_PLATFORM.get())


@pytest.fixture
def api(coffer_db: coffer.Coffer, platform: WalletPlatform) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.server = SimpleNamespace(coffer=coffer_db, authority=FakeAuthority())
    app.state.wallets = platform

    @app.middleware("http")
    async def tenant(request: Request, call_next: Any) -> Any:  # what the auth layer sets
        platform_id = request.headers.get("x-platform", "plat_default")
        request.state.platform_id = platform_id
        token = _PLATFORM.set(platform_id)
        try:
            return await call_next(request)
        finally:
            _PLATFORM.reset(token)

    app.include_router(wallets_router)
    app.include_router(risk_router)
    with TestClient(app, headers={"Authorization": f"Bearer {ALL}"}) as client:
        client.get("/api/risk/v1/models")  # builds the risk service (registers the check)
        yield client


def call(
    api: TestClient, method: str, path: str, body: Any = None, status: int = 200, **headers: str
) -> Any:
    response = api.request(method, f"/api/risk/v1{path}", json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def test_scopes(api: TestClient) -> None:
    reader = {"Authorization": "Bearer risk:read"}
    call(api, "GET", "/decisions", **reader)
    call(api, "GET", "/cases", status=403, Authorization="Bearer wallets:read")
    body = {"expression": "true", "action": "review"}
    call(api, "PUT", "/rules/r", body, status=403, **reader)
    call(api, "GET", "/rules", status=401, Authorization="")


def test_rules_lists_and_the_block_error_over_http(
    api: TestClient, platform: WalletPlatform
) -> None:
    world = World(platform)
    bad = call(api, "PUT", "/rules/x", {"expression": "tx.amount >", "action": "block"}, 400)
    assert bad["error"]["code"] == "expression_invalid"
    saved = call(
        api, "PUT", "/rules/big", {"expression": "tx.amount > 100000", "action": "block"}, 201
    )
    assert (saved["version"], saved["created_by"]) == (1, "client_analyst")
    call(api, "PUT", "/rules/big", {"expression": "tx.amount > 200000", "action": "block"}, 201)
    versions = call(api, "GET", "/rules/big/versions")["data"]
    assert [v["version"] for v in versions] == [2, 1]
    response = api.post(
        "/api/wallets/v1/transfers",
        json={
            "debited_wallet_id": world.alice_wallet.id,
            "credited_wallet_id": world.bob_wallet.id,
            "amount": 300_000,
            "currency": "EUR",
        },
    )
    assert response.status_code == 402, response.text
    error = response.json()["error"]
    assert error["code"] == "risk_blocked"
    assert "big" not in response.text and "score" not in response.text
    [decision] = call(api, "GET", "/decisions?outcome=block")["data"]
    assert "rule_big" in call(api, "GET", f"/decisions/{decision['id']}")["reasons"]
    entry = call(
        api, "POST", "/lists", {"list": "block", "kind": "device", "value": "d1"}, status=201
    )
    assert [e["id"] for e in call(api, "GET", "/lists?list=block")["data"]] == [entry["id"]]
    call(api, "DELETE", f"/lists/{entry['id']}", status=204)
    assert call(api, "GET", "/lists")["data"] == []
    model = call(api, "GET", "/models")["data"][0]
    assert model["trained"] is False and model["version"] == "none"


def test_case_flow_over_http_and_tenancy(api: TestClient, platform: WalletPlatform) -> None:
    world = World(platform)
    call(api, "PUT", "/rules/all", {"expression": "true", "action": "review"}, 201)
    transfer = world.transfer(4_000)
    assert transfer.status == "in_review"
    [case] = call(api, "GET", "/cases?kind=review&status=open")["data"]
    assert case["movement_id"] == transfer.id and case["overdue"] is False
    call(api, "GET", f"/cases/{case['id']}", status=404, **{"x-platform": "plat_other"})
    assert call(api, "GET", "/cases", **{"x-platform": "plat_other"})["data"] == []
    assert call(api, "GET", "/rules", **{"x-platform": "plat_other"})["data"] == []
    assigned = call(api, "POST", f"/cases/{case['id']}/assign", {"assignee": "ana"})
    assert assigned["status"] == "in_progress"
    call(api, "POST", f"/cases/{case['id']}/notes", {"body": "ok"}, status=201)
    wrong = call(
        api, "POST", f"/cases/{case['id']}/decision", {"decision": "confirmed", "reason": "x"}, 400
    )
    assert wrong["error"]["code"] == "validation_error"
    decided = call(
        api,
        "POST",
        f"/cases/{case['id']}/decision",
        {"decision": "approve", "reason": "regular customer"},
    )
    assert decided["status"] == "closed" and decided["decided_by"] == "client_analyst"
    assert [n["body"] for n in decided["notes"]] == ["ok"]
    assert platform.wallets.transfer_by_id(transfer.id).status == "succeeded"
    again = call(
        api, "POST", f"/cases/{case['id']}/decision", {"decision": "decline", "reason": "x"}, 409
    )
    assert again["error"]["code"] == "invalid_state"
    report = call(api, "GET", f"/cases/{case['id']}/export")
    assert report["transactions"][0]["id"] == transfer.id
    assert report["customers"][0]["name"] == "Alice Martin"
