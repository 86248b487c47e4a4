"""The webhook egress policy: URLs checked at registration and again at delivery, after
DNS resolution, connecting to the checked address; delivery errors never quote the remote.

No test resolves a name or connects anywhere: resolvers are injected and deliveries go to
an httpx mock transport."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

import coffer
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.platforms.mode import platform_mode
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as S
from coffer.wallets import webhooks as webhooks_module
from coffer.wallets.egress import WebhookUrlRefused, check_url
from coffer.wallets.endpoints import router
from wallets.helpers import make_customer
from wallets.test_endpoints import FakeAuthority

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"
INTERNAL = [
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata (AWS, GCP, Azure)
    "100.64.0.1",  # CGNAT
    "100.100.100.200",  # Alibaba Cloud metadata, in CGNAT space
    "224.0.0.1",
    "0.0.0.0",
    "240.0.0.1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",  # AWS metadata over IPv6
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "ff02::1",
]
LOOPBACK = ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]


def answering(*addresses: str) -> Any:
    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_refused_on_every_platform(address: str) -> None:
    for mode in ("live", "sandbox"):
        with pytest.raises(WebhookUrlRefused):
            check_url("https://hooks.example.com/h", mode, answering(address))
        literal = f"[{address}]" if ":" in address else address
        with pytest.raises(WebhookUrlRefused):
            check_url(f"https://{literal}/h", mode, answering())


@pytest.mark.parametrize("address", LOOPBACK)
def test_loopback_is_for_sandbox_platforms_unless_forbidden(address: str) -> None:
    with pytest.raises(WebhookUrlRefused, match="loopback"):
        check_url("https://hooks.example.com/h", "live", answering(address))
    target = check_url("http://localhost:9000/h", "sandbox", answering(address))
    assert target.address == ipaddress.ip_address(address) and target.port == 9000
    with pytest.raises(WebhookUrlRefused):
        check_url(
            "https://hooks.example.com/h", "sandbox", answering(address), sandbox_loopback=False
        )


def test_live_platforms_need_https_and_public_addresses() -> None:
    with pytest.raises(WebhookUrlRefused, match="https"):
        check_url("http://hooks.example.com/h", "live", answering(PUBLIC_V4))
    with pytest.raises(WebhookUrlRefused, match="https"):
        check_url(
            "http://hooks.example.com/h", "sandbox", answering(PUBLIC_V4), sandbox_loopback=False
        )
    with pytest.raises(WebhookUrlRefused, match="https"):
        check_url("ftp://hooks.example.com/h", "sandbox", answering(PUBLIC_V4))
    with pytest.raises(WebhookUrlRefused, match="private"):  # every answer must be allowed
        check_url("https://hooks.example.com/h", "live", answering(PUBLIC_V4, "10.1.2.3"))
    with pytest.raises(WebhookUrlRefused, match="credentials"):
        check_url("https://user:pw@hooks.example.com/h", "live", answering(PUBLIC_V4))
    with pytest.raises(WebhookUrlRefused, match="does not resolve"):
        check_url("https://hooks.example.com/h", "live", answering())
    target = check_url("https://hooks.example.com/a/b?x=1", "live", answering(PUBLIC_V4))
    assert target.connect_url() == f"https://{PUBLIC_V4}:443/a/b?x=1"
    assert target.host_header() == "hooks.example.com"
    six = check_url("https://hooks.example.com:8443/h", "live", answering(PUBLIC_V6))
    assert six.connect_url() == f"https://[{PUBLIC_V6}]:8443/h"
    assert six.host_header() == "hooks.example.com:8443"


def test_platform_mode_reads_the_platforms_table(tmp_path: Any) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path}/modes.db")
    assert platform_mode(engine, DEFAULT_PLATFORM_ID) == "sandbox"
    assert platform_mode(engine, "plat_other") == "live"  # unknown: the stricter mode
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE platforms (id TEXT PRIMARY KEY, mode TEXT)"))
        connection.execute(
            sa.text("INSERT INTO platforms VALUES ('plat_default', 'live'), ('plat_s', 'sandbox')")
        )
    assert platform_mode(engine, DEFAULT_PLATFORM_ID) == "live"
    assert platform_mode(engine, "plat_s") == "sandbox"
    assert platform_mode(engine, "plat_missing") == "live"
    engine.dispose()


# -- registration and delivery through the service -------------------------------------------


class Recorder:
    def __init__(self, answer: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (lambda request: httpx.Response(204))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response: httpx.Response = self.answer(request)
        return response


def live(monkeypatch: Any) -> None:
    monkeypatch.setattr(webhooks_module, "platform_mode", lambda engine, platform_id: "live")


def test_registration_refuses_internal_urls(platform: WalletPlatform, monkeypatch: Any) -> None:
    hooks = platform.webhooks
    for url in ("http://10.0.0.1/h", "https://169.254.169.254/latest/meta-data"):
        with pytest.raises(WebhookUrlRefused):
            hooks.create_endpoint(S.WebhookEndpointCreate(url=url))
    hooks.resolver = answering("192.168.0.10")
    with pytest.raises(WebhookUrlRefused, match="private"):
        hooks.create_endpoint(S.WebhookEndpointCreate(url="https://intranet.example.com/h"))
    assert hooks.create_endpoint(S.WebhookEndpointCreate(url="http://127.0.0.1:9000/h")).id
    live(monkeypatch)
    with pytest.raises(WebhookUrlRefused, match="loopback"):
        hooks.create_endpoint(S.WebhookEndpointCreate(url="https://127.0.0.1:9000/h"))
    hooks.resolver = answering(PUBLIC_V4)
    with pytest.raises(WebhookUrlRefused, match="https"):
        hooks.create_endpoint(S.WebhookEndpointCreate(url="http://hooks.example.com/h"))
    assert hooks.create_endpoint(S.WebhookEndpointCreate(url="https://hooks.example.com/h")).id
    assert len(hooks.endpoints(limit=100).data) == 2


def test_delivery_checks_again_after_resolution(platform: WalletPlatform, monkeypatch: Any) -> None:
    live(monkeypatch)
    hooks = platform.webhooks
    hooks.resolver = answering(PUBLIC_V4)
    endpoint = hooks.create_endpoint(
        S.WebhookEndpointCreate(url="https://hooks.example.com/in", event_types=["customer.*"])
    )
    recorder = Recorder()
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    hooks.resolver = answering("10.0.0.7")  # the name now points inside (DNS rebinding)
    make_customer(platform, level="none")
    hooks.dispatch()
    assert hooks.deliver_due(client) == 1
    assert recorder.requests == []  # nothing was sent
    [delivery] = hooks.deliveries(endpoint.id).data
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert delivery.last_error is not None and delivery.last_error.startswith("not sent:")
    assert "private" in delivery.last_error


def test_delivery_connects_to_the_checked_address(
    platform: WalletPlatform, monkeypatch: Any
) -> None:
    live(monkeypatch)
    hooks = platform.webhooks
    hooks.resolver = answering(PUBLIC_V4)
    hooks.create_endpoint(
        S.WebhookEndpointCreate(url="https://hooks.example.com/in?v=2", event_types=["customer.*"])
    )
    recorder = Recorder()
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    make_customer(platform, level="none")
    hooks.dispatch()
    hooks.deliver_due(client)
    [request] = recorder.requests
    assert request.url.host == PUBLIC_V4 and request.url.path == "/in"
    assert request.url.query == b"v=2"
    assert request.headers["host"] == "hooks.example.com"
    assert request.extensions["sni_hostname"] == "hooks.example.com"


def test_delivery_errors_do_not_echo_the_remote(platform: WalletPlatform) -> None:
    hooks = platform.webhooks
    endpoint = hooks.create_endpoint(
        S.WebhookEndpointCreate(url="https://hooks.example.com/in", event_types=["customer.*"])
    )

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused by secret-db.internal:5432")

    make_customer(platform, level="none")
    hooks.dispatch()
    hooks.deliver_due(httpx.Client(transport=httpx.MockTransport(refuse)))
    [delivery] = hooks.deliveries(endpoint.id).data
    assert delivery.last_error == "unreachable: the endpoint could not be reached"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="stack trace of the internal service")

    hooks.replay(endpoint.id, hooks.events().data[0].id)
    hooks.deliver_due(httpx.Client(transport=httpx.MockTransport(answer)))
    errors = {d.last_error for d in hooks.deliveries(endpoint.id).data}
    assert "HTTP 500" in errors
    assert not any("internal" in (error or "") for error in errors)


@pytest.fixture
def api(coffer_db: coffer.Coffer, platform: WalletPlatform) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.server = SimpleNamespace(coffer=coffer_db, authority=FakeAuthority())
    app.state.wallets = platform
    app.include_router(router)
    with TestClient(app, headers={"Authorization": "Bearer wallets:read wallets:write"}) as client:
        yield client


def test_the_api_answers_400_with_a_clear_code(api: TestClient, platform: WalletPlatform) -> None:
    platform.webhooks.resolver = answering("169.254.169.254")
    response = api.post(
        "/api/wallets/v1/webhook_endpoints", json={"url": "https://metadata.example.com/"}
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "webhook_url_refused" and "link-local" in error["message"]
    assert api.get("/api/wallets/v1/webhook_endpoints").json()["data"] == []
