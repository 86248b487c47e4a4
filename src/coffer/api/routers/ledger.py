"""The ledger API, wire-compatible with Formance Ledger v2 (paths under ``/api/ledger``).

Endpoints that call the (blocking) ledger are plain ``def``: FastAPI runs them in its
thread pool, so concurrent writes meet in the ledger's sequencer and share one commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

import coffer
from coffer.api import schemas as S
from coffer.api.deps import (
    FILTER_BODY_DOC,
    ReadScope,
    WriteScope,
    asset_volumes_json,
    expand_set,
    filter_body,
    ledger_of,
    plain_transaction,
    state,
    transaction_json,
    transaction_text,
    tx_row_json,
    volumes_json,
)
from coffer.api.errors import NoPostings
from coffer.api.ledger_queries import (
    LOG_TYPES,
    TxRow,
    decode_cursor,
    encode_cursor,
    format_micros,
    format_time,
    page_size,
    parse_time,
)
from coffer.errors import (
    CofferError,
    Conflict,
    InsufficientFunds,
    NotFound,
    ValidationError,
)
from coffer.ledger import Ledger
from coffer.ledger import journal as J
from coffer.ledger.models import (
    UNBOUNDED,
    DryRun,
    Hold,
    Posting,
    ScriptRequest,
    Transaction,
    TransactionRequest,
)

router = APIRouter(prefix="/api/ledger", tags=["ledger"])

DEFAULT_ERROR: dict[int | str, dict[str, Any]] = {
    "default": {"model": S.ErrorResponse, "description": "Error"}
}
LedgerName = Annotated[str, Path(pattern=r"^[0-9a-zA-Z_-]{1,63}$", max_length=63)]
Address = Annotated[str, Path(max_length=1000)]
TxId = Annotated[int, Path(ge=0, le=2**63 - 1)]
MetadataKey = Annotated[str, Path(max_length=1000)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
PageSize = Annotated[int | None, Query(alias="pageSize", ge=1, le=1000)]
Cursor = Annotated[str | None, Query(max_length=10_000)]
Pit = Annotated[datetime | None, Query()]
Expand = Annotated[list[str] | None, Query()]


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else parse_time(moment)


def _no_content() -> Response:
    return Response(status_code=204)


# -- server and ledgers -------------------------------------------------------------------------


@router.get(
    "/_/info", response_model=S.ServerInfo, responses=DEFAULT_ERROR, operation_id="v2GetInfo"
)
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


@router.get(
    "/v2",
    response_model=S.LedgersCursorResponse,
    responses=DEFAULT_ERROR,
    operation_id="v2ListLedgers",
    openapi_extra=FILTER_BODY_DOC,
)
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
            raise ValidationError("invalid cursor: pass back a cursor this API returned")
    infos = state(request).coffer.ledgers(after=after, page_size=size + 1)
    has_more = len(infos) > size
    infos = infos[:size]
    body: dict[str, Any] = {
        "pageSize": size,
        "hasMore": has_more,
        "data": [_ledger_json(info) for info in infos],
    }
    if has_more:
        body["next"] = encode_cursor({"after": infos[-1].name, "size": size})
    return JSONResponse({"cursor": body})


@router.post(
    "/v2/{ledger}", status_code=204, responses=DEFAULT_ERROR, operation_id="v2CreateLedger"
)
def create_ledger(
    request: Request,
    ledger: LedgerName,
    body: S.CreateLedgerRequest | None = None,
    _principal: Any = WriteScope,
) -> Response:
    body = body or S.CreateLedgerRequest()
    try:
        state(request).coffer.create_ledger(
            ledger, metadata=body.metadata or {}, features=body.features or {}
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
    responses=DEFAULT_ERROR,
    operation_id="v2GetLedger",
)
def get_ledger(request: Request, ledger: LedgerName, _principal: Any = ReadScope) -> Any:
    return JSONResponse({"data": _ledger_json(state(request).coffer.ledger_info(ledger))})


@router.put(
    "/v2/{ledger}/metadata",
    status_code=204,
    responses=DEFAULT_ERROR,
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
    responses=DEFAULT_ERROR,
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
    responses=DEFAULT_ERROR,
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
    responses=DEFAULT_ERROR,
    operation_id="v2ReadStats",
)
def read_stats(request: Request, ledger: LedgerName, _principal: Any = ReadScope) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    accounts, transactions = state(request).queries.stats(ledger_id)
    return JSONResponse({"data": {"accounts": accounts, "transactions": transactions}})


# -- transactions --------------------------------------------------------------------------------


def _vars(values: Mapping[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (values or {}).items():
        if isinstance(value, dict) and "amount" in value and "asset" in value:
            out[key] = f"{value['asset']} {value['amount']}"
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (str, int)):
            out[key] = str(value)
        else:
            raise ValidationError(f"variable {key!r}: give a string, a number or {{amount, asset}}")
    return out


def _postings(items: list[S.PostingIn]) -> list[Posting]:
    return [Posting(p.source, p.destination, p.amount, p.asset) for p in items]


def _dry_run_postings(
    request: Request, ledger: str, postings: list[Posting], force: bool, body: S.PostTransaction
) -> dict[str, Any]:
    """What the postings would do, without writing: the floors are checked as a commit would."""
    book = ledger_of(request, ledger)
    volumes: dict[str, dict[str, list[int]]] = {}
    limits: dict[tuple[str, str], int | None] = {}

    def load(account: str) -> None:
        if account in volumes:
            return
        volumes[account] = {}
        for asset, balance in book.balances(account).items():
            volumes[account][asset] = [balance.input, balance.output, balance.pending_output]
            limits[(account, asset)] = (
                None if balance.overdraft is UNBOUNDED else int(balance.overdraft)  # type: ignore[arg-type]
            )

    for posting in postings:
        load(posting.source)
        load(posting.destination)
        source = volumes[posting.source].setdefault(posting.asset, [0, 0, 0])
        destination = volumes[posting.destination].setdefault(posting.asset, [0, 0, 0])
        limit = (
            None
            if posting.source == "world" or force
            else limits.get((posting.source, posting.asset), 0)
        )
        available = source[0] - source[1] - source[2]
        if limit is not None and available - posting.amount < -limit:
            raise InsufficientFunds(
                posting.source, posting.asset, available + limit, posting.amount
            )
        source[1] += posting.amount
        destination[0] += posting.amount
    now = datetime.now(UTC)
    post = {
        account: {
            asset: {"input": v[0], "output": v[1], "balance": v[0] - v[1]}
            for asset, v in assets.items()
        }
        for account, assets in volumes.items()
    }
    tx = {
        "id": state(request).queries.next_transaction_id(book.ledger_id),
        "postings": [
            {"source": p.source, "destination": p.destination, "amount": p.amount, "asset": p.asset}
            for p in postings
        ],
        "metadata": body.metadata or {},
        "timestamp": format_time(body.timestamp or now),
        "insertedAt": format_time(now),
        "reverted": False,
        "postCommitVolumes": post,
    }
    if body.reference:
        tx["reference"] = body.reference
    return tx


def _dry_run_json(
    result: DryRun, body: S.PostTransaction, request: Request, ledger: str
) -> dict[str, Any]:
    now = datetime.now(UTC)
    tx: dict[str, Any] = {
        "id": state(request).queries.next_transaction_id(ledger_of(request, ledger).ledger_id),
        "postings": [
            {"source": p.source, "destination": p.destination, "amount": p.amount, "asset": p.asset}
            for p in result.postings
        ],
        "metadata": result.metadata,
        "timestamp": format_time(body.timestamp or now),
        "insertedAt": format_time(now),
        "reverted": False,
    }
    if body.reference:
        tx["reference"] = body.reference
    return tx


def _require_sends(plain: str) -> None:
    """A script without a ``send`` statement yields no postings: Formance's NO_POSTINGS.

    (Sends that move nothing at run time are left to the ledger.)
    """
    from coffer import numscript
    from coffer.numscript.nodes import Send

    program = numscript.parse(plain)
    if not any(isinstance(statement, Send) for statement in program.statements):
        raise NoPostings("numscript execution returned no postings")


def create_one(
    request: Request,
    ledger: str,
    body: S.PostTransaction,
    idempotency_key: str | None,
    *,
    dry_run: bool = False,
    force: bool = False,
    pending: bool = False,
    timeout_seconds: float | None = None,
) -> Transaction | Hold | dict[str, Any]:
    """Create a transaction (or hold) from a Formance ``V2PostTransaction``."""
    book = ledger_of(request, ledger)
    force = force or bool(body.force)
    script = body.script if body.script is not None and body.script.plain.strip() else None
    if script is not None and body.postings:
        raise ValidationError("cannot pass postings and numscript in the same request")
    if script is None and not body.postings:
        raise NoPostings("you must pass either a posting array or a numscript script")
    result: Transaction | Hold | DryRun
    if script is not None:
        _require_sends(script.plain)
        result = book.run(
            script.plain,
            vars=_vars(script.vars),
            metadata=body.metadata,
            reference=body.reference,
            idempotency_key=idempotency_key,
            timestamp=body.timestamp,
            pending=pending,
            timeout_seconds=timeout_seconds,
            dry_run=dry_run,
        )
        if isinstance(result, DryRun):
            return _dry_run_json(result, body, request, ledger)
    else:
        postings = _postings(body.postings or [])
        if dry_run:
            return _dry_run_postings(request, ledger, postings, force, body)
        overdrafts = {p.source: UNBOUNDED for p in postings} if force else None
        if pending:
            result = book.post(
                postings,
                metadata=body.metadata,
                reference=body.reference,
                idempotency_key=idempotency_key,
                timestamp=body.timestamp,
                pending=True,
                timeout_seconds=timeout_seconds,
                overdrafts=overdrafts,
            )
        else:
            result = book.post(
                postings,
                metadata=body.metadata,
                reference=body.reference,
                idempotency_key=idempotency_key,
                timestamp=body.timestamp,
                overdrafts=overdrafts,
            )
    for address, metadata in (body.accountMetadata or {}).items():
        if metadata:
            book.set_account_metadata(address, metadata)
    return result


@router.post(
    "/v2/{ledger}/transactions",
    response_model=S.TransactionResponse,
    responses=DEFAULT_ERROR,
    operation_id="v2CreateTransaction",
)
def create_transaction(
    request: Request,
    ledger: LedgerName,
    body: S.PostTransaction,
    dry_run: Annotated[bool, Query(alias="dryRun")] = False,
    force: bool = False,
    idempotency_key: IdempotencyKey = None,
    _principal: Any = WriteScope,
) -> Any:
    result = create_one(request, ledger, body, idempotency_key, dry_run=dry_run, force=force)
    if isinstance(result, dict):
        return JSONResponse({"data": result})
    assert isinstance(result, Transaction)
    return JSONResponse({"data": transaction_json(result)})


def _tx_list_state(
    query: Any,
    pit: datetime | None,
    order: str | None,
    reverse: bool,
    size: int | None,
    cursor: str | None,
    expand: set[str],
) -> dict[str, Any]:
    if cursor:
        state_ = decode_cursor(cursor)
        if not isinstance(state_.get("q", {}), (dict, type(None))):
            raise ValidationError("invalid cursor: pass back a cursor this API returned")
        return state_
    return {
        "q": query,
        "pit": _micros(pit),
        "eff": order == "effective",
        "asc": bool(reverse),
        "size": page_size(size),
        "after": None,
        "x": sorted(expand),
    }


@router.get(
    "/v2/{ledger}/transactions",
    response_model=S.TransactionsCursorResponse,
    responses=DEFAULT_ERROR,
    operation_id="v2ListTransactions",
    openapi_extra=FILTER_BODY_DOC,
)
def list_transactions(
    request: Request,
    ledger: LedgerName,
    page_size_: PageSize = None,
    cursor: Cursor = None,
    pit: Pit = None,
    order: Annotated[str | None, Query(pattern="^(effective|id)$")] = None,
    reverse: bool = False,
    expand: Expand = None,
    query: Any = Depends(filter_body),
    _principal: Any = ReadScope,
) -> Any:
    book = ledger_of(request, ledger)
    ledger_id = book.ledger_id
    queries = state(request).queries
    st = _tx_list_state(query, pit, order, reverse, page_size_, cursor, expand_set(expand))
    try:
        size = page_size(int(st["size"]))
        pit_micros = None if st.get("pit") is None else int(st["pit"])
        after = st.get("after")
        after_keys = None if after is None else [int(v) for v in after]
    except (TypeError, ValueError, KeyError):
        raise ValidationError("invalid cursor: pass back a cursor this API returned") from None
    rows, has_more = queries.list_transactions(
        ledger_id,
        query=st.get("q"),
        pit=pit_micros,
        size=size,
        effective_order=bool(st.get("eff")),
        ascending=bool(st.get("asc")),
        after=after_keys,
    )
    expand_now = set(st.get("x") or [])
    data = [_tx_with_volumes(request, ledger_id, row, expand_now) for row in rows]
    body: dict[str, Any] = {"pageSize": size, "hasMore": has_more, "data": data}
    if has_more:
        last = rows[-1]
        keys = [last.timestamp, last.id] if st.get("eff") else [last.id]
        body["next"] = encode_cursor({**st, "after": keys})
    return JSONResponse({"cursor": body})


def _tx_with_volumes(
    request: Request, ledger_id: int, row: TxRow, expand: set[str]
) -> dict[str, Any]:
    out = tx_row_json(row)
    queries = state(request).queries
    if "volumes" in expand:
        pre, post = queries.transaction_volumes(ledger_id, row, effective=False)
        out["preCommitVolumes"] = volumes_json(pre)
        out["postCommitVolumes"] = volumes_json(post)
    if "effectiveVolumes" in expand:
        pre, post = queries.transaction_volumes(ledger_id, row, effective=True)
        out["preCommitEffectiveVolumes"] = volumes_json(pre)
        out["postCommitEffectiveVolumes"] = volumes_json(post)
    return out


@router.head(
    "/v2/{ledger}/transactions",
    status_code=204,
    responses=DEFAULT_ERROR,
    operation_id="v2CountTransactions",
    openapi_extra=FILTER_BODY_DOC,
)
def count_transactions(
    request: Request,
    ledger: LedgerName,
    pit: Pit = None,
    query: Any = Depends(filter_body),
    _principal: Any = ReadScope,
) -> Response:
    ledger_id = ledger_of(request, ledger).ledger_id
    count = state(request).queries.count_transactions(ledger_id, query, _micros(pit))
    return Response(status_code=204, headers={"Count": str(count)})


@router.get(
    "/v2/{ledger}/transactions/{id}",
    response_model=S.TransactionResponse,
    responses=DEFAULT_ERROR,
    operation_id="v2GetTransaction",
)
def get_transaction(
    request: Request,
    ledger: LedgerName,
    id: TxId,
    expand: Expand = None,
    pit: Pit = None,
    _principal: Any = ReadScope,
) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    rows = state(request).queries.transactions_by_id(ledger_id, [id])
    row = rows.get(id)
    if row is None or (pit is not None and row.timestamp > parse_time(pit)):
        raise NotFound(f"transaction {id} does not exist in ledger {ledger!r}")
    return JSONResponse({"data": _tx_with_volumes(request, ledger_id, row, expand_set(expand))})


@router.post(
    "/v2/{ledger}/transactions/{id}/metadata",
    status_code=204,
    responses=DEFAULT_ERROR,
    operation_id="v2AddMetadataOnTransaction",
)
def add_transaction_metadata(
    request: Request,
    ledger: LedgerName,
    id: TxId,
    body: dict[str, str],
    idempotency_key: IdempotencyKey = None,
    _principal: Any = WriteScope,
) -> Response:
    ledger_of(request, ledger).set_transaction_metadata(id, body, idempotency_key=idempotency_key)
    return _no_content()


@router.delete(
    "/v2/{ledger}/transactions/{id}/metadata/{key}",
    status_code=204,
    responses=DEFAULT_ERROR,
    operation_id="v2DeleteTransactionMetadata",
)
def delete_transaction_metadata(
    request: Request,
    ledger: LedgerName,
    id: TxId,
    key: MetadataKey,
    _principal: Any = WriteScope,
) -> Response:
    ledger_of(request, ledger).delete_transaction_metadata(id, key)
    return _no_content()


@router.post(
    "/v2/{ledger}/transactions/{id}/revert",
    status_code=201,
    response_model=S.TransactionResponse,
    responses=DEFAULT_ERROR,
    operation_id="v2RevertTransaction",
)
def revert_transaction(
    request: Request,
    ledger: LedgerName,
    id: TxId,
    body: S.RevertTransactionRequest | None = None,
    force: bool = False,
    at_effective_date: Annotated[bool, Query(alias="atEffectiveDate")] = False,
    dry_run: Annotated[bool, Query(alias="dryRun")] = False,
    idempotency_key: IdempotencyKey = None,
    _principal: Any = WriteScope,
) -> Any:
    book = ledger_of(request, ledger)
    metadata = body.metadata if body else None
    if dry_run:
        original = book.transaction(id)
        if original.reverted:
            book.revert(id, force=force)  # raises AlreadyReverted
        now = datetime.now(UTC)
        tx = Transaction(
            id=state(request).queries.next_transaction_id(book.ledger_id),
            postings=[
                Posting(p.destination, p.source, p.amount, p.asset)
                for p in reversed(original.postings)
            ],
            metadata=dict(metadata or {}),
            timestamp=original.timestamp if at_effective_date else now,
            inserted_at=now,
        )
        return JSONResponse({"data": transaction_json(tx)}, 201)
    result = book.revert(
        id,
        force=force,
        at_effective_date=at_effective_date,
        metadata=metadata,
        idempotency_key=idempotency_key,
    )
    return JSONResponse({"data": transaction_json(result)}, 201)


# -- accounts --------------------------------------------------------------------------------


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


@router.get(
    "/v2/{ledger}/accounts",
    response_model=S.AccountsCursorResponse,
    responses=DEFAULT_ERROR,
    operation_id="v2ListAccounts",
    openapi_extra=FILTER_BODY_DOC,
)
def list_accounts(
    request: Request,
    ledger: LedgerName,
    page_size_: PageSize = None,
    cursor: Cursor = None,
    pit: Pit = None,
    expand: Expand = None,
    query: Any = Depends(filter_body),
    _principal: Any = ReadScope,
) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    if cursor:
        st = decode_cursor(cursor)
    else:
        st = {
            "q": query,
            "pit": _micros(pit),
            "size": page_size(page_size_),
            "after": None,
            "x": sorted(expand_set(expand)),
        }
    try:
        size = page_size(int(st["size"]))
        pit_micros = None if st.get("pit") is None else int(st["pit"])
        after = st.get("after")
        if after is not None and not isinstance(after, str):
            raise TypeError
    except (TypeError, ValueError, KeyError):
        raise ValidationError("invalid cursor: pass back a cursor this API returned") from None
    rows, has_more = state(request).queries.list_accounts(
        ledger_id, query=st.get("q"), pit=pit_micros, size=size, after=after
    )
    data = _account_json(request, ledger_id, rows, set(st.get("x") or []), pit_micros)
    body: dict[str, Any] = {"pageSize": size, "hasMore": has_more, "data": data}
    if has_more:
        body["next"] = encode_cursor({**st, "after": rows[-1]["address"]})
    return JSONResponse({"cursor": body})


@router.head(
    "/v2/{ledger}/accounts",
    status_code=204,
    responses=DEFAULT_ERROR,
    operation_id="v2CountAccounts",
    openapi_extra=FILTER_BODY_DOC,
)
def count_accounts(
    request: Request,
    ledger: LedgerName,
    pit: Pit = None,
    query: Any = Depends(filter_body),
    _principal: Any = ReadScope,
) -> Response:
    ledger_id = ledger_of(request, ledger).ledger_id
    count = state(request).queries.count_accounts(ledger_id, query, _micros(pit))
    return Response(status_code=204, headers={"Count": str(count)})


@router.get(
    "/v2/{ledger}/accounts/{address}",
    response_model=S.AccountResponse,
    responses=DEFAULT_ERROR,
    operation_id="v2GetAccount",
)
def get_account(
    request: Request,
    ledger: LedgerName,
    address: Address,
    expand: Expand = None,
    pit: Pit = None,
    _principal: Any = ReadScope,
) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    pit_micros = _micros(pit)
    row = state(request).queries.account_row(ledger_id, address)
    if row is None or (pit_micros is not None and row["first_usage"] > pit_micros):
        raise NotFound(f"account {address!r} does not exist in ledger {ledger!r}")
    data = _account_json(request, ledger_id, [row], expand_set(expand), pit_micros)
    return JSONResponse({"data": data[0]})


@router.post(
    "/v2/{ledger}/accounts/{address}/metadata",
    status_code=204,
    responses=DEFAULT_ERROR,
    operation_id="v2AddMetadataToAccount",
)
def add_account_metadata(
    request: Request,
    ledger: LedgerName,
    address: Address,
    body: dict[str, str],
    idempotency_key: IdempotencyKey = None,
    _principal: Any = WriteScope,
) -> Response:
    ledger_of(request, ledger).set_account_metadata(address, body, idempotency_key=idempotency_key)
    return _no_content()


@router.delete(
    "/v2/{ledger}/accounts/{address}/metadata/{key}",
    status_code=204,
    responses=DEFAULT_ERROR,
    operation_id="v2DeleteAccountMetadata",
)
def delete_account_metadata(
    request: Request,
    ledger: LedgerName,
    address: Address,
    key: MetadataKey,
    _principal: Any = WriteScope,
) -> Response:
    ledger_of(request, ledger).delete_account_metadata(address, key)
    return _no_content()


# -- balances and volumes ------------------------------------------------------------------------


@router.get(
    "/v2/{ledger}/aggregate/balances",
    response_model=S.AggregateBalancesResponse,
    responses=DEFAULT_ERROR,
    operation_id="v2GetBalancesAggregated",
    openapi_extra=FILTER_BODY_DOC,
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


@router.get(
    "/v2/{ledger}/volumes",
    response_model=S.VolumesCursorResponse,
    responses=DEFAULT_ERROR,
    operation_id="v2GetVolumesWithBalances",
    openapi_extra=FILTER_BODY_DOC,
)
def volumes(
    request: Request,
    ledger: LedgerName,
    page_size_: PageSize = None,
    cursor: Cursor = None,
    start_time: Annotated[datetime | None, Query(alias="startTime")] = None,
    end_time: Annotated[datetime | None, Query(alias="endTime")] = None,
    insertion_date: Annotated[bool, Query(alias="insertionDate")] = False,
    group_by: Annotated[int | None, Query(alias="groupBy", ge=1, le=100)] = None,
    query: Any = Depends(filter_body),
    _principal: Any = ReadScope,
) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    if cursor:
        st = decode_cursor(cursor)
    else:
        st = {
            "q": query,
            "start": _micros(start_time),
            "end": _micros(end_time),
            "ins": insertion_date,
            "g": group_by,
            "size": page_size(page_size_),
            "offset": 0,
        }
    try:
        size, offset = page_size(int(st["size"])), int(st["offset"])
        start = None if st.get("start") is None else int(st["start"])
        end = None if st.get("end") is None else int(st["end"])
        group = None if st.get("g") is None else int(st["g"])
    except (TypeError, ValueError, KeyError):
        raise ValidationError("invalid cursor: pass back a cursor this API returned") from None
    rows = state(request).queries.volumes(
        ledger_id,
        st.get("q"),
        start=start,
        end=end,
        use_insertion=bool(st.get("ins")),
        group_by=group,
    )
    window = rows[offset : offset + size]
    has_more = offset + size < len(rows)
    body: dict[str, Any] = {
        "pageSize": size,
        "hasMore": has_more,
        "data": [
            {"account": a, "asset": s, "input": i, "output": o, "balance": i - o}
            for a, s, i, o in window
        ],
    }
    if has_more:
        body["next"] = encode_cursor({**st, "offset": offset + size})
    if offset > 0:
        body["previous"] = encode_cursor({**st, "offset": max(0, offset - size)})
    return JSONResponse({"cursor": body})


# -- bulk ---------------------------------------------------------------------------------------


def _error_result(error: CofferError) -> dict[str, Any]:
    return {
        "responseType": "ERROR",
        "logID": 0,
        "errorCode": error.formance_code,
        "errorDescription": error.message,
        "errorDetails": error.code,
    }


def _tx_result(kind: str, tx: Transaction) -> str:
    """A bulk element's result, already JSON (see :func:`bulk_body`)."""
    return f'{{"responseType":"{kind}","logID":{tx.seq},"data":{transaction_text(tx)}}}'


