"""Rates: the shipped ECB history, manual rates, cross rates through the base currency,
staleness, and the live HTTP provider against a fake server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tests.fx.conftest import Clock

from coffer.errors import ProviderError, RateNotFound, RateStale
from coffer.fx import FxPlatform, FxSettings, open_fx
from coffer.fx.rates import EcbProvider
from coffer.wallets import WalletPlatform


def test_ecb_history_reference_rate_of_a_past_date() -> None:
    ecb = EcbProvider()
    rate = ecb.rate("EUR", "USD", datetime(2013, 3, 21, 15, tzinfo=UTC))
    assert rate is not None and rate.value == Fraction("1.2910") and rate.source == "ecb"
    # a Saturday uses Friday's publication, and says so
    saturday = ecb.rate("EUR", "USD", datetime(2013, 3, 23, 10, tzinfo=UTC))
    assert saturday is not None and saturday.as_of.date().isoformat() == "2013-03-22"
    # cross rates through the euro, exactly
    cross = ecb.rate("USD", "JPY", datetime(2013, 3, 21, tzinfo=UTC))
    assert cross is not None and cross.value == Fraction("122.95") / Fraction("1.2910")
    assert ecb.rate("EUR", "USD", datetime(1990, 1, 1, tzinfo=UTC)) is None


def test_manual_rates_preferred_inverse_and_cross(fx: FxPlatform, clock: Clock) -> None:
    fx.rates.set_manual("EUR", "USD", "1.10")
    fx.rates.set_manual("EUR", "GBP", "0.85")
    assert fx.rates.rate("EUR", "USD").value == Fraction("1.10")
    assert fx.rates.rate("USD", "EUR").value == 1 / Fraction("1.10")
    gbp_usd = fx.rates.rate("GBP", "USD")
    assert gbp_usd.value == Fraction("1.10") / Fraction("0.85") and gbp_usd.source == "manual"
    # a newer rate wins; the older one is still what a past time sees
    clock.advance(minutes=1)
    fx.rates.set_manual("EUR", "USD", "1.20")
    assert fx.rates.rate("EUR", "USD").value == Fraction("1.20")
    assert fx.rates.rate("EUR", "USD", clock.now - timedelta(seconds=30)).value == Fraction("1.10")


def test_stale_rate_refuses(platform: WalletPlatform, clock: Clock) -> None:
    fx = open_fx(platform, FxSettings(fx_providers="manual", fx_max_rate_age_seconds=60), clock)
    fx.rates.set_manual("EUR", "USD", "1.10")
    clock.advance(seconds=61)
    with pytest.raises(RateStale) as refused:
        fx.rates.rate("EUR", "USD")
    assert refused.value.details["source"] == "manual"
    with pytest.raises(RateNotFound):
        fx.rates.rate("EUR", "CHF")
    # the ECB history ends long before "now": stale too, with its date in the error
    ecb_only = open_fx(platform, FxSettings(fx_providers="ecb"), clock)
    with pytest.raises(RateStale):
        ecb_only.rates.rate("EUR", "USD", datetime(2099, 1, 1, tzinfo=UTC))


class FakeRates(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRates)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_http_provider_with_mapping(
    platform: WalletPlatform, clock: Clock, fake_server: ThreadingHTTPServer
) -> None:
    stamp = int(clock.now.timestamp()) - 5
    FakeRates.body = json.dumps(
        {"result": "ok", "data": {"time": stamp, "conversion": {"EUR": 0.92, "JPY": 151.123456789}}}
    ).encode()
    url = f"http://127.0.0.1:{fake_server.server_address[1]}/latest"
    settings = FxSettings(
        fx_providers="http,ecb",
        fx_http_url=url,
        fx_http_mapping='{"base": "=USD", "rates": "data.conversion", "timestamp": "data.time"}',
        fx_max_rate_age_seconds=60,
    )
    fx = open_fx(platform, settings, clock)
    assert fx.rates.refresh_http() == 2
    rate = fx.rates.rate("USD", "JPY")
    # exact decimal from the JSON text, never through a float
    assert rate.value == Fraction("151.123456789") and rate.source == "http"
    assert rate.as_of == datetime.fromtimestamp(stamp, UTC)
    assert fx.rates.rate("EUR", "JPY").value == Fraction("151.123456789") / Fraction("0.92")
    FakeRates.body = b"not json"
    with pytest.raises(ProviderError):
        fx.rates.refresh_http()
