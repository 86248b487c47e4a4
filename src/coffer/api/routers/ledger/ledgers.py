"""Formance v2 endpoints of the server and its ledgers: info, list, create, metadata, stats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

import coffer
from coffer.api import schemas as S
from coffer.api.deps import ReadScope, WriteScope, ledger_of, state
from coffer.api.ledger_filters import INVALID_CURSOR
from coffer.api.ledger_queries import decode_cursor, format_time, page_size
from coffer.api.routers.ledger.common import (
    LedgerName,
    MetadataKey,
    Paging,
    _no_content,
    cursor_page,
    filtered_get,
    router,
)
from coffer.errors import Conflict, ValidationError
from coffer.platforms import platform_id_of


@router.get("/_/info", response_model=S.ServerInfo, operation_id="v2GetInfo")
async def server_info(_principal: Any = ReadScope) -> Any:
    return JSONResponse({"server": "coffer", "version": coffer.__version__})


def _ledger_json(info: Any) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.name,
        "addedAt": format_time(info.created_at),
        "bucket": info.bucket,
        "metadata": info.metadata,
        "features": info.features,
    }


@filtered_get("/v2", S.LedgersCursorResponse, "v2ListLedgers")
def list_ledgers(
    request: Request,
    paging: Paging,
    _principal: Any = ReadScope,
) -> Any:
    size = paging.size
    after = None
    if paging.cursor:
        state_ = decode_cursor(paging.cursor)
        after, size = state_.get("after"), page_size(state_.get("size", size))
        if not isinstance(after, str):
            raise ValidationError(INVALID_CURSOR)
    infos = state(request).coffer.ledgers(
        after=after, page_size=size + 1, platform_id=platform_id_of(request)
    )
    has_more = len(infos) > size
    infos = infos[:size]
    data = [_ledger_json(info) for info in infos]
    return cursor_page(
        size, has_more, data, {"after": infos[-1].name if infos else None, "size": size}
    )


@router.post("/v2/{ledger}", status_code=204, operation_id="v2CreateLedger")
def create_ledger(
    request: Request,
    ledger: LedgerName,
    body: S.CreateLedgerRequest | None = None,
    _principal: Any = WriteScope,
) -> Response:
    body = body or S.CreateLedgerRequest()
    try:
        state(request).coffer.create_ledger(
            ledger,
            metadata=body.metadata or {},
            features=body.features or {},
            platform_id=platform_id_of(request),
        )
    except Conflict:
        return JSONResponse(
            {
                "errorCode": "LEDGER_ALREADY_EXISTS",
                "errorMessage": f"ledger {ledger!r} already exists",
            },
            400,
        )
    return _no_content()


def _add_read_route(
    path: str,
    names: tuple[str, str],
    response_model: type[Any],
    read: Callable[[Request, str], dict[str, Any]],
) -> None:
    """Register ``GET {path}`` of the ledger (a ledger:read): ``{"data": read(request,
    ledger's name)}``. ``names`` are the endpoint's name and operation id."""

    def read_ledger(request: Request, ledger: LedgerName, _principal: Any = ReadScope) -> Any:
        return JSONResponse({"data": read(request, ledger)})

    name, operation_id = names
    router.get(path, name=name, response_model=response_model, operation_id=operation_id)(
        read_ledger
    )


_add_read_route(
    "/v2/{ledger}",
    ("get_ledger", "v2GetLedger"),
    S.LedgerResponse,
    lambda request, ledger: _ledger_json(state(request).coffer.ledger_info(ledger)),
)


@router.put(
    "/v2/{ledger}/metadata",
    status_code=204,
    operation_id="v2UpdateLedgerMetadata",
)
def update_ledger_metadata(
    request: Request, ledger: LedgerName, body: dict[str, str], _principal: Any = WriteScope
) -> Response:
    state(request).coffer.set_ledger_metadata(ledger, body)
    return _no_content()


@router.delete(
    "/v2/{ledger}/metadata/{key}",
    status_code=204,
    operation_id="v2DeleteLedgerMetadata",
)
def delete_ledger_metadata(
    request: Request, ledger: LedgerName, key: MetadataKey, _principal: Any = WriteScope
) -> Response:
    state(request).coffer.delete_ledger_metadata(ledger, key)
    return _no_content()


def _ledger_info(request: Request, ledger: str) -> dict[str, Any]:
    info = state(request).coffer.ledger_info(ledger)
    migrations = [
        {"version": "0001_ledger", "name": "ledger", "state": "DONE"},
        {"version": "0002_api_clients", "name": "api clients", "state": "DONE"},
    ]
    return {"name": info.name, "storage": {"migrations": migrations}}


def _stats(request: Request, ledger: str) -> dict[str, Any]:
    accounts, transactions = state(request).queries.stats(ledger_of(request, ledger).ledger_id)
    return {"accounts": accounts, "transactions": transactions}


_add_read_route(
    "/v2/{ledger}/_info", ("ledger_info", "v2GetLedgerInfo"), S.LedgerInfoResponse, _ledger_info
)
_add_read_route("/v2/{ledger}/stats", ("read_stats", "v2ReadStats"), S.StatsResponse, _stats)
