"""Tenants and least privilege on the ledger, through the HTTP API on both backends.

Each test is a finding of the security review that the code before platforms let through:
draining and minting on the wallets ledger with ``force``, sandbox money on a live
platform, and any client reading or moving every platform's objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.api.tenancy_world import LEDGER, WALLETS, World, build, ok

import coffer
from coffer.api import create_app
from coffer.identity.audit import list_entries


@pytest.fixture(scope="module")
def world(api_database_url: str) -> Iterator[World]:
    instance = coffer.open(api_database_url)
    with TestClient(create_app(instance)) as client:
        yield build(client, instance)
    instance.close()


def _wallet_account(world: World, ledger: str, who: str) -> str:
    """The ledger address of a wallet of ``who``'s platform (alpha's first wallet)."""
    accounts = ok(world.client.get(f"{LEDGER}/{ledger}/accounts", headers=world.headers[who]))
    addresses = [a["address"] for a in accounts["cursor"]["data"]]
    wallet_id = world.ids["wallet_id"]
    return next(a for a in addresses if wallet_id in a)


def _balance(world: World, ledger: str, address: str, who: str) -> int:
    found = ok(
        world.client.get(
            f"{LEDGER}/{ledger}/accounts/{address}?expand=volumes", headers=world.headers[who]
        )
    )
    return int(found["data"]["volumes"]["EUR/2"]["balance"])


def _move(source: str, destination: str, amount: int) -> dict[str, Any]:
    return {"source": source, "destination": destination, "amount": amount, "asset": "EUR/2"}


@pytest.mark.parametrize("route", ["fast", "route"])
def test_wallets_ledger_refuses_force_drain_and_mint(world: World, route: str) -> None:
    """The finding: with ledger:write, a forced posting on the wallets ledger drained a
    wallet below zero and minted money into another. Now the wallets ledger is a system
    ledger: writes are 403 without ledger:admin, and force is refused even with it."""
    c = world.client
    alpha_ledger = f"wallets-{world.platforms['alpha']}"
    account = _wallet_account(world, alpha_ledger, "alpha")
    before = _balance(world, alpha_ledger, account, "alpha")
    query = "?force=true" if route == "fast" else "?force=true&route=1"
    drain = {"postings": [_move(account, "thief:main", before + 1_000_000)]}
    for who in ("alpha_writer", "alpha"):  # even with ledger:admin and ledger:force
        response = c.post(
            f"{LEDGER}/{alpha_ledger}/transactions{query}", headers=world.headers[who], json=drain
        )
        assert response.status_code == 403, response.text
        assert response.json()["errorCode"] == "FORBIDDEN"
    mint = {"postings": [_move("world", account, 1_000_000_000)], "force": True}
    response = c.post(
        f"{LEDGER}/{alpha_ledger}/transactions", headers=world.headers["alpha"], json=mint
    )
    assert response.status_code == 403
    mint_plain = {"postings": [_move("world", account, 1_000_000_000)]}
    path = f"{LEDGER}/{alpha_ledger}/transactions" + ("" if route == "fast" else "?route=1")
    response = c.post(path, headers=world.headers["alpha_writer"], json=mint_plain)
    assert response.status_code == 403
    assert "system ledger" in response.json()["errorMessage"]
    assert _balance(world, alpha_ledger, account, "alpha") == before


def test_default_wallets_ledger_is_a_system_ledger_too(world: World) -> None:
    c = world.client
    h = world.headers["default_writer"]
    customer = ok(
        c.post(f"{WALLETS}/customers", headers=h, json={"kind": "natural", "name": "Dee"})
    )
    ok(
        c.post(
            f"{WALLETS}/wallets", headers=h, json={"customer_id": customer["id"], "currency": "EUR"}
        )
    )
    mint = {"postings": [_move("world", "wallets:anything", 10_000_000_00)], "force": True}
    response = c.post(f"{LEDGER}/wallets/transactions", headers=h, json=mint)
    assert response.status_code == 403
    # ledger:read still reads it
    assert c.get(f"{LEDGER}/wallets/transactions", headers=h).status_code == 200
    # an admin may write (audited) but never force
    admin = world.headers["default_admin"]
    response = c.post(f"{LEDGER}/wallets/transactions", headers=admin, json=mint)
    assert response.status_code == 403
    assert response.json()["errorCode"] == "FORBIDDEN"
    plain = {"postings": [_move("world", "admin:adjustment", 1)]}
    ok(c.post(f"{LEDGER}/wallets/transactions", headers=admin, json=plain))
    entries = list_entries(world.instance.engine, action="ledger.admin_write", limit=10)
    assert entries and entries[0].target == "wallets"


def test_force_and_overdraft_grants_need_their_own_scope(world: World) -> None:
    c = world.client
    book = world.ids["ledger"]
    forced = {"postings": [_move("alpha:nobody", "alpha:shop", 7)], "force": True}
    response = c.post(
        f"{LEDGER}/{book}/transactions", headers=world.headers["alpha_writer"], json=forced
    )
    assert response.status_code == 403 and "ledger:force" in response.json()["errorMessage"]
    response = c.post(
        f"{LEDGER}/{book}/transactions?force=true",
        headers=world.headers["alpha_writer"],
        json={"postings": [_move("alpha:nobody", "alpha:shop", 7)]},
    )
    assert response.status_code == 403
    script = {
        "script": {
            "plain": "send [EUR/2 7] (\n source = @alpha:nobody allowing unbounded overdraft\n"
            " destination = @alpha:shop\n)"
        }
    }
    response = c.post(
        f"{LEDGER}/{book}/transactions", headers=world.headers["alpha_writer"], json=script
    )
    assert response.status_code == 403
    bulk = [{"action": "CREATE_TRANSACTION", "data": forced}]
    response = c.post(f"{LEDGER}/{book}/_bulk", headers=world.headers["alpha_writer"], json=bulk)
    assert response.status_code != 200 or "force" in response.text
    # with ledger:force on a ledger of its own platform
    ok(c.post(f"{LEDGER}/{book}/transactions", headers=world.headers["alpha"], json=forced))
    ok(c.post(f"{LEDGER}/{book}/transactions", headers=world.headers["alpha"], json=script))


def test_another_platforms_ledger_is_not_found(world: World) -> None:
    c = world.client
    book = world.ids["ledger"]
    beta = world.headers["beta"]
    for path in ("", "/transactions", "/accounts", f"/transactions/{world.ids['id']}", "/stats"):
        response = c.get(f"{LEDGER}/{book}{path}", headers=beta)
        assert response.status_code == 404, (path, response.text)
    write = {"postings": [_move("world", "beta:loot", 1)]}
    for path in ("/transactions", "/transactions?route=1"):
        assert c.post(f"{LEDGER}/{book}{path}", headers=beta, json=write).status_code == 404
    names = [item["name"] for item in ok(c.get(f"{LEDGER}", headers=beta))["cursor"]["data"]]
    assert book not in names
    assert book in [
        item["name"]
        for item in ok(c.get(f"{LEDGER}", headers=world.headers["alpha"]))["cursor"]["data"]
    ]
    # another platform's wallets ledger, too
    alpha_wallets = f"wallets-{world.platforms['alpha']}"
    assert c.get(f"{LEDGER}/{alpha_wallets}/transactions", headers=beta).status_code == 404


def test_another_platforms_wallets_objects_are_not_found(world: World) -> None:
    c = world.client
    beta = world.headers["beta"]
    ids = world.ids
    for path in (
        f"/customers/{ids['customer_id']}",
        f"/wallets/{ids['wallet_id']}",
        f"/transfers/{ids['transfer_id']}",
        f"/payins/{ids['payin_id']}",
        f"/payments/{ids['payment_id']}",
    ):
        response = c.get(f"{WALLETS}{path}", headers=beta)
        assert response.status_code == 404, (path, response.text)
    theft = {
        "debited_wallet_id": ids["wallet_id"],
        "credited_wallet_id": ids["other_wallet_id"],
        "amount": 1,
        "currency": "EUR",
    }
    response = c.post(f"{WALLETS}/transfers", headers=beta, json=theft)  # the fast path
    assert response.status_code == 404, response.text
    for listing in ("customers", "wallets", "transfers", "events", "payins"):
        page = ok(c.get(f"{WALLETS}/{listing}", headers=beta))
        assert all(item["id"] not in ids.values() for item in page["data"]), listing
    # the sandbox bank of beta does not credit alpha's wallet
    bank = {"reference": ids["bank_reference"], "amount": 100, "currency": "EUR"}
    assert c.post(f"{WALLETS}/sandbox/bank_transfers", headers=beta, json=bank).status_code == 404
    # nor do fx and the assistant see alpha's customer
    assert (
        c.get(f"/api/assistant/v1/customers/{ids['customer_id']}/budgets", headers=beta).status_code
        == 404
    )
    assert (
        c.get(
            f"{WALLETS}/fx/customers/{ids['customer_id']}/valuation?currency=EUR", headers=beta
        ).status_code
        == 404
    )


def test_idempotency_keys_are_per_platform(world: World) -> None:
    c = world.client
    key = {"Idempotency-Key": "same-key-on-two-platforms"}
    body = {"kind": "natural", "name": "Twin"}
    first = ok(c.post(f"{WALLETS}/customers", headers={**world.headers["alpha"], **key}, json=body))
    second = ok(c.post(f"{WALLETS}/customers", headers={**world.headers["beta"], **key}, json=body))
    assert first["id"] != second["id"]


def test_sandbox_routes_do_not_exist_on_a_live_platform(world: World) -> None:
    c = world.client
    gamma = world.headers["gamma"]
    customer = ok(
        c.post(f"{WALLETS}/customers", headers=gamma, json={"kind": "natural", "name": "Liv"})
    )
    wallet = ok(
        c.post(
            f"{WALLETS}/wallets",
            headers=gamma,
            json={"customer_id": customer["id"], "currency": "EUR"},
        )
    )
    bank = {"reference": wallet["bank_reference"], "amount": 100, "currency": "EUR"}
    response = c.post(f"{WALLETS}/sandbox/bank_transfers", headers=gamma, json=bank)
    assert response.status_code == 404 and response.json()["error"]["code"] == "sandbox_only"
    card = {
        "wallet_id": wallet["id"],
        "amount": 100,
        "currency": "EUR",
        "payment_method": "pm_card_visa",
    }
    response = c.post(f"{WALLETS}/payins/card", headers=gamma, json=card)
    assert (
        response.status_code == 503 and response.json()["error"]["code"] == "live_gateway_missing"
    )
    assert ok(c.get(f"{WALLETS}/wallets/{wallet['id']}", headers=gamma))["balance"] == 0


def test_events_reach_only_their_platforms_endpoints(world: World) -> None:
    from coffer.wallets import repository as R
    from coffer.wallets import tables as T
    from coffer.wallets.endpoints import platform_for

    c = world.client
    beta = world.headers["beta"]
    ok(
        c.post(
            f"{WALLETS}/webhook_endpoints", headers=beta, json={"url": "http://127.0.0.1:9/beta"}
        )
    )
    for who in ("beta", "alpha"):  # an event on each platform, after beta's endpoint exists
        body = {"kind": "natural", "name": "Evt"}
        ok(c.post(f"{WALLETS}/customers", headers=world.headers[who], json=body))
    app = c.app
    for name in ("alpha", "beta"):
        platform_for(app, world.platforms[name]).webhooks.dispatch()
    alpha_events = {
        e["id"]
        for e in ok(c.get(f"{WALLETS}/events?limit=100", headers=world.headers["alpha"]))["data"]
    }
    beta_wallets = platform_for(app, world.platforms["beta"])
    with beta_wallets.core.engine.connect() as connection:
        delivered = {
            row["event_id"] for row in R.page(connection, T.webhook_deliveries, limit=1000)[0]
        }
    assert delivered and not delivered & alpha_events
