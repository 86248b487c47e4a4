"""Console pages of the ledgers: ledgers, accounts, transactions (Formance filter, keyset
paging), a transaction (postings, metadata, times, inclusion proof verified in the
browser), holds. They read through the same query layer as the ledger API
(``coffer.api.ledger_queries.Queries``), scoped to the operator's platform."""

from __future__ import annotations

import json
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Query
from starlette.responses import JSONResponse, Response

from coffer.api.ledger_queries import Queries
from coffer.errors import LedgerNotFound, TransactionNotFound, ValidationError
from coffer.ledger.models import to_micros
from coffer.web.console.deps import PREFIX, ConsoleContext, console_context, console_router
from coffer.web.console.views import page, redirect

router = console_router()
Reader = Annotated[ConsoleContext, Depends(console_context("ledger.read"))]
PAGE_SIZE = 25
MAX_FILTER_LENGTH = 4000
# the query parameters of the ledger pages' search forms: a JSON filter, a search term
FilterText = Annotated[str, Query(max_length=MAX_FILTER_LENGTH)]
Term = Annotated[str, Query(max_length=300)]
MAX_LEDGERS_LISTED = 200


def queries(ctx: ConsoleContext) -> Queries:
    value: Queries = ctx.request.app.state.server.queries
    return value


def own_ledger(ctx: ConsoleContext, name: str) -> int:
    """The id of ledger ``name`` if it belongs to the operator's platform (404 otherwise,
    the same as a ledger that does not exist)."""
    book = ctx.state.coffer
    owner = book.ledger_owner(name)
    if owner is None or owner[0] != ctx.operator.platform_id:
        raise LedgerNotFound(f"ledger {name!r} does not exist")
    ledger = book.ledger(name, create=False)
    ledger.catch_up_balances()
    return ledger.ledger_id


