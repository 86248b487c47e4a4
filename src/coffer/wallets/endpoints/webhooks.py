"""Events and webhook endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from coffer.platforms import platform_id_of
from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import After, Caller, IdempotencyKey, Limit, Platform, Routes

api = Routes()


@api.read.get("/events", responses=api.errors(400))
def list_events(
    p: Platform,
    type: Annotated[list[str] | None, Query()] = None,
    limit: Limit = 10,
    starting_after: After = None,
) -> S.ListPage[S.Event]:
    return p.webhooks.events(types=type, limit=limit, starting_after=starting_after)


@api.read.get("/events/{event_id}", responses=api.errors(404))
def get_event(event_id: str, p: Platform) -> S.Event:
    return p.webhooks.event(event_id)


@api.write.post("/webhook_endpoints", status_code=201, responses=api.errors(400, 409))
@api.action("webhook_endpoint")
def create_webhook_endpoint(
    request: Request,
    body: S.WebhookEndpointCreate,
    p: Platform,
    caller: Caller,
    key: IdempotencyKey = None,
) -> S.WebhookEndpoint:
    platform_id = platform_id_of(request)
    return p.webhooks.create_endpoint(body, platform_id=platform_id, actor=caller)


@api.read.get("/webhook_endpoints", responses=api.errors())
def list_webhook_endpoints(
    p: Platform, limit: Limit = 10, starting_after: After = None
) -> S.ListPage[S.WebhookEndpoint]:
    return p.webhooks.endpoints(limit=limit, starting_after=starting_after)


@api.read.get("/webhook_endpoints/{endpoint_id}/deliveries", responses=api.errors(404))
def list_deliveries(
    endpoint_id: str, p: Platform, limit: Limit = 10, starting_after: After = None
) -> S.ListPage[S.WebhookDelivery]:
    return p.webhooks.deliveries(endpoint_id, limit=limit, starting_after=starting_after)


@api.write.post(
    "/webhook_endpoints/{endpoint_id}/events/{event_id}/replay",
    status_code=201,
    responses=api.errors(404, 409),
)
@api.action("event_replay", "endpoint_id", "event_id")
def replay_event(
    endpoint_id: str, event_id: str, p: Platform, key: IdempotencyKey = None
) -> S.WebhookDelivery:
    return p.webhooks.replay(endpoint_id, event_id)


@api.write.post("/webhook_endpoints/{endpoint_id}/disable", responses=api.errors(404, 409))
@api.action("webhook_endpoint_disable", "endpoint_id")
def disable_webhook_endpoint(
    endpoint_id: str, p: Platform, caller: Caller, key: IdempotencyKey = None
) -> S.WebhookEndpoint:
    return p.webhooks.disable_endpoint(endpoint_id, actor=caller)
