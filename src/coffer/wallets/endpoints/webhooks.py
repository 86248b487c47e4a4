"""Events and webhook endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from coffer.platforms import platform_id_of
from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import (
    AUTH,
    After,
    Caller,
    IdempotencyKey,
    Limit,
    Platform,
    once,
    routers,
)
from coffer.wallets.http_errors import errors

read, write, public = routers()


@read.get("/events", responses=errors(*AUTH, 400))
def list_events(
    p: Platform,
    type: Annotated[list[str] | None, Query()] = None,
    limit: Limit = 10,
    starting_after: After = None,
) -> S.ListPage[S.Event]:
    return p.webhooks.events(types=type, limit=limit, starting_after=starting_after)


@read.get("/events/{event_id}", responses=errors(*AUTH, 404))
def get_event(event_id: str, p: Platform) -> S.Event:
    return p.webhooks.event(event_id)


@write.post("/webhook_endpoints", status_code=201, responses=errors(*AUTH, 400, 409))
def create_webhook_endpoint(
    request: Request,
    body: S.WebhookEndpointCreate,
    p: Platform,
    caller: Caller,
    key: IdempotencyKey = None,
) -> S.WebhookEndpoint:
    platform_id = platform_id_of(request)
    return once(
        p,
        key,
        "webhook_endpoint",
        body.model_dump(mode="json"),
        lambda: p.webhooks.create_endpoint(body, platform_id=platform_id, actor=caller),
        S.WebhookEndpoint,
    )


@read.get("/webhook_endpoints", responses=errors(*AUTH))
def list_webhook_endpoints(
    p: Platform, limit: Limit = 10, starting_after: After = None
) -> S.ListPage[S.WebhookEndpoint]:
    return p.webhooks.endpoints(limit=limit, starting_after=starting_after)


@read.get("/webhook_endpoints/{endpoint_id}/deliveries", responses=errors(*AUTH, 404))
def list_deliveries(
    endpoint_id: str, p: Platform, limit: Limit = 10, starting_after: After = None
) -> S.ListPage[S.WebhookDelivery]:
    return p.webhooks.deliveries(endpoint_id, limit=limit, starting_after=starting_after)


@write.post(
    "/webhook_endpoints/{endpoint_id}/events/{event_id}/replay",
    status_code=201,
    responses=errors(*AUTH, 404, 409),
)
def replay_event(
    endpoint_id: str, event_id: str, p: Platform, key: IdempotencyKey = None
) -> S.WebhookDelivery:
    return once(
        p,
        key,
        "event_replay",
        {"endpoint_id": endpoint_id, "event_id": event_id},
        lambda: p.webhooks.replay(endpoint_id, event_id),
        S.WebhookDelivery,
        endpoint_id,
    )


@write.post("/webhook_endpoints/{endpoint_id}/disable", responses=errors(*AUTH, 404, 409))
def disable_webhook_endpoint(
    endpoint_id: str, p: Platform, caller: Caller, key: IdempotencyKey = None
) -> S.WebhookEndpoint:
    return once(
        p,
        key,
        "webhook_endpoint_disable",
        {"endpoint_id": endpoint_id},
        lambda: p.webhooks.disable_endpoint(endpoint_id, actor=caller),
        S.WebhookEndpoint,
        endpoint_id,
    )