def build_filter(raw: str, account: str, reference: str, metadata: str) -> object:
    """The Formance filter of the form: the JSON typed in, and the quick fields, all
    combined with $and."""
    terms: list[object] = []
    if raw.strip():
        if len(raw) > MAX_FILTER_LENGTH:
            raise ValidationError(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
        try:
            terms.append(json.loads(raw))
        except ValueError as exc:
            raise ValidationError(f"The filter is not JSON: {exc}") from None
    if account.strip():
        terms.append({"$match": {"account": account.strip()}})
    if reference.strip():
        terms.append({"$match": {"reference": reference.strip()}})
    if metadata.strip():
        key, sep, value = metadata.partition("=")
        if not sep or not key.strip():
            raise ValidationError("Write a metadata filter as key=value.")
        terms.append({"$match": {f"metadata[{key.strip()}]": value.strip()}})
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else {"$and": terms}


def _ledgers_page(ctx: ConsoleContext, active: str, section: str | None = None) -> Response:
    """The platform's ledgers; with ``section`` (transactions, holds), that page of its
    first ledger that is not a system one instead, when there is a ledger."""
    rows = ctx.state.coffer.ledgers(
        platform_id=ctx.operator.platform_id, page_size=MAX_LEDGERS_LISTED
    )
    preferred = next((r for r in rows if not r.system), rows[0] if rows else None)
    if section is not None and preferred is not None:
        return redirect(f"{PREFIX}/ledgers/{preferred.name}/{section}")
    return page(ctx, "console/ledgers.html", {"ledgers": rows}, title="Ledgers", active=active)


def _ledger_page(
    ctx: ConsoleContext, name: str, what: str, active: str | None = None, **values: Any
) -> Response:
    """The page of ledger ``name``'s ``what`` (transactions, accounts, holds): the template
    ``console/<what>.html``, under the navigation entry ``active`` (``/console/<what>``)."""
    return page(
        ctx,
        f"console/{what}.html",
        {"ledger": name, **values},
        title=f"{what.capitalize()} of {name}",
        active=active or f"{PREFIX}/{what}",
    )


def _add_home(path: str, name: str, section: str | None) -> None:
    """Register ``GET {path}``: the navigation entry ``path`` opening :func:`_ledgers_page`
    (of ``section``)."""

    def home(ctx: Reader) -> Response:
        return _ledgers_page(ctx, f"{PREFIX}{path}", section)

    router.get(path, name=name)(home)


for _path, _name, _section in (
    ("/ledgers", "ledgers", None),
    ("/transactions", "transactions_home", "transactions"),
    ("/holds", "holds_home", "holds"),
):
    _add_home(_path, _name, _section)


@router.get("/ledgers/{name}/transactions")
def transactions(
    ctx: Reader,
    name: str,
    filter: FilterText = "",
    account: Term = "",
    reference: Term = "",
    metadata: Term = "",
    before: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    ledger_id = own_ledger(ctx, name)
    query = build_filter(filter, account, reference, metadata)
    rows, more = queries(ctx).list_transactions(
        ledger_id,
        query=query,
        pit=None,
        size=PAGE_SIZE,
        effective_order=False,
        ascending=False,
        after=None if before is None else [before],
    )
    total = queries(ctx).next_transaction_id(ledger_id)
    return _ledger_page(
        ctx,
        name,
        "transactions",
        rows=rows,
        more=more,
        total=total,
        next_before=rows[-1].id if more and rows else None,
        form={"filter": filter, "account": account, "reference": reference, "metadata": metadata},
        first_page=before is None,
    )


@router.get("/ledgers/{name}/transactions/{tx_id}")
def transaction(ctx: Reader, name: str, tx_id: int) -> Response:
    ledger_id = own_ledger(ctx, name)
    found = queries(ctx).transactions_by_id(ledger_id, [tx_id])
    if tx_id not in found:
        raise TransactionNotFound(f"transaction {tx_id} does not exist in ledger {name!r}")
    tx = found[tx_id]
    public_key = ctx.state.coffer.signer.public_key.hex()
    return page(
        ctx,
        "console/transaction.html",
        {"ledger": name, "tx": tx, "public_key": public_key},
        title=f"Transaction {tx_id}",
        active="/console/transactions",
    )


@router.get("/ledgers/{name}/transactions/{tx_id}/proof")
async def proof(ctx: Reader, name: str, tx_id: int) -> Response:
    """The inclusion proof of a transaction as JSON, for the page's script to verify."""

    def run() -> dict[str, Any]:
        own_ledger(ctx, name)
        found = ctx.state.coffer.ledger(name, create=False).inclusion_proof(tx_id)
        entry, checkpoint = found.entry, found.checkpoint
        return {
            "transaction_id": tx_id,
            "entry": {
                "seq": entry.seq,
                "kind": entry.kind,
                "ref_id": entry.ref_id,
                "body": entry.body,
                "created_at": to_micros(entry.created_at),
                "hash": entry.hash.hex(),
                "previous_hash": entry.previous_hash.hex(),
            },
            "leaf_index": found.leaf_index,
            "tree_size": found.tree_size,
            "path": [node.hex() for node in found.path],
            "checkpoint": {
                "ledger": checkpoint.ledger,
                "tree_size": checkpoint.tree_size,
                "root": checkpoint.root.hex(),
                "public_key": checkpoint.public_key.hex(),
                "signature": checkpoint.signature.hex(),
                "created_at": to_micros(checkpoint.created_at),
            },
        }

    return JSONResponse(await anyio.to_thread.run_sync(run))


@router.get("/ledgers/{name}/accounts")
def accounts(
    ctx: Reader,
    name: str,
    filter: FilterText = "",
    address: Term = "",
    after: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    ledger_id = own_ledger(ctx, name)
    query = build_filter(filter, "", "", "")
    if address.strip():
        match = {"$match": {"address": address.strip()}}
        query = match if query is None else {"$and": [query, match]}
    rows, more = queries(ctx).list_accounts(
        ledger_id, query=query, pit=None, size=PAGE_SIZE, after=after
    )
    return _ledger_page(
        ctx,
        name,
        "accounts",
        active="/console/ledgers",
        rows=rows,
        more=more,
        form={"filter": filter, "address": address},
        next_after=rows[-1]["address"] if more and rows else None,
    )


@router.get("/ledgers/{name}/holds")
def holds(
    ctx: Reader,
    name: str,
    status: Annotated[str, Query(pattern="^(|pending|posted|voided|expired)$")] = "pending",
) -> Response:
    own_ledger(ctx, name)
    rows = ctx.state.coffer.ledger(name, create=False).holds(status=status or None, page_size=100)
    return _ledger_page(ctx, name, "holds", rows=rows, status=status)
