"""Recorded Stripe responses, replayed through the official SDK's pluggable HTTP client.

The fixtures in ``fixtures/stripe/`` follow the shapes of Stripe's API reference
(PaymentIntent, Refund, Event, error objects). :class:`Replay` serves them in order
(``StripeClient(http_client=Replay(...))``) and asserts the method, path, form parameters
and ``Idempotency-Key`` of every request the adapter sends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"


@dataclass
class Exchange:
    """One recorded request/response: what the adapter must send, what Stripe answered."""

    method: str
    path: str
    fixture: str
    status: int = 200
    params: dict[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None


class Replay(stripe.HTTPClient):
    """Serves recorded responses in order; fails the test on any unexpected request."""

    name = "replay"

    def __init__(self, *exchanges: Exchange) -> None:
        super().__init__()
        self.exchanges = list(exchanges)
        self.seen: list[tuple[str, str, dict[str, str]]] = []

    def request(
        self,
        method: str,
        url: str,
        headers: Any,
        post_data: Any = None,
        *,
        _usage: Any = None,
    ) -> tuple[str, int, dict[str, str]]:
        assert self.exchanges, f"unexpected request {method.upper()} {url}"
        expected = self.exchanges.pop(0)
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc == "api.stripe.com"
        sent = dict(parse_qsl(parts.query))
        if post_data:
            body = post_data.decode() if isinstance(post_data, bytes) else str(post_data)
            sent.update(parse_qsl(body))
        self.seen.append((method.upper(), parts.path, sent))
        assert method.upper() == expected.method, (method, expected)
        assert parts.path == expected.path, (parts.path, expected.path)
        for name, value in expected.params.items():
            assert sent.get(name) == value, f"{name}: sent {sent.get(name)!r}, want {value!r}"
        assert headers["Authorization"] == "Bearer sk_test_coffer"
        if expected.idempotency_key is not None:
            assert headers.get("Idempotency-Key") == expected.idempotency_key
        else:
            assert "Idempotency-Key" not in headers or method.lower() != "get"
        text = (FIXTURES / expected.fixture).read_text()
        json.loads(text)  # the fixture is valid JSON
        return text, expected.status, {"Request-Id": "req_replayed0001"}

    def close(self) -> None:
        pass

    def done(self) -> None:
        assert not self.exchanges, f"requests never sent: {self.exchanges}"
