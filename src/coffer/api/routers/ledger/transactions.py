"""Formance v2 endpoints of transactions: create (postings or Numscript, dry runs), list,
count, read, metadata, revert."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse

from coffer.api import schemas as S
from coffer.api.deps import (
    ReadScope,
    WriteScope,
    expand_set,
    ledger_of,
    state,
    transaction_json,
    tx_row_json,
    volumes_json,
)
from coffer.api.errors import NoPostings
from coffer.api.ledger_access import check_force, principal_of, script_grants_overdraft
from coffer.api.ledger_filters import INVALID_CURSOR
from coffer.api.ledger_queries import (
    Queries,
    TxRow,
    decode_cursor,
    format_time,
    page_size,
)
from coffer.api.routers.ledger.common import (
    CursorQuery,
    Expand,
    IdempotencyKey,
    LedgerName,
    Paging,
    Pit,
    TxId,
    _micros,
    add_count_route,
    add_get_route,
    add_metadata_routes,
    created,
    cursor_fields,
    cursor_page,
    filtered_get,
    optional_int,
    router,
)
from coffer.errors import InsufficientFunds, ValidationError
from coffer.ledger import Ledger
from coffer.ledger.models import UNBOUNDED, DryRun, Hold, Posting, Transaction


def _vars(values: Mapping[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (values or {}).items():
        if isinstance(value, dict) and "amount" in value and "asset" in value:
            amount, asset = value["amount"], value["asset"]
            if type(amount) is not int or not isinstance(asset, str):
                raise ValidationError(
                    f'variable {key!r}: a monetary is {{"amount": <JSON integer>, '
                    f'"asset": <string>}}; got amount {amount!r}'
                )
            out[key] = f"{asset} {amount}"
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


def _require_sends(plain: str) -> bool:
    """A script without a ``send`` statement yields no postings: Formance's NO_POSTINGS.
    Returns whether the script grants an overdraft (which needs ``ledger:force``).

    (Sends that move nothing at run time are left to the ledger.)
    """
    from coffer import numscript
    from coffer.numscript.statements import Send

    program = numscript.parse(plain)
    if not any(isinstance(statement, Send) for statement in program.statements):
        raise NoPostings("numscript execution returned no postings")
    return script_grants_overdraft(program)


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
    grants = force
    if script is not None:
        grants = _require_sends(script.plain) or force
    if grants:
        check_force(state(request).coffer, principal_of(request), ledger)
    # what a script and postings take alike
    options: dict[str, Any] = {
        "metadata": body.metadata,
        "reference": body.reference,
        "idempotency_key": idempotency_key,
        "timestamp": body.timestamp,
        "pending": pending,
        "timeout_seconds": timeout_seconds,
    }
    result: Transaction | Hold
    if script is not None:
        ran = book.run(script.plain, vars=_vars(script.vars), dry_run=dry_run, **options)
        if isinstance(ran, DryRun):
            return _dry_run_json(ran, body, request, ledger)
        result = ran
    else:
        postings = _postings(body.postings or [])
        if dry_run:
            return _dry_run_postings(request, ledger, postings, force, body)
        overdrafts = {p.source: UNBOUNDED for p in postings} if force else None
        result = book.post(postings, overdrafts=overdrafts, **options)
    for address, metadata in (body.accountMetadata or {}).items():
        if metadata:
            book.set_account_metadata(address, metadata)
    return result


@router.post(
    "/v2/{ledger}/transactions",
    response_model=S.TransactionResponse,
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
    paging: CursorQuery, pit: datetime | None, order: str | None, reverse: bool, expand: set[str]
) -> dict[str, Any]:
    if paging.cursor:
        state_ = decode_cursor(paging.cursor)
        if not isinstance(state_.get("q", {}), (dict, type(None))):
            raise ValidationError(INVALID_CURSOR)
        return state_
    return {
        "q": paging.query,
        "pit": _micros(pit),
        "eff": order == "effective",
        "asc": bool(reverse),
        "size": paging.size,
        "after": None,
        "x": sorted(expand),
    }


@filtered_get("/v2/{ledger}/transactions", S.TransactionsCursorResponse, "v2ListTransactions")
def list_transactions(
    request: Request,
    ledger: LedgerName,
    paging: Paging,
    pit: Pit = None,
    order: Annotated[str | None, Query(pattern="^(effective|id)$")] = None,
    reverse: bool = False,
    expand: Expand = None,
    _principal: Any = ReadScope,
) -> Any:
    book = ledger_of(request, ledger)
    ledger_id = book.ledger_id
    queries = state(request).queries
    st = _tx_list_state(paging, pit, order, reverse, expand_set(expand))
    with cursor_fields():
        size = page_size(int(st["size"]))
        pit_micros = optional_int(st, "pit")
        after = st.get("after")
        after_keys = None if after is None else [int(v) for v in after]
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
    last = rows[-1] if rows else None
    keys = last and ([last.timestamp, last.id] if st.get("eff") else [last.id])
    return cursor_page(size, has_more, data, {**st, "after": keys})


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


add_count_route(
    "/v2/{ledger}/transactions",
    "count_transactions",
    "v2CountTransactions",
    Queries.count_transactions,
)


def _find_transaction(
    request: Request, ledger_id: int, tx_id: int, pit: int | None, expand: list[str] | None
) -> dict[str, Any] | None:
    row = state(request).queries.transactions_by_id(ledger_id, [tx_id]).get(tx_id)
    if row is None or (pit is not None and row.timestamp > pit):
        return None
    return _tx_with_volumes(request, ledger_id, row, expand_set(expand))


add_get_route(
    "/v2/{ledger}/transactions/{id}",
    ("id", TxId),
    ("get_transaction", "v2GetTransaction"),
    S.TransactionResponse,
    _find_transaction,
    lambda tx_id: f"transaction {tx_id}",
)


add_metadata_routes(
    "/v2/{ledger}/transactions/{id}",
    "transaction",
    ("id", TxId),
    ("v2AddMetadataOnTransaction", "v2DeleteTransactionMetadata"),
    lambda book, tx_id, body, key: book.set_transaction_metadata(tx_id, body, idempotency_key=key),
    Ledger.delete_transaction_metadata,
)


@created("/v2/{ledger}/transactions/{id}/revert", S.TransactionResponse, "v2RevertTransaction")
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
    if force:
        check_force(state(request).coffer, principal_of(request), ledger)
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