_bulk_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def bulk_body(results: list[dict[str, Any] | str]) -> bytes:
    """``{"data": results}`` as JSON bytes; str items are JSON already."""
    encode = _bulk_encoder.encode
    parts = [item if isinstance(item, str) else encode(item) for item in results]
    return ('{"data":[' + ",".join(parts) + "]}").encode("utf-8")


def _target(data: dict[str, Any]) -> tuple[str, Any]:
    kind = data.get("targetType")
    target = data.get("targetId")
    if kind == "TRANSACTION":
        if isinstance(target, bool) or not isinstance(target, int):
            raise ValidationError("targetId of a TRANSACTION is its integer id")
        return kind, target
    if kind == "ACCOUNT":
        if not isinstance(target, str):
            raise ValidationError("targetId of an ACCOUNT is its address")
        return kind, target
    raise ValidationError("targetType is TRANSACTION or ACCOUNT")


def _run_element(request: Request, ledger: str, element: Element) -> dict[str, Any] | str:
    book = ledger_of(request, ledger)
    data = element.data or {}
    if element.action == "CREATE_TRANSACTION":
        body = S.PostTransaction.model_validate(data)
        result = create_one(request, ledger, body, element.ik)
        assert isinstance(result, Transaction)
        return _tx_result("CREATE_TRANSACTION", result)
    if element.action == "REVERT_TRANSACTION":
        tx_id = data.get("id")
        if isinstance(tx_id, bool) or not isinstance(tx_id, int):
            raise ValidationError("REVERT_TRANSACTION needs data.id, the transaction id")
        metadata = data.get("metadata")
        tx = book.revert(
            tx_id,
            force=bool(data.get("force", False)),
            at_effective_date=bool(data.get("atEffectiveDate", False)),
            metadata=metadata if isinstance(metadata, dict) else None,
            idempotency_key=element.ik,
        )
        return _tx_result("REVERT_TRANSACTION", tx)
    kind, target = _target(data)
    if element.action == "ADD_METADATA":
        metadata = data.get("metadata")
        if not isinstance(metadata, dict):
            raise ValidationError("ADD_METADATA needs data.metadata")
        if kind == "TRANSACTION":
            book.set_transaction_metadata(target, metadata, idempotency_key=element.ik)
        else:
            book.set_account_metadata(target, metadata, idempotency_key=element.ik)
        return {"responseType": "ADD_METADATA", "logID": 0}
    key = data.get("key")
    if not isinstance(key, str):
        raise ValidationError("DELETE_METADATA needs data.key")
    if kind == "TRANSACTION":
        book.delete_transaction_metadata(target, key)
    else:
        book.delete_account_metadata(target, key)
    return {"responseType": "DELETE_METADATA", "logID": 0}


