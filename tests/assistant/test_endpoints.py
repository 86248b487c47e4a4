"""The HTTP API under /api/assistant/v1 (both backends), through the app's auth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import coffer
from coffer.api.app import create_app
from coffer.api.auth import create_client

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def client(coffer_db: coffer.Coffer) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    from coffer.wallets.endpoints import platform_for

    app = create_app(coffer_db)
    from coffer.wallets import WalletSettings, open_wallets

    from .conftest import PII_KEY

    app.state.wallets = open_wallets(coffer_db, WalletSettings(pii_key=PII_KEY, pii_key_id="t"))
    assert platform_for(app) is app.state.wallets
    from coffer.assistant.service import Assistant

    from .conftest import stand_in

    app.state.assistant = Assistant(
        coffer_db.engine, app.state.wallets.wallets, categorizer=stand_in
    )
    full = create_client(coffer_db.engine, "full", ("wallets:read", "wallets:write",
                                                     "assistant:read", "assistant:write"))  # fmt: skip
    wallets_only = create_client(coffer_db.engine, "w", ("wallets:read", "wallets:write"))
    with TestClient(app) as c:

        def token(cred: object) -> dict[str, str]:
            response = c.post("/api/auth/oauth/token", data={
                "grant_type": "client_credentials", "client_id": cred.client_id,  # type: ignore[attr-defined]
                "client_secret": cred.client_secret,  # type: ignore[attr-defined]
            })  # fmt: skip
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        yield c, token(full), token(wallets_only)


def customer_with_statement(c: TestClient, auth: dict[str, str]) -> str:
    """A new customer with the camt.053 fixture imported; the base URL of its assistant."""
    customer = c.post("/api/wallets/v1/customers", json={"kind": "natural", "name": "Ann"},
                      headers=auth).json()["id"]  # fmt: skip
    base = f"/api/assistant/v1/customers/{customer}"
    imported = c.post(f"{base}/imports", headers=auth, json={
        "format": "camt053", "content": (FIXTURES / "statement.camt053.xml").read_text(),
    })  # fmt: skip
    assert imported.status_code == 201 and imported.json()["imported"] == 2
    return base


def test_ask_endpoint(client: tuple[TestClient, dict[str, str], dict[str, str]]) -> None:
    c, auth, wallets_only = client
    base = customer_with_statement(c, auth)
    response = c.post(f"{base}/ask", headers=auth,
                      json={"question": "how much did I earn in March 2026?"})  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"answer", "intent", "value", "currency", "period", "data"}
    assert body["intent"] == "income" and body["value"] == 325055 and body["currency"] == "EUR"
    assert body["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
    balance = c.post(f"{base}/ask", headers=auth, json={"question": "我的余额是多少？"}).json()
    assert balance["value"] == 525505
    # scopes: a wallets-only token cannot read the assistant
    denied = c.post(f"{base}/ask", headers=wallets_only, json={"question": "balance?"})
    assert denied.status_code == 403
    assert c.post(f"{base}/ask", json={"question": "balance?"}).status_code == 401
    missing = c.post("/api/assistant/v1/customers/cus_nobody/ask", headers=auth,
                     json={"question": "balance?"})  # fmt: skip
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "customer_not_found"
    assert c.post(f"{base}/ask", headers=auth, json={}).status_code == 422
    # empty, blank and over-long questions: a clear 4xx; a question with no answer: null
    for question, status in (("", 422), ("   ", 400), ("x" * 1001, 422)):
        refused = c.post(f"{base}/ask", headers=auth, json={"question": question})
        assert refused.status_code == status, question
        assert refused.json()["error"]["message"]
    unknown = c.post(f"{base}/ask", headers=auth, json={"question": "tell me a joke"}).json()
    assert (unknown["intent"], unknown["value"], unknown["currency"]) == ("unknown", None, None)


def test_budgets_goals_charts(client: tuple[TestClient, dict[str, str], dict[str, str]]) -> None:
    c, auth, _ = client
    customer = c.post("/api/wallets/v1/customers", json={"kind": "natural", "name": "Bo"},
                      headers=auth).json()["id"]  # fmt: skip
    base = f"/api/assistant/v1/customers/{customer}"
    created = c.post(f"{base}/budgets", headers=auth, json={
        "category": "RENT_AND_UTILITIES", "amount": 150000, "currency": "EUR"})  # fmt: skip
    assert created.status_code == 201
    assert c.get(f"{base}/budgets", headers=auth).json()["data"][0]["amount"] == 150000
    goal = c.post(f"{base}/goals", headers=auth, json={
        "name": "Holiday", "target_amount": 200000, "currency": "EUR"}).json()  # fmt: skip
    c.post(f"{base}/goals/{goal['goal_id']}/contributions", headers=auth, json={"amount": 5000})
    assert c.get(f"{base}/goals", headers=auth).json()["data"][0]["saved"] == 5000
    svg = c.get(f"{base}/charts/goal_progress", headers=auth)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert c.get(f"{base}/charts/nonsense", headers=auth).status_code == 422
    for path in ("recurring", "forecast", "health", "alerts", "transactions"):
        assert c.get(f"{base}/{path}", headers=auth).status_code == 200, path
    bad = c.post(f"{base}/imports", headers=auth, json={"format": "ofx", "content": "nope"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "statement_invalid"


def test_rules_and_corrections_api(
    client: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    c, auth, wallets_only = client
    customer = c.post("/api/wallets/v1/customers", json={"kind": "natural", "name": "Cy"},
                      headers=auth).json()["id"]  # fmt: skip
    base = f"/api/assistant/v1/customers/{customer}"
    content = "date,description,amount\n2026-03-02,CAFE KOLONIE 44,-8.00\n"
    assert c.post(f"{base}/imports", headers=auth, json={
        "format": "csv", "content": content, "currency": "EUR"}).status_code == 201  # fmt: skip
    spec = {"name": "Cafe", "conditions": [
        {"field": "description", "operator": "contains", "value": "cafe"}],
        "category": "FOOD_AND_DRINK_COFFEE"}  # fmt: skip
    tested = c.post(f"{base}/rules/test", headers=auth, json=spec).json()
    assert tested["matched"] == 1 and tested["data"][0]["current_detailed"] is None
    assert c.get(f"{base}/rules", headers=auth).json()["data"] == []
    created = c.post(f"{base}/rules", headers=auth, json=spec)
    assert created.status_code == 201 and created.json()["stage"] == "pre"
    rule_id = created.json()["id"]
    (line,) = c.get(f"{base}/transactions", headers=auth).json()["data"]
    assert (line["detailed"], line["category_source"]) == ("FOOD_AND_DRINK_COFFEE", "user_rule")
    spec["category"] = "FOOD_AND_DRINK_RESTAURANT"
    assert c.put(f"{base}/rules/{rule_id}", headers=auth, json=spec).json()["category"] == (
        "FOOD_AND_DRINK_RESTAURANT"
    )
    assert c.get(f"{base}/rules/{rule_id}", headers=auth).json()["name"] == "Cafe"
    bad = c.post(f"{base}/rules", headers=auth, json={**spec, "category": "COFFEE"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    assert c.post(f"{base}/rules", headers=wallets_only, json=spec).status_code == 403
    fixed = c.post(f"{base}/corrections", headers=auth, json={
        "transaction_id": line["id"], "primary": "FOOD_AND_DRINK",
        "detailed": "FOOD_AND_DRINK_GROCERIES"})  # fmt: skip
    assert fixed.status_code == 204
    (line,) = c.get(f"{base}/transactions", headers=auth).json()["data"]
    assert (line["detailed"], line["category_source"]) == ("FOOD_AND_DRINK_GROCERIES", "correction")
    assert (
        c.get(f"{base}/corrections", headers=auth).json()["data"][0]["transaction_id"]
        == (line["id"])
    )
    assert c.delete(f"{base}/corrections/{line['id']}", headers=auth).status_code == 204
    assert c.delete(f"{base}/rules/{rule_id}", headers=auth).status_code == 204
    assert c.delete(f"{base}/rules/{rule_id}", headers=auth).status_code == 404
    (line,) = c.get(f"{base}/transactions", headers=auth).json()["data"]
    assert line["detailed"] is None
