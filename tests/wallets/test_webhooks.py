from __future__ import annotations

import httpx
from standardwebhooks.webhooks import Webhook

from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as S
from coffer.wallets.repository import now_micros
from coffer.wallets.webhooks import RETRY_SCHEDULE_SECONDS, retry_delay
from wallets.helpers import make_customer


class Receiver:
    """A webhook receiver that verifies signatures and can be told to fail."""

    def __init__(self, secret: str) -> None:
        self.verifier = Webhook(secret)
        self.failures_left = 0
        self.received: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        payload = self.verifier.verify(request.content, dict(request.headers))
        if self.failures_left:
            self.failures_left -= 1
            return httpx.Response(500)
        self.received.append({"webhook_id": request.headers["webhook-id"], **payload})
        return httpx.Response(204)


def test_backoff_covers_three_days() -> None:
    assert sum(RETRY_SCHEDULE_SECONDS) >= 3 * 24 * 3600
    assert retry_delay(len(RETRY_SCHEDULE_SECONDS) + 1) is None
    delays = [retry_delay(n, jitter=0) for n in range(1, len(RETRY_SCHEDULE_SECONDS) + 1)]
    assert delays == sorted(delays)


def test_signed_delivery_retry_and_replay(platform: WalletPlatform) -> None:
    endpoint = platform.webhooks.create_endpoint(
        S.WebhookEndpointCreate(url="https://hooks.example/coffer", event_types=["customer.*"])
    )
    assert endpoint.secret and endpoint.secret.startswith("whsec_")
    assert platform.webhooks.endpoint(endpoint.id).secret is None
    receiver = Receiver(endpoint.secret)
    client = httpx.Client(transport=httpx.MockTransport(receiver))
    receiver.failures_left = 1
    customer = make_customer(platform, level="light")
    platform.webhooks.dispatch()
    assert platform.webhooks.deliver_due(client) == 2  # created, kyc_level_changed
    assert len(receiver.received) == 1
    # the failed one waits for its backoff
    assert platform.webhooks.deliver_due(client) == 0
    later = now_micros() + 10 * 1_000_000
    assert platform.webhooks.deliver_due(client, now_micros=later) == 1
    types = sorted(str(r["type"]) for r in receiver.received)
    assert types == ["customer.created", "customer.kyc_level_changed"]
    created = next(r for r in receiver.received if r["type"] == "customer.created")
    obj = created["data"]["object"]
    assert (obj["object"], obj["id"], obj["kind"], obj["kyc_level"]) == (
        "customer",
        customer.id,
        "natural",
        "none",
    )
    assert "name" not in obj and "email" not in obj  # personal data stays encrypted
    assert created["webhook_id"] == created["id"]
    # replay: the same webhook-id again
    delivery = platform.webhooks.replay(endpoint.id, str(created["id"]))
    platform.webhooks.deliver_due(client)
    assert platform.webhooks.delivery(delivery.id).status == "succeeded"
    assert [r["webhook_id"] for r in receiver.received].count(created["id"]) == 2
    listed = platform.webhooks.events(types=["customer.created"])
    assert [e.id for e in listed.data] == [created["id"]]
    deliveries = platform.webhooks.deliveries(endpoint.id, limit=10)
    assert len(deliveries.data) == 3


def test_gives_up_after_the_schedule(platform: WalletPlatform) -> None:
    endpoint = platform.webhooks.create_endpoint(
        S.WebhookEndpointCreate(url="https://hooks.example/down")
    )
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    make_customer(platform, level="none")
    platform.webhooks.dispatch()
    moment = now_micros()
    for _ in range(20):
        platform.webhooks.deliver_due(client, now_micros=moment)
        moment += 2 * 24 * 3600 * 1_000_000
    [delivery] = platform.webhooks.deliveries(endpoint.id).data
    assert delivery.status == "failed"
    assert delivery.attempts == len(RETRY_SCHEDULE_SECONDS) + 1
    assert delivery.last_status_code == 503
