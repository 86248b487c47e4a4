"""Auth (missing, expired, forged and under-scoped tokens), operations endpoints, and
Coffer's additions (holds, checkpoints, proofs), in process on both backends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

import coffer
from coffer.api import create_app
from coffer.api.auth import create_client

TX = "/api/ledger/v2/main/transactions"


@pytest.fixture(scope="module")
def env(api_database_url: str) -> Iterator[dict[str, Any]]:
    instance = coffer.open(api_database_url)
    writer = create_client(instance.engine, "writer", ("ledger:read", "ledger:write"))
    reader = create_client(instance.engine, "reader", ("ledger:read",))
    app = create_app(instance)
    with TestClient(app) as client:
        yield {"client": client, "writer": writer, "reader": reader, "coffer": instance}
    instance.close()


def token(client: TestClient, credentials: Any, scope: str | None = None) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }
    if scope:
        form["scope"] = scope
    response = client.post("/api/auth/oauth/token", data=form)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    return str(body["access_token"])


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def count(client: TestClient, headers: dict[str, str]) -> int:
    response = client.head(TX, headers=headers)
    assert response.status_code == 204
    return int(response.headers["count"])


@pytest.fixture(scope="module")
def write_headers(env: dict[str, Any]) -> dict[str, str]:
    headers = bearer(token(env["client"], env["writer"]))
    response = env["client"].post("/api/ledger/v2/main", headers=headers)
    assert response.status_code == 204
    return headers


def payment(amount: int = 1) -> dict[str, Any]:
    return {
        "postings": [
            {"source": "world", "destination": "users:a", "amount": amount, "asset": "USD/2"}
        ]
    }


def test_token_endpoint_rejects_bad_credentials(env: dict[str, Any]) -> None:
    client = env["client"]
    wrong = client.post(
        "/api/auth/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": env["writer"].client_id,
            "client_secret": "nope",
        },
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    grant = client.post("/api/auth/oauth/token", data={"grant_type": "password"})
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    basic = client.post(
        "/api/auth/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(env["writer"].client_id, env["writer"].client_secret),
    )
    assert basic.status_code == 200
    narrowed = client.post(
        "/api/auth/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": env["reader"].client_id,
            "client_secret": env["reader"].client_secret,
            "scope": "ledger:write ledger:read",
        },
    )
    assert narrowed.status_code == 400 and narrowed.json()["error"] == "invalid_scope"


def test_bad_tokens_change_nothing(env: dict[str, Any], write_headers: dict[str, str]) -> None:
    client = env["client"]
    before = count(client, write_headers)
    key = client.app.state.server.authority.keyring.current
    now = int(time.time())
    claims = {"iss": "coffer", "sub": env["writer"].client_id, "scope": "ledger:read ledger:write"}
    expired = jwt.encode(
        {**claims, "iat": now - 100, "exp": now - 10},
        key.secret,
        algorithm="HS256",
        headers={"kid": key.kid},
    )
    forged = jwt.encode(
        {**claims, "iat": now, "exp": now + 600},
        "not-the-key-but-long-enough-to-pass-the-length-check",
        algorithm="HS256",
    )
    unsigned = jwt.encode({**claims, "iat": now, "exp": now + 600}, None, algorithm="none")
    reader = token(client, env["reader"])
    cases: list[tuple[dict[str, str], int]] = [
        ({}, 401),
        ({"Authorization": "Basic abc"}, 401),
        (bearer("garbage"), 401),
        (bearer(expired), 401),
        (bearer(forged), 401),
        (bearer(unsigned), 401),
        (bearer(reader), 403),
    ]
    for headers, status in cases:
        response = client.post(TX, json=payment(), headers=headers)
        assert response.status_code == status, (headers, response.text)
        assert response.json()["errorCode"] in ("UNAUTHORIZED", "FORBIDDEN")
        meta = client.post(
            "/api/ledger/v2/main/accounts/users:a/metadata", json={"k": "v"}, headers=headers
        )
        assert meta.status_code == status
    assert count(client, write_headers) == before
    assert client.get(TX, headers={}).status_code == 401
    assert client.get(TX, headers=bearer(reader)).status_code == 200
    read_only = token(client, env["writer"], scope="ledger:read")
    assert client.post(TX, json=payment(), headers=bearer(read_only)).status_code == 403


def test_operations_endpoints(env: dict[str, Any], write_headers: dict[str, str]) -> None:
    client = env["client"]
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    response = client.post(TX, json=payment(), headers={**write_headers, "X-Request-Id": "abc-1"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "abc-1"
    assert client.get("/healthz").headers["x-request-id"]
    metrics = client.get("/metrics").text
    assert "coffer_http_requests_total" in metrics
    assert "coffer_http_request_duration_seconds_bucket" in metrics
    assert "coffer_sequencer_queue_depth" in metrics
    assert "coffer_sequencer_batch_size" in metrics


def test_exact_amounts_and_validation(env: dict[str, Any], write_headers: dict[str, str]) -> None:
    client = env["client"]
    big = 2**127 + 12345
    response = client.post(TX, json=payment(big), headers=write_headers)
    assert response.status_code == 200
    assert f'"amount":{big}' in response.text
    assert response.json()["data"]["postings"][0]["amount"] == big
    for bad in (1.5, -1, "10", 2**128, True):
        rejected = client.post(TX, json=payment(bad), headers=write_headers)  # type: ignore[arg-type]
        assert rejected.status_code == 400, bad
        assert rejected.json()["errorCode"] == "VALIDATION"
    malformed = client.post(
        TX, content=b"{nope", headers={**write_headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    missing = client.get("/api/ledger/v2/nope/transactions", headers=write_headers)
    assert missing.status_code == 404 and missing.json()["errorCode"] == "NOT_FOUND"
    bad_filter = client.request("GET", TX, json={"$bogus": {}}, headers=write_headers)
    assert bad_filter.status_code == 400


def test_holds(env: dict[str, Any], write_headers: dict[str, str]) -> None:
    client = env["client"]
    base = "/api/ledger/v2/main"
    client.post(
        TX,
        json={
            "postings": [
                {"source": "world", "destination": "users:h", "amount": 1000, "asset": "EUR/2"}
            ]
        },
        headers=write_headers,
    )
    hold_body = {
        "postings": [
            {"source": "users:h", "destination": "shops:1", "amount": 600, "asset": "EUR/2"}
        ],
        "timeoutSeconds": 3600,
    }
    created = client.post(f"{base}/holds", json=hold_body, headers=write_headers)
    assert created.status_code == 201, created.text
    hold = created.json()["data"]
    assert hold["status"] == "pending" and hold["expiresAt"]
    # the reserved funds are not available to anyone else
    second = client.post(f"{base}/holds", json=hold_body, headers=write_headers)
    assert second.status_code == 400 and second.json()["errorCode"] == "INSUFFICIENT_FUND"
    posted = client.post(
        f"{base}/holds/{hold['id']}/post", json={"amount": 250}, headers=write_headers
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["data"]["postings"][0]["amount"] == 250
    twice = client.post(f"{base}/holds/{hold['id']}/post", headers=write_headers)
    assert twice.status_code >= 400
    other = client.post(
        f"{base}/holds",
        json={
            **hold_body,
            "postings": [
                {"source": "users:h", "destination": "shops:1", "amount": 100, "asset": "EUR/2"}
            ],
        },
        headers=write_headers,
    ).json()["data"]
    voided = client.post(f"{base}/holds/{other['id']}/void", headers=write_headers)
    assert voided.status_code == 200 and voided.json()["data"]["status"] == "voided"
    got = client.get(f"{base}/holds/{hold['id']}", headers=write_headers).json()["data"]
    assert got["status"] == "posted"
    listed = client.get(f"{base}/holds", params={"status": "voided"}, headers=write_headers)
    assert [h["id"] for h in listed.json()["data"]] == [other["id"]]
    balances = client.request(
        "GET",
        f"{base}/aggregate/balances",
        json={"$match": {"address": "users:h"}},
        headers=write_headers,
    ).json()["data"]
    assert balances == {"EUR/2": 750}


def test_checkpoints_and_proofs(env: dict[str, Any], write_headers: dict[str, str]) -> None:
    client = env["client"]
    base = "/api/ledger/v2/main"
    tx = client.post(TX, json=payment(3), headers=write_headers).json()["data"]
    first = client.post(f"{base}/checkpoints", headers=write_headers)
    assert first.status_code == 201, first.text
    old_size = first.json()["data"]["treeSize"]
    client.post(TX, json=payment(4), headers=write_headers)
    new_size = client.post(f"{base}/checkpoints", headers=write_headers).json()["data"]["treeSize"]
    assert new_size > old_size
    listed = client.get(f"{base}/checkpoints", headers=write_headers).json()["data"]
    assert listed[0]["treeSize"] == new_size
    proof = client.get(f"{base}/proofs/inclusion/{tx['id']}", headers=write_headers)
    assert proof.status_code == 200, proof.text
    assert proof.json()["data"]["verified"] is True
    consistency = client.get(
        f"{base}/proofs/consistency",
        params={"oldSize": old_size, "newSize": new_size},
        headers=write_headers,
    )
    assert consistency.status_code == 200 and consistency.json()["data"]["verified"] is True


def test_an_unreachable_database_answers_503_in_formance_s_format() -> None:
    """Formance's SDK knows no error code for it: INTERNAL, with Coffer's own code in
    ``details`` and 503 (retry later) rather than 500."""
    import json

    from coffer.api.errors import render
    from coffer.errors import CofferError, DatabaseUnavailable, WriteInDoubt

    for error, code in (
        (DatabaseUnavailable("the database could not be reached"), "database_unavailable"),
        (WriteInDoubt("whether it committed could not be told"), "write_in_doubt"),
    ):
        response = render(error)
        assert response.status_code == 503
        body = json.loads(bytes(response.body))
        assert body["errorCode"] == "INTERNAL" and body["details"] == code
    assert render(CofferError("a bug")).status_code == 500


def test_volumes_and_balances_by_exact_address_read_lists_and_unlisted_postings(
    env: dict[str, Any], write_headers: dict[str, str]
) -> None:
    """Point-in-time balances and volumes of exact addresses read the posting lists plus
    the postings after their mark (narrowed by the accounts' transactions), and give what
    a filter over every posting gives."""
    client = env["client"]
    base = "/api/ledger/v2/main"
    ledger = env["coffer"].ledger("main")

    def move(source: str, destination: str, amount: int) -> None:
        body = {
            "postings": [
                {"source": source, "destination": destination, "amount": amount, "asset": "PL"}
            ]
        }
        assert client.post(TX, json=body, headers=write_headers).status_code == 200

    move("world", "pl:a", 100)
    move("pl:a", "pl:b", 30)
    ledger.list_postings()  # these two listed, the next ones not
    move("world", "pl:b", 7)
    move("pl:b", "pl:c", 5)
    later = "2100-01-01T00:00:00Z"

    def aggregate(query: dict[str, Any]) -> dict[str, int]:
        response = client.request(
            "GET",
            f"{base}/aggregate/balances",
            params={"pit": later},
            json=query,
            headers=write_headers,
        )
        assert response.status_code == 200, response.text
        return {k: v for k, v in response.json()["data"].items() if k == "PL"}

    assert aggregate({"$match": {"address": "pl:a"}}) == {"PL": 70}
    assert aggregate({"$match": {"address": "pl:b"}}) == {"PL": 32}
    or_query = {"$or": [{"$match": {"address": "pl:b"}}, {"$match": {"address": "pl:c"}}]}
    assert aggregate(or_query) == {"PL": 37}
    and_query = {"$and": [{"$match": {"address": "pl:b"}}, {"$match": {"address": "pl:c"}}]}
    assert aggregate(and_query) == {}
    assert aggregate({"$match": {"address": "pl:"}}) == {"PL": 107}  # a pattern: every posting
    volumes = client.request(
        "GET",
        f"{base}/volumes",
        params={"endTime": later},
        json={"$match": {"address": "pl:b"}},
        headers=write_headers,
    )
    assert volumes.status_code == 200, volumes.text
    rows = [row for row in volumes.json()["cursor"]["data"] if row["asset"] == "PL"]
    assert [(r["account"], r["input"], r["output"]) for r in rows] == [("pl:b", 37, 5)]