def _simple_request(element: Element) -> TransactionRequest | None:
    """The element as a plain postings request the sequencer can batch, if it is one."""
    if element.action != "CREATE_TRANSACTION" or not element.data:
        return None
    item = plain_transaction(element.data, element.ik)
    if item is not None:
        return item
    data = element.data
    if data.get("script") is not None or data.get("accountMetadata") or data.get("force"):
        return None
    try:
        body = S.PostTransaction.model_validate(data)
    except Exception:
        return None
    if not body.postings:
        return None
    return TransactionRequest(
        postings=_postings(body.postings),
        metadata=body.metadata,
        reference=body.reference,
        idempotency_key=element.ik,
        timestamp=body.timestamp,
    )


def _batch_results(results: list[Any]) -> list[dict[str, Any] | str]:
    out: list[dict[str, Any] | str] = []
    for result in results:
        if isinstance(result, CofferError):
            out.append(_error_result(result))
        else:
            out.append(_tx_result("CREATE_TRANSACTION", result))
    return out


_BULK_ACTIONS = frozenset(
    ("CREATE_TRANSACTION", "ADD_METADATA", "REVERT_TRANSACTION", "DELETE_METADATA")
)
_BULK_KEYS = frozenset(("action", "ik", "data"))


class BulkItem(NamedTuple):
    """A ``_bulk`` element checked by :func:`bulk_elements` (what ``S.BulkElement`` holds)."""

    action: str
    ik: str | None
    data: dict[str, Any] | None


