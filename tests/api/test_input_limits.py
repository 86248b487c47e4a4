"""Input limits through the HTTP APIs: Numscript bounds, ledger limits (addresses, asset
scale, metadata, timestamps, JSON-integer amounts), invalid text in paths and query strings,
and wallets metadata (lone surrogates refused; the lists keep working)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.test_bounds import TOKEN, form, make_app
from coffer.api.auth import create_client

TX = "/api/ledger/v2/main/transactions"
WALLETS = "/api/wallets/v1"


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    instance, app = make_app(database_url, tmp_path)
    writer = create_client(
        instance.engine,
        "writer",
        ("ledger:read", "ledger:write", "wallets:read", "wallets:write"),
    )
    with TestClient(app) as client:
        answer = client.post(TOKEN, data=form(writer.client_id, writer.client_secret))
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        yield {"client": client, "headers": headers, "coffer": instance}
    instance.close()


def posting(**changes: Any) -> dict[str, Any]:
    return {"source": "world", "destination": "users:1", "amount": 100, "asset": "USD/2", **changes}


def refused(api: dict[str, Any], body: dict[str, Any], *, path: str = TX) -> dict[str, Any]:
    response = api["client"].post(path, json=body, headers=api["headers"])
    assert response.status_code == 400, (body, response.status_code, response.text)
    answer: dict[str, Any] = response.json()
    return answer


def count(api: dict[str, Any]) -> int:
    return int(api["client"].head(TX, headers=api["headers"]).headers["count"])


def test_numscript_bounds_answer_400_in_formance_shape(api: dict[str, Any]) -> None:
    deep = "send [USD/2 1] (source = " + "{ " * 3000 + "@world" + " }" * 3000 + " destination = @a)"
    answer = refused(api, {"script": {"plain": deep, "vars": {}}})
    assert answer["errorCode"] == "COMPILATION_FAILED"
    assert "levels deep" in answer["errorMessage"]
    parts = " ".join(f"1/5000 to @d{i}" for i in range(5000))
    wide = f"send [USD/2 5000] (source = @world destination = {{ {parts} }})"
    answer = refused(api, {"script": {"plain": wide, "vars": {}}})
    assert answer["errorCode"] == "COMPILATION_FAILED"
    bulk = api["client"].post(
        "/api/ledger/v2/main/_bulk",
        json=[{"action": "CREATE_TRANSACTION", "data": {"script": {"plain": deep}}}],
        headers=api["headers"],
    )
    assert bulk.status_code == 400, bulk.text
    assert count(api) == 0


def test_ledger_limits(api: dict[str, Any]) -> None:
    cases: list[dict[str, Any]] = [
        {"postings": [posting(asset="USD/999999")]},
        {"postings": [posting(asset="USD/39")]},
        {"postings": [posting(destination="a" * 300)]},
        {"postings": [posting(destination=":".join(["s"] * 40))]},
        {"postings": [posting()], "metadata": {f"k{i}": "v" for i in range(300)}},
        {"postings": [posting()], "metadata": {"k" * 300: "v"}},
        {"postings": [posting()], "metadata": {"k": "x" * 20_000}},
        {"postings": [posting()], "timestamp": "0001-01-01T00:00:00Z"},
        {"postings": [posting()], "timestamp": "9999-12-31T00:00:00Z"},
        {"postings": [posting(amount="100")]},
        {"postings": [posting(amount=100.0)]},
        {"postings": [posting(amount=True)]},
    ]
    for body in cases:
        answer = refused(api, body)
        assert answer["errorCode"] == "VALIDATION", (body, answer)
    assert count(api) == 0
    fine = api["client"].post(
        TX, json={"postings": [posting(asset="ETH/38")]}, headers=api["headers"]
    )
    assert fine.status_code == 200, fine.text


def test_numscript_monetary_variables_take_json_integers(api: dict[str, Any]) -> None:
    script = "vars { monetary $m }\nsend $m (source = @world destination = @a)"
    for value in ({"amount": "100", "asset": "USD/2"}, {"amount": 1.5, "asset": "USD/2"}):
        answer = refused(api, {"script": {"plain": script, "vars": {"m": value}}})
        assert answer["errorCode"] == "VALIDATION"
    for value in ({"amount": 100, "asset": "USD/2"}, "USD/2 100"):  # Formance's two forms
        response = api["client"].post(
            TX, json={"script": {"plain": script, "vars": {"m": value}}}, headers=api["headers"]
        )
        assert response.status_code == 200, response.text
        assert response.json()["data"]["postings"][0]["amount"] == 100


def test_invalid_text_in_paths_and_query_strings_is_refused(api: dict[str, Any]) -> None:
    client, headers = api["client"], api["headers"]
    for url in (
        "/api/ledger/v2/main/accounts/users%ED%A0%80",  # a surrogate, UTF-8 encoded
        "/api/ledger/v2/main/accounts/users%FF",
        "/api/ledger/v2/main/transactions?cursor=%ED%A0%80",
        "/api/ledger/v2/main/transactions?cursor=%5Cud800",  # a JSON escape
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 400, (url, response.text)
        assert response.json()["details"] == "invalid_unicode"
    response = client.get(f"{WALLETS}/customers?starting_after=%ED%A0%80", headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_unicode"
    assert client.get(
        f"{WALLETS}/customers?starting_after=cus_%C3%A9", headers=headers
    ).status_code in (
        200,
        404,
    )


def _wallet(api: dict[str, Any], name: str) -> str:
    client, headers = api["client"], api["headers"]
    customer = client.post(
        f"{WALLETS}/customers", json={"kind": "natural", "name": name}, headers=headers
    )
    assert customer.status_code == 201, customer.text
    wallet = client.post(
        f"{WALLETS}/wallets",
        json={"customer_id": customer.json()["id"], "currency": "EUR"},
        headers=headers,
    )
    assert wallet.status_code == 201, wallet.text
    return str(wallet.json()["id"])


def test_wallets_metadata_with_a_lone_surrogate_is_refused(api: dict[str, Any]) -> None:
    client, headers = api["client"], api["headers"]
    json_headers = {**headers, "Content-Type": "application/json"}
    alice, bob = _wallet(api, "Alice"), _wallet(api, "Bob")
    reference = client.get(f"{WALLETS}/wallets/{alice}", headers=headers).json()["bank_reference"]
    funded = client.post(
        f"{WALLETS}/sandbox/bank_transfers",
        json={"reference": reference, "amount": 1000, "currency": "EUR"},
        headers=headers,
    )
    assert funded.status_code == 201, funded.text
    fields = f'"debited_wallet_id": "{alice}", "credited_wallet_id": "{bob}"'
    transfer = "{" + fields + ', "amount": 10, "currency": "EUR", "metadata": {"note": "\\ud800"}}'
    for key in (None, "k-1"):
        extra = {"Idempotency-Key": key} if key else {}
        response = client.post(
            f"{WALLETS}/transfers", content=transfer.encode(), headers={**json_headers, **extra}
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_unicode"
    for path in ("/transfers", "/events", "/customers"):
        listed = client.get(f"{WALLETS}{path}", headers=headers)
        assert listed.status_code == 200, (path, listed.text)
    assert client.get(f"{WALLETS}/transfers", headers=headers).json()["data"] == []
    assert client.get(f"{WALLETS}/wallets/{bob}", headers=headers).json()["balance"] == 0


def test_wallets_metadata_is_bounded(api: dict[str, Any]) -> None:
    client, headers = api["client"], api["headers"]
    for metadata in (
        {f"k{i}": "v" for i in range(51)},
        {"k" * 41: "v"},
        {"k": "v" * 501},
    ):
        body = {"kind": "natural", "name": "Ann", "metadata": metadata}
        response = client.post(f"{WALLETS}/customers", json=body, headers=headers)
        assert response.status_code in (400, 422), response.text
    assert client.get(f"{WALLETS}/customers", headers=headers).json()["data"] == []
    body = {"kind": "natural", "name": "Ann", "metadata": {"k": "v" * 500}}
    assert client.post(f"{WALLETS}/customers", json=body, headers=headers).status_code == 201
