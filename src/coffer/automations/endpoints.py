"""The automations HTTP API, under ``/api/automations/v1``.

Scopes: ``automations:read`` to read, ``automations:write`` for the rest. Errors answer
the wallets API's typed error object. The inbound
webhook route (``POST /hooks/{automation_id}``) takes no token: its Standard Webhooks
signature, made with the automation's secret, is the credential.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request, Security
from fastapi.security import SecurityScopes

from coffer.automations import schemas as S
from coffer.automations.service import AutomationsPlatform, open_automations
from coffer.platforms import bind_caller, platform_id_of
from coffer.wallets.http_errors import WalletRoute, errors

PREFIX = "/api/automations/v1"
_lock = threading.Lock()
T = TypeVar("T")


async def authorize(request: Request, scopes: SecurityScopes) -> Any:
    """Check the token's scope and bind the caller's platform to the request: every
    route reads it (platform_id_of), so another platform's automations answer 404."""
    authority = request.app.state.server.authority
    principal = authority.authorize(request.headers.get("authorization"), scopes.scopes[0])
    bind_caller(request, principal)
    return principal


Read = Security(authorize, scopes=["automations:read"])
Write = Security(authorize, scopes=["automations:write"])


def built_once(app: Any, name: str, lock: threading.Lock, build: Callable[[], T]) -> T:
    """``app.state.<name>``, built by ``build`` on first use (under ``lock``: once)."""
    existing: T | None = getattr(app.state, name, None)
    if existing is not None:
        return existing
    with lock:
        existing = getattr(app.state, name, None)
        if existing is None:
            existing = build()
            setattr(app.state, name, existing)
    return existing


def automations_for(app: Any) -> AutomationsPlatform:
    """The automations of a FastAPI app (``app.state.automations``), built on first use."""

    def build() -> AutomationsPlatform:
        from coffer.wallets.endpoints import platform_for

        return open_automations(
            platform_for(app), wallets_of=lambda platform_id: platform_for(app, platform_id)
        )

    return built_once(app, "automations", _lock, build)


def automations_of(request: Request) -> AutomationsPlatform:
    return automations_for(request.app)


