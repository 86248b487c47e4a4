"""``GET /api/admin/v1/audit``: the audit log, newest first (scope ``admin``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Security
from fastapi.security import SecurityScopes

from coffer.errors import Forbidden
from coffer.identity.audit import schemas as S
from coffer.identity.audit.service import list_entries
from coffer.platforms import DEFAULT_PLATFORM_ID, bind_caller, platform_id_of

PREFIX = "/api/admin/v1"
router = APIRouter(prefix=PREFIX, tags=["admin"])


async def authorize(request: Request, scopes: SecurityScopes) -> Any:
    authority = request.app.state.server.authority
    principal = authority.authorize(request.headers.get("authorization"), scopes.scopes[0])
    bind_caller(request, principal)
    return principal


Admin = Security(authorize, scopes=["admin"])


@router.get(
    "/audit",
    response_model=S.AuditPage,
    operation_id="listAuditEntries",
    dependencies=[Admin],
    responses={
        400: {"description": "Invalid parameters"},
        401: {"description": "Missing or invalid token"},
        403: {"description": "No admin scope"},
    },
)
async def list_audit(
    request: Request,
    action: Annotated[
        str | None, Query(max_length=64, description="Exact action, or a prefix ending in *")
    ] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[datetime | None, Query(description="Entries at or after (RFC 3339)")] = None,
    until: Annotated[datetime | None, Query(description="Entries before (RFC 3339)")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{1,18}$", description="The next_cursor of the previous page"),
    ] = None,
) -> Any:
    """Administrative and security-relevant actions, newest first, with cursor paging.

    The audit log is the operator's (it spans every platform): only admin clients of the
    default platform read it; clients of other platforms get 403."""
    if platform_id_of(request) != DEFAULT_PLATFORM_ID:
        raise Forbidden(
            "the audit log spans every platform: read it with an admin client of the default"
            " platform, or `coffer audit`"
        )
    engine = request.app.state.server.coffer.engine
    before = None if cursor is None else int(cursor)
    entries = await anyio.to_thread.run_sync(
        lambda: list_entries(
            engine,
            before_seq=before,
            action=action,
            actor=actor,
            since=since,
            until=until,
            limit=limit + 1,
        )
    )
    more = len(entries) > limit
    page = entries[:limit]
    return {
        "data": [entry.to_json() for entry in page],
        "has_more": more,
        "next_cursor": str(page[-1].seq) if more and page else None,
    }