Element = S.BulkElement | BulkItem


def bulk_elements(data: Any) -> list[Element] | None:
    """A parsed ``_bulk`` body as elements, checked by hand; None when it is not exactly
    the common shape (then FastAPI validates it, with its error messages)."""
    if type(data) is not list:
        return None
    out: list[Element] = []
    for item in data:
        if type(item) is not dict or not _BULK_KEYS.issuperset(item):
            return None
        action, ik, element_data = item.get("action"), item.get("ik"), item.get("data")
        if type(action) is not str or action not in _BULK_ACTIONS:
            return None
        if ik is not None and (type(ik) is not str or len(ik) > 255):
            return None
        if element_data is not None and type(element_data) is not dict:
            return None
        out.append(BulkItem(action, ik, element_data))
    return out


def run_bulk(
    request: Request,
    book: Ledger,
    elements: Sequence[Element],
    *,
    atomic: bool,
    continue_on_failure: bool,
    parallel: bool,
) -> tuple[int, bytes]:
    """Apply a ``_bulk``: (HTTP status, JSON response body). Blocking: call it from a thread.

    Runs of consecutive plain-postings elements go to the ledger as one ``post_many``
    call each (so a bulk of N transfers is one call, not N).
    """
    limit = state(request).settings.max_bulk_size
    if len(elements) > limit:
        error = {"errorCode": "BULK_SIZE_EXCEEDED", "errorMessage": f"at most {limit} elements"}
        return 400, _bulk_encoder.encode(error).encode("utf-8")
    simple = [_simple_request(element) for element in elements]
    if atomic:
        return _run_atomic(elements, simple, book)
    keep_going = continue_on_failure or parallel
    results: list[dict[str, Any] | str] = []
    index = 0
    failed = False
    for _ in range(len(elements) + 1):  # bounded: every turn consumes at least one element
        if index >= len(elements):
            break
        end = index
        while end < len(simple) and simple[end] is not None:
            end += 1
        if end > index:
            chunk = [s for s in simple[index:end] if s is not None]
            outcome = book.post_many(chunk) if keep_going else _until_failure(book, chunk)
            results.extend(_batch_results(outcome))
            index = end
            if any(isinstance(r, CofferError) for r in outcome):
                failed = True
                if not keep_going:
                    break
            continue
        try:
            results.append(_run_element(request, book.name, elements[index]))
        except CofferError as error:
            results.append(_error_result(error))
            failed = True
        except ValueError as error:  # pydantic validation of an element's data
            results.append(_error_result(ValidationError(str(error).splitlines()[0])))
            failed = True
        index += 1
        if failed and not keep_going:
            break
    return (400 if failed else 200), bulk_body(results)


