"""Formance v2 endpoints of accounts, aggregated balances and volumes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse

from coffer.api import schemas as S
from coffer.api.deps import (
    ReadScope,
    asset_volumes_json,
    expand_set,
    filter_body,
    ledger_of,
    state,
)
from coffer.api.ledger_queries import Queries, format_micros, page_size
from coffer.api.routers.ledger.common import (
    Address,
    Expand,
    LedgerName,
    Paging,
    Pit,
    _micros,
    add_count_route,
    add_get_route,
    add_metadata_routes,
    cursor_fields,
    cursor_page,
    filtered_get,
    optional_int,
)
from coffer.ledger import Ledger


def _account_json(
    request: Request, ledger_id: int, rows: list[dict[str, Any]], expand: set[str], pit: int | None
) -> list[dict[str, Any]]:
    queries = state(request).queries
    addresses = [row["address"] for row in rows]
    volumes = (
        queries.account_volumes(ledger_id, addresses, pit)
        if expand & {"volumes", "effectiveVolumes"}
        else {}
    )
    out = []
    for row in rows:
        item: dict[str, Any] = {
            "address": row["address"],
            "metadata": row["metadata"],
            "firstUsage": format_micros(row["first_usage"]),
            "insertionDate": format_micros(row["inserted_at"]),
            "updatedAt": format_micros(row["updated_at"]),
        }
        if "volumes" in expand:
            item["volumes"] = asset_volumes_json(volumes.get(row["address"], {}))
        if "effectiveVolumes" in expand:
            item["effectiveVolumes"] = asset_volumes_json(volumes.get(row["address"], {}))
        out.append(item)
    return out


@filtered_get("/v2/{ledger}/accounts", S.AccountsCursorResponse, "v2ListAccounts")
def list_accounts(
    request: Request,
    ledger: LedgerName,
    paging: Paging,
    pit: Pit = None,
    expand: Expand = None,
    _principal: Any = ReadScope,
) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    st = paging.filtered_state(
        pit=_micros(pit), size=paging.size, after=None, x=sorted(expand_set(expand))
    )
    with cursor_fields():
        size = page_size(int(st["size"]))
        pit_micros = optional_int(st, "pit")
        after = st.get("after")
        if after is not None and not isinstance(after, str):
            raise TypeError
    rows, has_more = state(request).queries.list_accounts(
        ledger_id, query=st.get("q"), pit=pit_micros, size=size, after=after
    )
    data = _account_json(request, ledger_id, rows, set(st.get("x") or []), pit_micros)
    return cursor_page(size, has_more, data, {**st, "after": rows[-1]["address"]} if rows else None)


add_count_route(
    "/v2/{ledger}/accounts", "count_accounts", "v2CountAccounts", Queries.count_accounts
)


def _find_account(
    request: Request, ledger_id: int, address: str, pit: int | None, expand: list[str] | None
) -> dict[str, Any] | None:
    row = state(request).queries.account_row(ledger_id, address)
    if row is None or (pit is not None and row["first_usage"] > pit):
        return None
    return _account_json(request, ledger_id, [row], expand_set(expand), pit)[0]


add_get_route(
    "/v2/{ledger}/accounts/{address}",
    ("address", Address),
    ("get_account", "v2GetAccount"),
    S.AccountResponse,
    _find_account,
    lambda address: f"account {address!r}",
)


add_metadata_routes(
    "/v2/{ledger}/accounts/{address}",
    "account",
    ("address", Address),
    ("v2AddMetadataToAccount", "v2DeleteAccountMetadata"),
    lambda book, address, body, key: book.set_account_metadata(address, body, idempotency_key=key),
    Ledger.delete_account_metadata,
)


@filtered_get(
    "/v2/{ledger}/aggregate/balances", S.AggregateBalancesResponse, "v2GetBalancesAggregated"
)
def aggregate_balances(
    request: Request,
    ledger: LedgerName,
    pit: Pit = None,
    use_insertion_date: Annotated[bool, Query(alias="useInsertionDate")] = False,
    query: Any = Depends(filter_body),
    _principal: Any = ReadScope,
) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    sums = state(request).queries.aggregate_balances(
        ledger_id, query, _micros(pit), use_insertion_date
    )
    return JSONResponse({"data": sums})


@filtered_get("/v2/{ledger}/volumes", S.VolumesCursorResponse, "v2GetVolumesWithBalances")
def volumes(
    request: Request,
    ledger: LedgerName,
    paging: Paging,
    start_time: Annotated[datetime | None, Query(alias="startTime")] = None,
    end_time: Annotated[datetime | None, Query(alias="endTime")] = None,
    insertion_date: Annotated[bool, Query(alias="insertionDate")] = False,
    group_by: Annotated[int | None, Query(alias="groupBy", ge=1, le=100)] = None,
    _principal: Any = ReadScope,
) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    st = paging.filtered_state(
        start=_micros(start_time),
        end=_micros(end_time),
        ins=insertion_date,
        g=group_by,
        size=paging.size,
        offset=0,
    )
    with cursor_fields():
        size, offset = page_size(int(st["size"])), int(st["offset"])
        start, end, group = (
            optional_int(st, "start"),
            optional_int(st, "end"),
            optional_int(st, "g"),
        )
    rows = state(request).queries.volumes(
        ledger_id,
        st.get("q"),
        start=start,
        end=end,
        use_insertion=bool(st.get("ins")),
        group_by=group,
    )
    data = [
        {"account": a, "asset": s, "input": i, "output": o, "balance": i - o}
        for a, s, i, o in rows[offset : offset + size]
    ]
    return cursor_page(
        size,
        offset + size < len(rows),
        data,
        {**st, "offset": offset + size},
        {**st, "offset": max(0, offset - size)} if offset > 0 else None,
    )
