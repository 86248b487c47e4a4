"""Formance v2 endpoints of the logs (the journal as Formance shows it): list and export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from coffer.api import schemas as S
from coffer.api.deps import (
    ReadScope,
    WriteScope,
    ledger_of,
    state,
    tx_row_json,
)
from coffer.api.ledger_queries import (
    LOG_TYPES,
    TxRow,
    format_micros,
    page_size,
)
from coffer.api.routers.ledger.common import (
    LedgerName,
    Paging,
    Pit,
    _micros,
    cursor_fields,
    cursor_page,
    filtered_get,
    optional_int,
    router,
)
from coffer.ledger import journal as J


def _log_json(
    entry: tuple[int, int, int | None, str, int, bytes], txs: dict[int, TxRow]
) -> dict[str, Any]:
    import base64

    seq, kind, ref_id, payload, created_at, digest = entry
    kind_name = LOG_TYPES.get(kind, J.KIND_NAMES.get(kind, f"KIND_{kind}"))
    data: dict[str, Any]
    if kind == J.TX and ref_id is not None and ref_id in txs:
        row = txs[ref_id]
        if row.reverts_id is not None and row.reverts_id in txs:
            kind_name = "REVERTED_TRANSACTION"
            data = {
                "revertedTransaction": tx_row_json(txs[row.reverts_id]),
                "transaction": tx_row_json(row),
            }
        else:
            data = {"transaction": tx_row_json(row), "accountMetadata": {}}
    else:
        try:
            parsed = json.loads(payload) if payload else {}
        except ValueError:
            parsed = {}
        if not isinstance(parsed, dict):
            parsed = {"value": parsed}
        if kind in (J.TX_METADATA, J.TX_METADATA_DELETE):
            data = {"targetType": "TRANSACTION", "targetId": ref_id, **parsed}
        elif kind in (J.ACCOUNT_METADATA, J.ACCOUNT_METADATA_DELETE):
            account = parsed.pop("account", None)
            data = {"targetType": "ACCOUNT", "targetId": account, **parsed}
        else:
            data = {"refId": ref_id, **parsed} if ref_id is not None else parsed
    return {
        "id": seq,
        "type": kind_name,
        "data": data,
        "hash": base64.b64encode(digest).decode(),
        "date": format_micros(created_at),
    }


def _logs_page(
    request: Request,
    ledger_id: int,
    before: int | None,
    size: int,
    ascending: bool,
    pit: int | None = None,
) -> tuple[list[dict[str, Any]], bool, int | None]:
    queries = state(request).queries
    entries, has_more = queries.logs(
        ledger_id, before=before, size=size, ascending=ascending, pit=pit, kinds=LOG_TYPES
    )
    tx_ids = {e[2] for e in entries if e[1] == J.TX and e[2] is not None}
    txs = queries.transactions_by_id(ledger_id, [i for i in tx_ids if i is not None])
    reverted = {row.reverts_id for row in txs.values() if row.reverts_id is not None}
    missing = [i for i in reverted if i not in txs]
    if missing:
        txs.update(queries.transactions_by_id(ledger_id, missing))
    last = entries[-1][0] if entries else None
    return [_log_json(e, txs) for e in entries], has_more, last


@filtered_get("/v2/{ledger}/logs", S.LogsCursorResponse, "v2ListLogs")
def list_logs(
    request: Request,
    ledger: LedgerName,
    paging: Paging,
    pit: Pit = None,
    _principal: Any = ReadScope,
) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    st = paging.state({"size": paging.size, "before": None, "pit": _micros(pit)})
    with cursor_fields():
        size = page_size(int(st["size"]))
        before, pit_micros = optional_int(st, "before"), optional_int(st, "pit")
    data, has_more, last = _logs_page(request, ledger_id, before, size, False, pit_micros)
    return cursor_page(size, has_more, data, {**st, "before": last})


@router.post(
    "/v2/{ledger}/logs/export",
    responses={
        200: {
            "description": "Every log entry, oldest first, one JSON object per line",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        },
    },
    operation_id="v2ExportLogs",
)
def export_logs(request: Request, ledger: LedgerName, _principal: Any = WriteScope) -> Any:

    ledger_id = ledger_of(request, ledger).ledger_id

    def lines() -> Iterator[bytes]:
        after: int | None = None
        for _ in range(10_000_000):  # bounded: one page of 1,000 entries per turn
            data, has_more, last = _logs_page(request, ledger_id, after, 1000, True)
            for item in data:
                yield (json.dumps(item, separators=(",", ":")) + "\n").encode()
            if not has_more:
                return
            after = last

    return StreamingResponse(lines(), media_type="application/x-ndjson")