def _script_element(index: int, element: Element) -> ScriptRequest:
    """A CREATE_TRANSACTION element with a script, as an item of an atomic batch."""
    if element.action != "CREATE_TRANSACTION":
        raise ValidationError(
            f"element {index}: atomic bulks take CREATE_TRANSACTION elements only"
        )
    body = S.PostTransaction.model_validate(element.data or {})
    script = body.script if body.script is not None and body.script.plain.strip() else None
    if script is None:
        raise NoPostings(
            f"element {index}: you must pass either a posting array or a numscript script"
        )
    if body.postings:
        raise ValidationError(
            f"element {index}: cannot pass postings and numscript in the same request"
        )
    return ScriptRequest(
        script.plain,
        vars=_vars(script.vars),
        metadata=body.metadata,
        reference=body.reference,
        idempotency_key=element.ik,
        timestamp=body.timestamp,
    )


def _until_failure(book: Ledger, chunk: list[TransactionRequest]) -> list[Any]:
    """Apply ``chunk`` in order and stop at the first failure (earlier ones stay)."""
    # all or nothing first (one call); on a failure, find where it stops
    try:
        outcome: list[Any] = book.post_many(chunk, atomic=True)
    except CofferError:
        outcome = [CofferError("retry")]
    if not any(isinstance(r, CofferError) for r in outcome):
        return outcome
    outcome = []
    for item in chunk:
        single = book.post_many([item])[0]
        outcome.append(single)
        if isinstance(single, CofferError):
            break
    return outcome


