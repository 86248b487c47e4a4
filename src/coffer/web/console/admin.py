"""Console pages for admins: API clients (create, disable, enable, rotate the secret),
operators (create, change role, disable, enable), and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Form, Query, Request
from starlette.responses import Response

from coffer.api import clients as api_clients
from coffer.api.repository import ClientRow
from coffer.db.engine import for_writes
from coffer.errors import ClientNotFound, CofferError
from coffer.identity.audit import list_entries
from coffer.identity.operators import service as operators
from coffer.identity.operators.roles import ROLES
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.web.console.deps import PREFIX, ConsoleContext, console_context, console_router
from coffer.web.console.views import page, redirect
from coffer.web.pages import client_address

router = console_router()
AUDIT_PAGE_SIZE = 50
ClientId = Annotated[str, Form(max_length=40, pattern=r"^cl_[0-9a-f]+$")]


def _own_client(ctx: ConsoleContext, client_id: str) -> ClientRow:
    row = api_clients.get_client(ctx.state.engine, client_id)
    if row.platform_id != ctx.operator.platform_id:
        raise ClientNotFound(f"no client {client_id!r}")
    return row


def _clients_page(ctx: ConsoleContext, **extra: Any) -> Response:
    rows = [
        r
        for r in api_clients.list_clients(ctx.state.engine)
        if r.platform_id == ctx.operator.platform_id
    ]
    return page(
        ctx,
        "console/clients.html",
        {"clients": rows, "scopes": api_clients.DEFAULT_SCOPES, **extra},
        title="API clients",
        active="/console/clients",
    )


@router.get("/clients")
def clients(
    ctx: Annotated[ConsoleContext, Depends(console_context("clients.read"))],
) -> Response:
    return _clients_page(ctx)


Manager = Annotated[ConsoleContext, Depends(console_context("clients.manage"))]


@router.post("/clients")
async def create_client(request: Request, ctx: Manager) -> Response:
    form = await request.form()
    name = str(form.get("name") or "").strip()[:200]
    scopes = tuple(str(s) for s in form.getlist("scopes") if str(s) in api_clients.DEFAULT_SCOPES)

    def run() -> Response:
        try:
            credentials = api_clients.create_client(
                ctx.state.engine,
                name,
                scopes or ("ledger:read",),
                actor=ctx.actor,
                address=client_address(request),
                platform_id=ctx.operator.platform_id,
            )
        except CofferError as exc:
            return _clients_page(ctx, error=exc.message)
        return _clients_page(ctx, credentials=credentials)

    return await anyio.to_thread.run_sync(run)


@router.post("/clients/disable")
def disable_client(
    request: Request,
    ctx: Manager,
    client_id: ClientId,
    disabled: Annotated[str, Form(pattern="^(yes|no)$")],
) -> Response:
    _own_client(ctx, client_id)
    api_clients.set_disabled(
        ctx.state.engine,
        client_id,
        disabled == "yes",
        actor=ctx.actor,
        address=client_address(request),
    )
    return redirect(f"{PREFIX}/clients")


@router.post("/clients/rotate")
def rotate_client(request: Request, ctx: Manager, client_id: ClientId) -> Response:
    _own_client(ctx, client_id)
    credentials = api_clients.rotate_secret(
        ctx.state.engine, client_id, actor=ctx.actor, address=client_address(request)
    )
    return _clients_page(ctx, credentials=credentials)


# -- operators --


def _operators_page(ctx: ConsoleContext, **extra: Any) -> Response:
    with ctx.state.engine.connect() as connection:
        rows = operators.list_operators(connection, ctx.operator.platform_id)
    return page(
        ctx,
        "console/operators.html",
        {"operators": rows, "roles": ROLES, **extra},
        title="Operators",
        active="/console/operators",
    )


@router.get("/operators")
def operators_list(
    ctx: Annotated[ConsoleContext, Depends(console_context("operators.read"))],
) -> Response:
    return _operators_page(ctx)


OperatorAdmin = Annotated[ConsoleContext, Depends(console_context("operators.manage"))]


@router.post("/operators")
async def operators_create(
    ctx: OperatorAdmin,
    email: Annotated[str, Form(max_length=254)],
    role: Annotated[str, Form(max_length=16)],
) -> Response:
    settings = ctx.state.settings

    def run() -> Response:
        try:
            with for_writes(ctx.state.engine).begin() as connection:
                created, password = operators.create_operator(
                    connection,
                    email=email,
                    role=role,
                    platform_id=ctx.operator.platform_id,
                    min_length=settings.password_min_length,
                    min_score=settings.password_min_score,
                    actor=ctx.actor,
                )
        except CofferError as exc:
            return _operators_page(ctx, error=exc.message)
        return _operators_page(ctx, created=created, password=password)

    return await anyio.to_thread.run_sync(run)


@router.post("/operators/change")
def operators_change(
    ctx: OperatorAdmin,
    operator_id: Annotated[str, Form(max_length=40, pattern=r"^op_[0-9a-f]+$")],
    role: Annotated[str, Form(max_length=16)] = "",
    status: Annotated[str, Form(pattern="^(|active|disabled)$")] = "",
) -> Response:
    if operator_id == ctx.operator.id:
        return _operators_page(
            ctx, error="You cannot change your own role or status; ask another admin."
        )
    platform_id = ctx.operator.platform_id
    with for_writes(ctx.state.engine).begin() as connection:
        operators.get_operator(connection, platform_id, operator_id)  # 404 across platforms
        if role:
            operators.set_role(connection, platform_id, operator_id, role, actor=ctx.actor)
        if status:
            operators.set_status(connection, platform_id, operator_id, status, actor=ctx.actor)
        if status == "disabled":
            ctx.state.sessions.revoke_all(connection, operator_id)
    return _operators_page(ctx, changed=operator_id)


# -- audit log --


@router.get("/audit")
def audit(
    ctx: Annotated[ConsoleContext, Depends(console_context("audit.read"))],
    action: Annotated[str, Query(max_length=64, pattern=r"^[a-z_.*]*$")] = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The audit log, newest first. The default platform's operators see every entry (as
    its admin clients do through the API); another platform's see the entries of their
    operators and API clients."""
    engine = ctx.state.engine
    platform_id = ctx.operator.platform_id
    actors: list[str] | None = None
    if platform_id != DEFAULT_PLATFORM_ID:
        with engine.connect() as connection:
            actors = operators.operator_ids(connection, platform_id)
        actors += [c.id for c in api_clients.list_clients(engine) if c.platform_id == platform_id]
    entries = list_entries(
        engine,
        before_seq=before,
        action=action or None,
        actors=actors,
        limit=AUDIT_PAGE_SIZE + 1,
    )
    more = len(entries) > AUDIT_PAGE_SIZE
    entries = entries[:AUDIT_PAGE_SIZE]
    return page(
        ctx,
        "console/audit.html",
        {
            "trail": entries,
            "action": action,
            "next_before": entries[-1].seq if more and entries else None,
        },
        title="Audit log",
        active="/console/audit",
    )
