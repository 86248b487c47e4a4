"""Formance v2 endpoints of the server and its ledgers: info, list, create, metadata, stats."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse

import coffer
from coffer.api import schemas as S
from coffer.api.deps import ReadScope, WriteScope, filter_body, ledger_of, state
from coffer.api.ledger_filters import INVALID_CURSOR
from coffer.api.ledger_queries import decode_cursor, format_time, page_size
from coffer.api.routers.ledger.common import (
    Cursor,
    LedgerName,
    MetadataKey,
    PageSize,
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
    page_size_: PageSize = None,
    cursor: Cursor = None,
    _body: Any = Depends(filter_body),
    _principal: Any = ReadScope,
) -> Any:
    size = page_size(page_size_)
    after = None
    if cursor:
        state_ = decode_cursor(cursor)
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


@router.get(
    "/v2/{ledger}",
    response_model=S.LedgerResponse,
    operation_id="v2GetLedger",
)
def get_ledger(request: Request, ledger: LedgerName, _principal: Any = ReadScope) -> Any:
    return JSONResponse({"data": _ledger_json(state(request).coffer.ledger_info(ledger))})


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


@router.get(
    "/v2/{ledger}/_info",
    response_model=S.LedgerInfoResponse,
    operation_id="v2GetLedgerInfo",
)
def ledger_info(request: Request, ledger: LedgerName, _principal: Any = ReadScope) -> Any:
    info = state(request).coffer.ledger_info(ledger)
    migrations = [
        {"version": "0001_ledger", "name": "ledger", "state": "DONE"},
        {"version": "0002_api_clients", "name": "api clients", "state": "DONE"},
    ]
    return JSONResponse({"data": {"name": info.name, "storage": {"migrations": migrations}}})


@router.get(
    "/v2/{ledger}/stats",
    response_model=S.StatsResponse,
    operation_id="v2ReadStats",
)
def read_stats(request: Request, ledger: LedgerName, _principal: Any = ReadScope) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    accounts, transactions = state(request).queries.stats(ledger_id)
    return JSONResponse({"data": {"accounts": accounts, "transactions": transactions}})