Automations = Annotated[AutomationsPlatform, Depends(automations_of)]
Limit = Annotated[int, Query(ge=1, le=100)]
After = Annotated[str | None, Query(max_length=40)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


def paging(limit: Limit = 20, starting_after: After = None) -> dict[str, Any]:
    """The cursor of a list route: how many at most, and after which id (newest first)."""
    return {"limit": limit, "starting_after": starting_after}


# a list route's ``limit`` and ``starting_after``, passed on as the service's keywords
Paging = Annotated[dict[str, Any], Depends(paging)]

# errors in the wallets API's typed shape: {"error": {"type", "code", "message", ...}}
# every route may answer: a refused value (400), no or a bad token (401), a missing scope
# (403), an id of nothing the caller's platform has (404), a state that does not allow it
# (409), a malformed request (422)
ANSWERS = errors(400, 401, 403, 404, 409, 422)
router = APIRouter(prefix=PREFIX, tags=["automations"], route_class=WalletRoute)


def scoped_routers() -> tuple[APIRouter, APIRouter]:
    """A module's routers of read routes and of write routes: each checks its scope
    (``automations:read``, ``automations:write``) and documents the typed errors."""
    return (
        APIRouter(dependencies=[Read], route_class=WalletRoute, responses=ANSWERS),
        APIRouter(dependencies=[Write], route_class=WalletRoute, responses=ANSWERS),
    )


read, write = scoped_routers()
public = APIRouter(route_class=WalletRoute, responses=ANSWERS)


# -- automations --------------------------------------------------------------------------


@write.post("/automations", status_code=201)
def create_automation(
    body: S.AutomationCreate, request: Request, automations: Automations
) -> S.Automation:
    """Create an automation (version 1). The answer shows its secret once."""
    return automations.create(platform_id_of(request), body)


@read.get("/automations")
def list_automations(
    request: Request,
    automations: Automations,
    paging: Paging,
    status: Literal["active", "paused", "archived"] | None = None,
    owner_customer_id: str | None = None,
) -> S.ListPage[S.Automation]:
    return automations.automations(
        platform_id_of(request), status=status, owner_customer_id=owner_customer_id, **paging
    )


@read.get("/automations/{automation_id}")
def get_automation(automation_id: str, request: Request, automations: Automations) -> S.Automation:
    return automations.automation(platform_id_of(request), automation_id)


@write.post("/automations/{automation_id}")
def update_automation(
    automation_id: str, body: S.AutomationUpdate, request: Request, automations: Automations
) -> S.Automation:
    """Edit: a new definition becomes a new version; running runs keep theirs."""
    return automations.update(platform_id_of(request), automation_id, body)


@read.get("/automations/{automation_id}/versions")
def list_versions(
    automation_id: str, request: Request, automations: Automations
) -> list[S.AutomationVersion]:
    return automations.versions(platform_id_of(request), automation_id)


def _status_route(action: str, status: str) -> None:
    @write.post(f"/automations/{{automation_id}}/{action}", name=f"{action}_automation")
    def change(automation_id: str, request: Request, automations: Automations) -> S.Automation:
        return automations.set_status(platform_id_of(request), automation_id, status)

    change.__doc__ = f"{action.capitalize()} the automation."


for _action, _status in (("pause", "paused"), ("resume", "active"), ("archive", "archived")):
    _status_route(_action, _status)


@write.post("/automations/{automation_id}/runs", status_code=201)
def start_run(
    automation_id: str,
    body: S.RunCreate,
    request: Request,
    automations: Automations,
    idempotency_key: IdempotencyKey = None,
) -> S.Run:
    """Run it now with ``inputs`` (manual trigger); the same Idempotency-Key gives the
    same run."""
    return automations.start_run(
        platform_id_of(request), automation_id, body.inputs, idempotency_key=idempotency_key
    )


# -- runs ---------------------------------------------------------------------------------


@read.get("/runs")
def list_runs(
    request: Request,
    automations: Automations,
    paging: Paging,
    automation_id: str | None = None,
    status: str | None = None,
    customer_id: str | None = Query(
        default=None, description="Runs this customer is a party to (owner, escrow parties)"
    ),
) -> S.ListPage[S.Run]:
    return automations.runs(
        platform_id_of(request),
        automation_id=automation_id,
        status=status,
        customer_id=customer_id,
        **paging,
    )


@read.get("/runs/{run_id}")
def get_run(run_id: str, request: Request, automations: Automations) -> S.Run:
    """A run with its step history."""
    return automations.run(platform_id_of(request), run_id)


@write.post("/runs/{run_id}/cancel")
def cancel_run(run_id: str, request: Request, automations: Automations) -> S.Run:
    return automations.cancel_run(platform_id_of(request), run_id)


@write.post("/runs/{run_id}/retry")
def retry_run(run_id: str, request: Request, automations: Automations) -> S.Run:
    """Run a failed run again from its failed step."""
    return automations.retry_run(platform_id_of(request), run_id)


# -- approvals ----------------------------------------------------------------------------


@read.get("/approvals")
def list_approvals(
    request: Request,
    automations: Automations,
    paging: Paging,
    status: S.ApprovalStatus | None = "pending",
    run_id: str | None = None,
) -> S.ListPage[S.Approval]:
    return automations.approvals(platform_id_of(request), status=status, run_id=run_id, **paging)


@write.post("/approvals/{approval_id}/decisions")
def decide(
    approval_id: str, body: S.ApprovalDecision, request: Request, automations: Automations
) -> S.Approval:
    """Approve or reject; the run goes on at once when the approval is decided."""
    return automations.decide(platform_id_of(request), approval_id, body)


# -- events and inbound webhooks ----------------------------------------------------------


@write.post("/events", status_code=201)
def publish_event(
    body: S.EventCreate, request: Request, automations: Automations
) -> S.EventPublished:
    """Publish an event of the platform's own (order.delivered, order.cancelled, ...)."""
    return automations.publish_event(platform_id_of(request), body)


@public.post(
    "/hooks/{automation_id}",
    status_code=202,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "description": "The trigger's data."}
                }
            },
        }
    },
)
async def webhook_in(automation_id: str, request: Request) -> S.Run:
    """Start a webhook-triggered run: the body is the trigger's data; sign it per Standard
    Webhooks (webhook-id, webhook-timestamp, webhook-signature) with the automation's
    secret. A retry with the same webhook-id answers the same run."""
    body = await request.body()
    automations = automations_for(request.app)
    headers = {key.lower(): value for key, value in request.headers.items()}
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(automations.webhook_in, automation_id, headers, body)


router.include_router(read)
router.include_router(write)
router.include_router(public)
