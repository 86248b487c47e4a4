"""A webhook step's outbound POST, signed per Standard Webhooks with the automation's secret
(the egress policy's checked address used as the connection target).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from coffer.errors import CofferError
from coffer.wallets.egress import Target, signed_headers


def json_body(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str).encode()


def post_webhook(
    client: httpx.Client,
    url: str,
    body: Any,
    *,
    message_id: str,
    secret: str,
    timeout_seconds: float,
    target: Target | None = None,
) -> dict[str, Any]:
    """POST a step's webhook, signed per Standard Webhooks with the automation's secret;
    the same ``webhook-id`` on every retry so the receiver can deduplicate. ``target``: the
    address the egress policy checked (coffer.wallets.egress), connected to with the URL's
    own host as Host header and TLS server name, so DNS cannot be rebound in between."""
    payload = json_body(body)
    headers = signed_headers(secret, message_id, payload, "Coffer-Automations/1")
    try:
        if target is None:
            response = client.post(url, content=payload, headers=headers, timeout=timeout_seconds)
        else:
            response = target.post(client, payload, headers, timeout_seconds)
    except httpx.HTTPError as error:
        # the remote's own text is not echoed (it could map a private network)
        raise WebhookFailed(f"webhook to {url} failed: {type(error).__name__}") from error
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"webhook to {url} answered HTTP {response.status_code}")
    return {"status_code": response.status_code, "webhook_id": message_id}


class WebhookFailed(CofferError, code="webhook_failed", status=502, formance_code="INTERNAL"):
    """A webhook step's receiver did not answer 2xx (retried per the step's policy)."""

    hint = "Check the receiver; the step is retried with the same webhook-id."
