"""Two platforms with real objects, for the tenancy tests: platform "alpha" (sandbox) owns
a ledger, customers, wallets, a transfer, a payment, pay-ins, a refund, a dispute, a bank
account, a webhook endpoint, events, a hold, a loyalty program, a budget and a goal;
platform "beta" (sandbox) and "gamma" (live) have clients holding every scope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

import coffer
from coffer.api.clients import SCOPES, create_client
from coffer.platforms.service import create_platform

WALLETS = "/api/wallets/v1"
LEDGER = "/api/ledger/v2"
ALL = tuple(SCOPES)
WALLET_SCOPES = ("wallets:read", "wallets:write")


@dataclass
class World:
    client: TestClient
    instance: coffer.Coffer
    platforms: dict[str, str]
    headers: dict[str, dict[str, str]]  # who -> Authorization header
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> alpha's value


def token(client: TestClient, credentials: Any, scopes: str | None = None) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }
    if scopes is not None:
        form["scope"] = scopes
    response = client.post("/api/auth/oauth/token", data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201)), response.text
    return response.json() if response.content else None


def build(client: TestClient, instance: coffer.Coffer) -> World:
    engine = instance.engine
    suffix = uuid.uuid4().hex[:6]
    alpha = create_platform(engine, f"alpha-{suffix}").id
    beta = create_platform(engine, f"beta-{suffix}").id
    gamma = create_platform(engine, f"gamma-{suffix}", "live").id
    clients = {
        "alpha": create_client(engine, "alpha all", ALL, platform_id=alpha),
        "alpha_writer": create_client(
            engine,
            "alpha writer",
            ("ledger:read", "ledger:write", *WALLET_SCOPES),
            platform_id=alpha,
        ),
        "beta": create_client(engine, "beta all", ALL, platform_id=beta),
        "gamma": create_client(engine, "gamma all", ALL, platform_id=gamma),
        "default_writer": create_client(
            engine, "default writer", ("ledger:read", "ledger:write", *WALLET_SCOPES)
        ),
        "default_admin": create_client(
            engine,
            "default admin",
            ("ledger:read", "ledger:write", "ledger:admin", "ledger:force", *WALLET_SCOPES),
        ),
    }
    headers = {name: token(client, credentials) for name, credentials in clients.items()}
    world = World(
        client,
        instance,
        {"alpha": alpha, "beta": beta, "gamma": gamma},
        headers,
    )
    _alpha_objects(world, suffix)
    return world


def _alpha_objects(world: World, suffix: str) -> None:
    c, h, ids = world.client, world.headers["alpha"], world.ids
    book = f"alpha-book-{suffix}"
    ok(c.post(f"{LEDGER}/{book}", headers=h), 204)
    tx = ok(
        c.post(
            f"{LEDGER}/{book}/transactions",
            headers=h,
            json={
                "postings": [
                    {
                        "source": "world",
                        "destination": "alpha:cash",
                        "amount": 500,
                        "asset": "EUR/2",
                    }
                ],
                "metadata": {"kind": "seed"},
            },
        )
    )
    hold = ok(
        c.post(
            f"{LEDGER}/{book}/holds",
            headers=h,
            json={
                "postings": [
                    {
                        "source": "alpha:cash",
                        "destination": "alpha:shop",
                        "amount": 5,
                        "asset": "EUR/2",
                    }
                ]
            },
        )
    )
    ids.update(ledger=book, id=str(tx["data"]["id"]), address="alpha:cash", key="kind")
    ids["hold_id"] = str(hold["data"]["id"])

    customers = []
    for name in ("Ada Alpha", "Bob Alpha"):
        customer = ok(
            c.post(f"{WALLETS}/customers", headers=h, json={"kind": "natural", "name": name})
        )
        document = ok(
            c.post(
                f"{WALLETS}/customers/{customer['id']}/kyc_documents",
                headers=h,
                json={"type": "identity_proof", "name": "passport.pdf"},
            )
        )
        customers.append(customer["id"])
        ids["document_id"] = document["id"]
    wallets = [
        ok(c.post(f"{WALLETS}/wallets", headers=h, json={"customer_id": cid, "currency": "EUR"}))
        for cid in customers
    ]
    ids["customer_id"] = customers[0]
    ids["wallet_id"] = wallets[0]["id"]
    ids["other_wallet_id"] = wallets[1]["id"]
    ids["bank_reference"] = wallets[0]["bank_reference"]
    payin = ok(
        c.post(
            f"{WALLETS}/sandbox/bank_transfers",
            headers=h,
            json={"reference": wallets[0]["bank_reference"], "amount": 50_000, "currency": "EUR"},
        )
    )
    transfer = ok(
        c.post(
            f"{WALLETS}/transfers",
            headers=h,
            json={
                "debited_wallet_id": wallets[0]["id"],
                "credited_wallet_id": wallets[1]["id"],
                "amount": 1_000,
                "currency": "EUR",
            },
        )
    )
    ids["transfer_id"] = transfer["id"]
    payment = ok(
        c.post(
            f"{WALLETS}/payments",
            headers=h,
            json={
                "buyer_wallet_id": wallets[0]["id"],
                "seller_wallet_id": wallets[1]["id"],
                "amount": 500,
                "currency": "EUR",
                "escrow": True,
            },
        )
    )
    ids["payment_id"] = payment["id"]
    card = ok(
        c.post(
            f"{WALLETS}/payins/card",
            headers=h,
            json={
                "wallet_id": wallets[0]["id"],
                "amount": 2_000,
                "currency": "EUR",
                "payment_method": "pm_card_visa",
            },
        )
    )
    ids["payin_id"] = card["id"] if card["status"] == "succeeded" else payin["id"]
    refund = ok(
        c.post(f"{WALLETS}/payins/{ids['payin_id']}/refunds", headers=h, json={"amount": 100})
    )
    ids["refund_id"] = refund["id"]
    dispute = ok(
        c.post(f"{WALLETS}/payins/{ids['payin_id']}/disputes", headers=h, json={"amount": 100})
    )
    ids["dispute_id"] = dispute["id"]
    account = ok(
        c.post(
            f"{WALLETS}/bank_accounts",
            headers=h,
            json={
                "customer_id": customers[0],
                "holder_name": "Ada Alpha",
                "iban": "DE89370400440532013000",
            },
        )
    )
    ids["account_id"] = account["id"]
    payout = c.post(
        f"{WALLETS}/payouts",
        headers=h,
        json={
            "wallet_id": wallets[0]["id"],
            "bank_account_id": account["id"],
            "amount": 100,
            "currency": "EUR",
        },
    )
    ids["payout_id"] = ok(payout)["id"]
    batch = c.post(f"{WALLETS}/payout_batches", headers=h)
    if batch.status_code in (200, 201):
        ids["batch_id"] = batch.json()["id"]
    endpoint = ok(
        c.post(f"{WALLETS}/webhook_endpoints", headers=h, json={"url": "http://127.0.0.1:9/hook"})
    )
    ids["endpoint_id"] = endpoint["id"]
    events = ok(c.get(f"{WALLETS}/events", headers=h))
    ids["event_id"] = events["data"][0]["id"]
    program = ok(
        c.post(
            f"{WALLETS}/loyalty/programs",
            headers=h,
            json={"name": "alpha points", "cash_currency": "EUR", "redemption_rate": "1"},
        )
    )
    ids["program_id"] = program["id"]
    budget = ok(
        c.post(
            f"/api/assistant/v1/customers/{customers[0]}/budgets",
            headers=h,
            json={"category": "FOOD_AND_DRINK", "amount": 10_000, "currency": "EUR"},
        )
    )
    ids["budget_id"] = budget["id"]
    goal = ok(
        c.post(
            f"/api/assistant/v1/customers/{customers[0]}/goals",
            headers=h,
            json={"name": "bike", "target_amount": 50_000, "currency": "EUR"},
        )
    )
    ids["goal_id"] = str(goal.get("id") or goal.get("goal_id") or goal)
