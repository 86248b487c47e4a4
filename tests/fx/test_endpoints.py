"""The fx and loyalty HTTP API: rates, quotes, conversions (410 expired, 409 used),
cross-border transfers, valuation, P&L and loyalty, through the routes."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.fx.conftest import Clock, customer, wallet

import coffer
from coffer.errors import Forbidden, Unauthorized
from coffer.fx import FxPlatform
from coffer.fx.endpoints import router
from coffer.wallets import WalletPlatform


class FakeAuthority:
    def authorize(
        self, authorization: str | None, scope: str, address: str | None = None
    ) -> object:
        if not authorization:
            raise Unauthorized("missing access token")
        if scope not in authorization.split()[1:]:
            raise Forbidden(f"this token lacks the {scope!r} scope")
        return object()


@pytest.fixture
def api(coffer_db: coffer.Coffer, platform: WalletPlatform, fx: FxPlatform) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.server = SimpleNamespace(coffer=coffer_db, authority=FakeAuthority())
    app.state.wallets = platform
    app.state.fx = fx
    app.include_router(router)
    with TestClient(app, headers={"Authorization": "Bearer wallets:read wallets:write"}) as client:
        yield client


def call(
    api: TestClient,
    method: str,
    path: str,
    body: Any = None,
    status: int = 200,
    key: str | None = None,
) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    response = api.request(method, f"/api/wallets/v1{path}", json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def test_rates_quotes_conversions_over_http(
    api: TestClient, platform: WalletPlatform, clock: Clock
) -> None:
    call(api, "POST", "/fx/rates", {"base": "EUR", "quote": "USD", "rate": "1.0842"}, 201)
    assert call(api, "GET", "/fx/rates/USD/EUR")["rate"] == "0.922339051835"
    call(api, "POST", "/fx/pricing", {"pair": "EUR/USD", "spread_bps": 30, "fee_fixed": 50})
    alice = customer(platform)
    eur, usd = wallet(platform, alice, "EUR", 100_000), wallet(platform, alice, "USD")
    quote = call(
        api,
        "POST",
        "/fx/quotes",
        {
            "sell_currency": "EUR",
            "buy_currency": "USD",
            "sell_amount": 10_000,
            "customer_id": alice,
        },
        201,
    )
    assert (quote["fee"], quote["spread_bps"], quote["status"]) == (50, 30, "open")
    body = {"quote_id": quote["id"], "from_wallet_id": eur, "to_wallet_id": usd}
    done = call(api, "POST", "/fx/conversions", body, 201, key="c1")
    assert done["buy_amount"] == quote["buy_amount"] and done["status"] == "succeeded"
    assert call(api, "POST", "/fx/conversions", body, 201, key="c1")["id"] == done["id"]
    used = call(api, "POST", "/fx/conversions", body, 409)
    assert used["error"]["code"] == "quote_used"
    late = call(
        api,
        "POST",
        "/fx/quotes",
        {"sell_currency": "EUR", "buy_currency": "USD", "buy_amount": 1_000},
        201,
    )
    clock.advance(seconds=30)
    expired = call(api, "POST", "/fx/conversions", {**body, "quote_id": late["id"]}, 410)
    assert expired["error"]["code"] == "quote_expired"
    assert call(api, "GET", f"/fx/conversions?wallet_id={eur}")["data"][0]["id"] == done["id"]
    bad = call(api, "POST", "/fx/quotes", {"sell_currency": "EUR", "buy_currency": "USD"}, 422)
    assert bad["error"]["code"] == "parameter_invalid"
    missing = call(api, "GET", "/fx/rates/EUR/CHF?at=2090-01-01T00:00:00Z", status=409)
    assert missing["error"]["code"] == "rate_stale"


def test_cross_border_valuation_pnl_and_loyalty(
    api: TestClient, platform: WalletPlatform, clock: Clock
) -> None:
    start = clock.now.isoformat().replace("+00:00", "Z")
    call(api, "POST", "/fx/rates", {"base": "EUR", "quote": "JPY", "rate": "160"}, 201)
    alice, bob = customer(platform), customer(platform, "Bob")
    eur, jpy = wallet(platform, alice, "EUR", 100_000), wallet(platform, bob, "JPY")
    sent = call(
        api,
        "POST",
        "/fx/transfers",
        {"from_wallet_id": eur, "to_wallet_id": jpy, "buy_amount": 16_000},
        201,
        key="t1",
    )
    assert sent["kind"] == "transfer" and sent["buy_amount"] == 16_000
    worth = call(api, "GET", f"/fx/customers/{bob}/valuation?currency=EUR")
    assert worth["total"] == 10_000  # 16,000 JPY at 1/160
    statement = call(api, "GET", f"/fx/wallets/{jpy}/statement?currency=EUR")
    assert [line["value"] for line in statement["data"]] == [10_000]
    clock.advance(days=1)
    call(api, "POST", "/fx/rates", {"base": "EUR", "quote": "JPY", "rate": "150"}, 201)
    end = clock.now.isoformat().replace("+00:00", "Z")
    report = call(api, "GET", f"/fx/reports/pnl?start={start}&end={end}&currency=EUR")
    assert report["spread_revenue"] == sent["sell_amount"] - 10_000
    # the platform is short 16,000 JPY, which now costs 106.67 EUR instead of 100
    assert report["revaluation"] == -667
    club = call(
        api,
        "POST",
        "/loyalty/programs",
        {
            "name": "Club",
            "cash_currency": "EUR",
            "redemption_rate": "1",
            "earn_rules": [{"points_per_unit": "1"}],
        },
        201,
    )
    call(
        api,
        "POST",
        f"/loyalty/programs/{club['id']}/awards",
        {"customer_id": alice, "points": 500},
        201,
    )
    redeemed = call(
        api,
        "POST",
        f"/loyalty/programs/{club['id']}/redemptions",
        {"customer_id": alice, "points": 200, "wallet_id": eur},
        201,
        key="r1",
    )
    assert redeemed["cash_amount"] == 200
    account = call(api, "GET", f"/loyalty/programs/{club['id']}/customers/{alice}")
    assert account["balance"] == 300 and account["expiring"][0]["points"] == 300
    short = call(
        api,
        "POST",
        f"/loyalty/programs/{club['id']}/redemptions",
        {"customer_id": alice, "points": 301, "wallet_id": eur},
        400,
    )
    assert short["error"]["code"] == "insufficient_funds"
