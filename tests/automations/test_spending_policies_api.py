"""Spending policies over HTTP: scopes, the life of a policy, usage, and another
platform's policies (404)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.automations.conftest import new_wallet
from tests.automations.test_endpoints import FakeAuthority, callers_from_headers
from typer.testing import CliRunner

import coffer
from coffer.api import errors
from coffer.automations.policies import open_spending_policies
from coffer.automations.policies.endpoints import router
from coffer.cli.main import app
from coffer.wallets import WalletPlatform, open_wallets
from coffer.wallets import schemas as W

BASE = "/api/automations/v1/spending_policies"


@pytest.fixture
def api(coffer_db: coffer.Coffer, wallets: WalletPlatform) -> Iterator[TestClient]:
    server = FastAPI()
    server.state.server = SimpleNamespace(coffer=coffer_db, authority=FakeAuthority())
    server.state.wallets = wallets
    server.state.spending_policies = open_spending_policies(wallets)
    errors.install(server)

    callers_from_headers(server)

    server.include_router(router)
    headers = {"Authorization": "Bearer automations:read automations:write"}
    with TestClient(server, headers=headers) as client:
        yield client


def test_policy_life_through_the_api(api: TestClient, wallets: WalletPlatform) -> None:
    alice = new_wallet(wallets, "Alice Martin", 10_000)
    bob = new_wallet(wallets, "Bob Stone")
    body = {
        "name": "card limits",
        "wallet_id": alice.id,
        "rules": {
            "currency": "EUR",
            "time_zone": "Europe/Paris",
            "max_per_transaction": 3_000,
            "limits": [{"window": "day", "amount": 5_000, "count": 3}],
        },
    }
    created = api.post(BASE, json=body)
    assert created.status_code == 201, created.text
    policy = created.json()
    assert (policy["object"], policy["version"], policy["mode"]) == (
        "spending_policy",
        1,
        "enforce",
    )
    wallets.wallets.transfer(
        W.TransferCreate(
            debited_wallet_id=alice.id, credited_wallet_id=bob.id, amount=3_000, currency="EUR"
        )
    )
    usage = api.get(f"{BASE}/{policy['id']}/usage").json()
    assert usage["windows"][0]["amount_used"] == 3_000
    assert usage["windows"][0]["count_limit"] == 3
    updated = api.post(f"{BASE}/{policy['id']}", json={"mode": "monitor"}).json()
    assert (updated["version"], updated["mode"]) == (2, "monitor")
    assert len(api.get(f"{BASE}/{policy['id']}/versions").json()) == 2
    assert api.get(BASE, params={"wallet_id": alice.id}).json()["data"][0]["id"] == policy["id"]
    assert api.post(f"{BASE}/{policy['id']}/disable").json()["status"] == "disabled"
    assert api.post(f"{BASE}/{policy['id']}/enable").json()["status"] == "active"
    assert api.get(f"{BASE}/{policy['id']}/decisions").json()["data"] == []
    assert api.delete(f"{BASE}/{policy['id']}").json()["deleted"] is True
    gone = api.get(f"{BASE}/{policy['id']}")
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "spending_policy_not_found")


def test_bad_requests_scopes_and_other_platforms(api: TestClient, wallets: WalletPlatform) -> None:
    alice = new_wallet(wallets, "Alice Martin")
    both = api.post(
        BASE,
        json={"name": "x", "wallet_id": alice.id, "customer_id": alice.customer_id, "rules": {}},
    )
    assert both.status_code == 422
    no_currency = api.post(
        BASE, json={"name": "x", "wallet_id": alice.id, "rules": {"max_per_transaction": 1}}
    )
    assert no_currency.status_code == 422
    assert "currency" in no_currency.text
    missing = api.post(BASE, json={"name": "x", "wallet_id": "wal_nothing", "rules": {}})
    assert missing.status_code == 404
    policy = api.post(BASE, json={"name": "x", "wallet_id": alice.id, "rules": {}}).json()
    other = {"x-test-platform": "plat_other"}
    assert api.get(f"{BASE}/{policy['id']}", headers=other).status_code == 404
    assert api.post(f"{BASE}/{policy['id']}/disable", headers=other).status_code == 404
    assert api.get(BASE, headers=other).json()["data"] == []
    # another platform cannot put a policy on this platform's wallet
    foreign = api.post(BASE, json={"name": "x", "wallet_id": alice.id, "rules": {}}, headers=other)
    assert foreign.status_code == 404
    read_only = {"Authorization": "Bearer automations:read"}
    denied = api.post(
        BASE, json={"name": "x", "wallet_id": alice.id, "rules": {}}, headers=read_only
    )
    assert denied.status_code == 403


def test_cli(tmp_path: os.PathLike[str]) -> None:
    """``coffer automations policies ...`` on a SQLite database (the suite's key files)."""
    url = f"sqlite:///{tmp_path}/c.db"
    with coffer.open(url) as c:
        platform = open_wallets(c)
        alice = new_wallet(platform, "Alice Martin")
    database = ["--database", url]
    runner = CliRunner()
    body = Path(tmp_path) / "policy.json"
    body.write_text(
        json.dumps(
            {
                "name": "daily",
                "wallet_id": alice.id,
                "rules": {"currency": "EUR", "limits": [{"window": "day", "amount": 500}]},
            }
        )
    )
    created = runner.invoke(app, ["automations", "policies", "create", str(body), *database])
    assert created.exit_code == 0, created.output
    policy_id = json.loads(created.output)["id"]
    usage = runner.invoke(app, ["automations", "policies", "usage", policy_id, *database])
    assert json.loads(usage.output)["windows"][0]["amount_limit"] == 500
    listed = runner.invoke(app, ["automations", "policies", "list", *database])
    assert [p["id"] for p in json.loads(listed.output)["data"]] == [policy_id]
    disabled = runner.invoke(app, ["automations", "policies", "disable", policy_id, *database])
    assert json.loads(disabled.output)["status"] == "disabled"
    runner.invoke(app, ["automations", "policies", "delete", policy_id, *database])
    missing = runner.invoke(app, ["automations", "policies", "show", policy_id, *database])
    assert missing.exit_code == 1
    assert "spending_policy_not_found" in missing.output