def _run_atomic(
    elements: Sequence[Element], simple: list[TransactionRequest | None], book: Ledger
) -> tuple[int, bytes]:
    """All elements or none: one ``post_many(atomic=True)`` call (postings and scripts)."""
    requests: list[TransactionRequest | ScriptRequest] = []
    for index, (element, item) in enumerate(zip(elements, simple, strict=True)):
        if item is not None:
            requests.append(item)
            continue
        try:
            requests.append(_script_element(index, element))
        except (CofferError, ValueError) as problem:
            error = (
                problem
                if isinstance(problem, CofferError)
                else ValidationError(f"element {index}: {str(problem).splitlines()[0]}")
            )
            results: list[dict[str, Any] | str] = [
                _error_result(error) if i == index else _error_result(_skipped(index))
                for i in range(len(elements))
            ]
            return 400, bulk_body(results)
    try:
        outcome: list[Any] = book.post_many(requests, atomic=True)
    except CofferError as error:
        outcome = [error] * len(elements)
    failed = any(isinstance(r, CofferError) for r in outcome)
    return (400 if failed else 200), bulk_body(_batch_results(outcome))


def _skipped(index: int) -> CofferError:
    return ValidationError(f"not applied: element {index} of this atomic bulk is invalid")


@router.post(
    "/v2/{ledger}/_bulk",
    response_model=S.BulkResponse,
    responses={
        **DEFAULT_ERROR,
        400: {"model": S.BulkResponse, "description": "Some elements failed"},
    },
    operation_id="v2CreateBulk",
)
def bulk(
    request: Request,
    ledger: LedgerName,
    elements: list[S.BulkElement],
    atomic: bool = False,
    continue_on_failure: Annotated[bool, Query(alias="continueOnFailure")] = False,
    parallel: bool = False,
    _principal: Any = WriteScope,
) -> Any:
    status, body = run_bulk(
        request,
        ledger_of(request, ledger),
        elements,
        atomic=atomic,
        continue_on_failure=continue_on_failure,
        parallel=parallel,
    )
    return Response(body, status, media_type="application/json")


# -- logs ---------------------------------------------------------------------------------------


def _log_json(
    entry: tuple[int, int, int | None, str, int, bytes], txs: dict[int, TxRow]
) -> dict[str, Any]:
    import base64
    import json

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


@router.get(
    "/v2/{ledger}/logs",
    response_model=S.LogsCursorResponse,
    responses=DEFAULT_ERROR,
    operation_id="v2ListLogs",
    openapi_extra=FILTER_BODY_DOC,
)
def list_logs(
    request: Request,
    ledger: LedgerName,
    page_size_: PageSize = None,
    cursor: Cursor = None,
    pit: Pit = None,
    _query: Any = Depends(filter_body),
    _principal: Any = ReadScope,
) -> Any:
    ledger_id = ledger_of(request, ledger).ledger_id
    if cursor:
        st = decode_cursor(cursor)
    else:
        st = {"size": page_size(page_size_), "before": None, "pit": _micros(pit)}
    try:
        size = page_size(int(st["size"]))
        before = None if st.get("before") is None else int(st["before"])
        pit_micros = None if st.get("pit") is None else int(st["pit"])
    except (TypeError, ValueError, KeyError):
        raise ValidationError("invalid cursor: pass back a cursor this API returned") from None
    data, has_more, last = _logs_page(request, ledger_id, before, size, False, pit_micros)
    body: dict[str, Any] = {"pageSize": size, "hasMore": has_more, "data": data}
    if has_more:
        body["next"] = encode_cursor({**st, "before": last})
    return JSONResponse({"cursor": body})


@router.post(
    "/v2/{ledger}/logs/export",
    responses={
        200: {
            "description": "Every log entry, oldest first, one JSON object per line",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        },
        **DEFAULT_ERROR,
    },
    operation_id="v2ExportLogs",
)
def export_logs(request: Request, ledger: LedgerName, _principal: Any = WriteScope) -> Any:
    import json

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
