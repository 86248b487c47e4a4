"""What the routers share: the server state, auth dependencies, body parsing, serializers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2, SecurityScopes

from coffer.api.auth import Authority, Principal
from coffer.api.ledger_access import check_ledger
from coffer.api.ledger_queries import Queries, TxRow, format_micros, format_time
from coffer.api.settings import ApiSettings
from coffer.core import Coffer
from coffer.errors import ValidationError
from coffer.ledger import Ledger
from coffer.ledger.models import (
    UNBOUNDED,
    Hold,
    Posting,
    Transaction,
    TransactionRequest,
    Volumes,
)
from coffer.money import MAX_AMOUNT
from coffer.platforms import bind_caller

TOKEN_PATH = "/api/auth/oauth/token"
MAX_BODY_BYTES = 32 * 1024 * 1024


@dataclass
class ServerState:
    coffer: Coffer
    queries: Queries
    authority: Authority
    settings: ApiSettings
    ready: bool = True


def state(request: Request) -> ServerState:
    value: ServerState = request.app.state.server
    return value


def ledger_of(request: Request, name: str) -> Ledger:
    """The ledger ``name`` (LedgerNotFound when it does not exist). Call from a thread."""
    return state(request).coffer.ledger(name, create=False)


def ledger_id_of(request: Request, name: str) -> int:
    """The id of ledger ``name``, for SQL reads: its balance rows are made current first."""
    book = ledger_of(request, name)
    book.catch_up_balances()
    return book.ledger_id


# -- auth -----------------------------------------------------------------------------------

oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl=TOKEN_PATH,
            scopes={
                "ledger:read": "Read ledgers",
                "ledger:write": "Write to ledgers (not system ledgers)",
                "ledger:force": "Force transactions and grant overdrafts (not on system ledgers)",
                "ledger:admin": "Write to system ledgers (audited; never forced)",
                "wallets:read": "Read customers, wallets and payments",
                "wallets:write": "Move money between wallets, create customers and wallets",
                "assistant:read": "Read the assistant's answers",
                "assistant:write": "Change the assistant's budgets, goals and rules",
                "admin": "Read the audit log",
            },
        )
    ),
    scheme_name="Authorization",
    auto_error=False,
)


async def _authorize(
    request: Request,
    scopes: SecurityScopes,
    authorization: str | None = Security(oauth2_scheme),
) -> Principal:
    authority = state(request).authority
    scope = scopes.scopes[0] if scopes.scopes else ""
    address = request.client.host if request.client is not None else None
    principal = authority.authorize(authorization, scope, address)
    bind_caller(request, principal)
    ledger = request.path_params.get("ledger")
    if ledger is not None:
        check_ledger(
            state(request).coffer,
            principal,
            str(ledger),
            write=scope == "ledger:write",
            scope=request.scope,
        )
    return principal


ReadScope = Security(_authorize, scopes=["ledger:read"])
WriteScope = Security(_authorize, scopes=["ledger:write"])


# -- bodies ---------------------------------------------------------------------------------


async def json_body(request: Request) -> Any:
    """The request's JSON body, or None when empty. Big integers stay exact ints."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ValidationError("the request body is too large")
    if not body.strip():
        return None
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ValidationError("the request body is not valid JSON") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


async def filter_body(request: Request) -> Any:
    """A Formance query-language filter sent as the (GET) request body."""
    body = await json_body(request)
    if body is not None and not isinstance(body, dict):
        raise ValidationError("the filter must be a JSON object")
    return body


FILTER_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "description": "Optional Formance query-language filter, e.g. "
        '{"$match": {"metadata[kind]": "fee"}}',
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}

Dependency = Callable[..., Awaitable[Any]]


# -- plain transactions ------------------------------------------------------------------

_PLAIN_KEYS = frozenset(
    ("postings", "metadata", "reference", "timestamp", "force", "script", "accountMetadata")
)
_POSTING_KEYS = frozenset(("source", "destination", "amount", "asset"))
MAX_POSTINGS = 10_000  # as S.PostTransaction.postings
MAX_REFERENCE_LENGTH = 1000  # as S.PostTransaction.reference


def plain_transaction(
    data: Any, idempotency_key: str | None, *, force: bool = False
) -> TransactionRequest | None:
    """A Formance ``V2PostTransaction`` body as a postings request, checked without Pydantic.

    Only the common shape is taken (postings, metadata, reference, force; no timestamp,
    script or account metadata): None means "not this shape", and the caller validates the
    body the general way. What it accepts, ``S.PostTransaction`` accepts with the same
    values, so both paths give the same result.
    """
    if type(data) is not dict or not _PLAIN_KEYS.issuperset(data):
        return None
    if data.get("script") is not None or data.get("timestamp") is not None:
        return None
    if data.get("accountMetadata"):
        return None
    postings = data.get("postings")
    if type(postings) is not list or not 0 < len(postings) <= MAX_POSTINGS:
        return None
    out: list[Posting] = []
    for item in postings:
        if type(item) is not dict or item.keys() != _POSTING_KEYS:
            return None
        source, destination = item["source"], item["destination"]
        amount, asset = item["amount"], item["asset"]
        if (
            type(source) is not str
            or type(destination) is not str
            or type(asset) is not str
            or type(amount) is not int
            or not 0 <= amount <= MAX_AMOUNT
        ):
            return None
        out.append(Posting(source, destination, amount, asset))
    metadata = data.get("metadata")
    if metadata is not None:
        if type(metadata) is not dict:
            return None
        for value in metadata.values():
            if type(value) is not str:  # keys of a parsed JSON object are always str
                return None
    reference = data.get("reference")
    if reference is not None and (
        type(reference) is not str or len(reference) > MAX_REFERENCE_LENGTH
    ):
        return None
    forced = data.get("force")
    if forced is not None and type(forced) is not bool:
        return None
    grants = {p.source: UNBOUNDED for p in out} if force or forced else None
    return TransactionRequest(
        postings=out,
        metadata=metadata,
        reference=reference,
        idempotency_key=idempotency_key,
        overdrafts=grants,
    )


# -- serializers -----------------------------------------------------------------------------


def postings_json(postings: list[Posting]) -> list[dict[str, Any]]:
    return [
        {"source": p.source, "destination": p.destination, "amount": p.amount, "asset": p.asset}
        for p in postings
    ]


def volumes_json(volumes: dict[str, dict[str, Volumes]]) -> dict[str, Any]:
    return {
        account: {
            asset: {"input": v.input, "output": v.output, "balance": v.input - v.output}
            for asset, v in assets.items()
        }
        for account, assets in volumes.items()
    }


def asset_volumes_json(volumes: dict[str, Volumes]) -> dict[str, Any]:
    return {
        asset: {"input": v.input, "output": v.output, "balance": v.input - v.output}
        for asset, v in volumes.items()
    }


def _own_movements(postings: list[Posting]) -> dict[tuple[str, str], list[int]]:
    """(account, asset) -> [input, output] that the transaction's own postings moved."""
    own: dict[tuple[str, str], list[int]] = {}
    for p in postings:
        key = (p.destination, p.asset)
        entry = own.get(key)
        if entry is None:
            own[key] = [p.amount, 0]
        else:
            entry[0] += p.amount
        key = (p.source, p.asset)
        entry = own.get(key)
        if entry is None:
            own[key] = [0, p.amount]
        else:
            entry[1] += p.amount
    return own


def _commit_volumes_json(
    post: dict[str, dict[str, Volumes]], postings: list[Posting]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(postCommitVolumes, preCommitVolumes) in one pass: the volumes before are those
    after, minus what the transaction's own postings moved."""
    own = _own_movements(postings)
    after: dict[str, Any] = {}
    before: dict[str, Any] = {}
    for account, assets in post.items():
        after_assets: dict[str, Any] = {}
        before_assets: dict[str, Any] = {}
        for asset, (inputs, outputs) in assets.items():
            after_assets[asset] = {"input": inputs, "output": outputs, "balance": inputs - outputs}
            mine = own.get((account, asset))
            if mine is not None:
                inputs -= mine[0]
                outputs -= mine[1]
            before_assets[asset] = {"input": inputs, "output": outputs, "balance": inputs - outputs}
        after[account] = after_assets
        before[account] = before_assets
    return after, before


_last_time: tuple[datetime | None, str | None] = (None, None)


def _time_text(moment: datetime) -> str | None:
    """``format_time``, remembering the last value (a batch shares its insertion time)."""
    global _last_time
    last, text = _last_time
    if moment is last or moment == last:
        return text
    text = format_time(moment)
    _last_time = (moment, text)
    return text


def _formance_transaction(
    tx_id: int,
    postings: list[Posting],
    metadata: dict[str, str],
    timestamp: str | None,
    inserted_at: str | None,
    reverted: bool,
    reference: str | None,
) -> dict[str, Any]:
    """A transaction's fields in Formance's shape (times already as text)."""
    out: dict[str, Any] = {
        "id": tx_id,
        "postings": postings_json(postings),
        "metadata": metadata,
        "timestamp": timestamp,
        "insertedAt": inserted_at,
        "reverted": reverted,
    }
    if reference is not None:
        out["reference"] = reference
    return out


def transaction_json(tx: Transaction, *, with_volumes: bool = True) -> dict[str, Any]:
    """A freshly written (or read) :class:`Transaction` in Formance's shape."""
    out = _formance_transaction(
        tx.id,
        tx.postings,
        tx.metadata,
        _time_text(tx.timestamp),
        _time_text(tx.inserted_at),
        tx.reverted_by is not None,
        tx.reference,
    )
    if with_volumes and tx.post_commit_volumes is not None:
        after, before = _commit_volumes_json(tx.post_commit_volumes, tx.postings)
        out["postCommitVolumes"] = after
        out["preCommitVolumes"] = before
    return out


_quote = json.encoder.encode_basestring


def _metadata_text(metadata: dict[str, str]) -> str:
    if not metadata:
        return "{}"
    return "{" + ",".join(f"{_quote(k)}:{_quote(v)}" for k, v in metadata.items()) + "}"


def transaction_text(tx: Transaction) -> str:
    """``transaction_json(tx)`` encoded as compact JSON (what ``JSONResponse`` would send),
    built directly: responses to writes carry one per created transaction."""
    postings = ",".join(
        f'{{"source":"{p.source}","destination":"{p.destination}","amount":{p.amount},'
        f'"asset":"{p.asset}"}}'
        for p in tx.postings
    )
    text = (
        f'{{"id":{tx.id},"postings":[{postings}],"metadata":{_metadata_text(tx.metadata)},'
        f'"timestamp":"{_time_text(tx.timestamp)}","insertedAt":"{_time_text(tx.inserted_at)}",'
        f'"reverted":{"true" if tx.reverted_by is not None else "false"}'
    )
    if tx.reference is not None:
        text += f',"reference":{_quote(tx.reference)}'
    if tx.volumes_after is not None:
        after, before = _volume_texts(tx.volumes_after, tx.postings)
        text += f',"postCommitVolumes":{after},"preCommitVolumes":{before}'
    return text + "}"


def _volume_texts(
    volumes_after: tuple[tuple[str, str, int, int], ...], postings: list[Posting]
) -> tuple[str, str]:
    """(postCommitVolumes, preCommitVolumes) as JSON text, straight from the ledger's
    ``volumes_after`` rows (same text as encoding :func:`_commit_volumes_json`)."""
    if len(postings) == 1 and len(volumes_after) == 2:
        # the common transfer: one posting between two accounts (source first)
        (source, asset, s_in, s_out), (destination, _, d_in, d_out) = volumes_after
        posting = postings[0]
        amount = posting.amount
        if (
            source == posting.source != destination
            and destination == posting.destination
            and asset == posting.asset
        ):
            s_before = s_out - amount
            d_before = d_in - amount
            return (
                f'{{"{source}":{{"{asset}":{{"input":{s_in},"output":{s_out},'
                f'"balance":{s_in - s_out}}}}},"{destination}":{{"{asset}":{{"input":{d_in},'
                f'"output":{d_out},"balance":{d_in - d_out}}}}}}}',
                f'{{"{source}":{{"{asset}":{{"input":{s_in},"output":{s_before},'
                f'"balance":{s_in - s_before}}}}},"{destination}":{{"{asset}":{{"input":'
                f'{d_before},"output":{d_out},"balance":{d_before - d_out}}}}}}}',
            )
    own = _own_movements(postings)
    after: dict[str, list[str]] = {}
    before: dict[str, list[str]] = {}
    for account, asset, inputs, outputs in volumes_after:
        after_parts = after.get(account)
        if after_parts is None:
            after_parts = after[account] = []
            before_parts = before[account] = []
        else:
            before_parts = before[account]
        after_parts.append(
            f'"{asset}":{{"input":{inputs},"output":{outputs},"balance":{inputs - outputs}}}'
        )
        mine = own.get((account, asset))
        if mine is not None:
            inputs -= mine[0]
            outputs -= mine[1]
        before_parts.append(
            f'"{asset}":{{"input":{inputs},"output":{outputs},"balance":{inputs - outputs}}}'
        )
    return (
        "{" + ",".join(f'"{a}":{{{",".join(parts)}}}' for a, parts in after.items()) + "}",
        "{" + ",".join(f'"{a}":{{{",".join(parts)}}}' for a, parts in before.items()) + "}",
    )


def tx_row_json(row: TxRow) -> dict[str, Any]:
    out = _formance_transaction(
        row.id,
        row.postings,
        row.metadata,
        format_micros(row.timestamp),
        format_micros(row.inserted_at),
        row.reverted_by is not None,
        row.reference,
    )
    if row.reverted_at is not None:
        out["revertedAt"] = format_micros(row.reverted_at)
    return out


def hold_json(hold: Hold) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": hold.id,
        "postings": postings_json(hold.postings),
        "status": hold.status,
        "createdAt": format_time(hold.created_at),
        "metadata": hold.metadata,
    }
    if hold.expires_at is not None:
        out["expiresAt"] = format_time(hold.expires_at)
    if hold.reference is not None:
        out["reference"] = hold.reference
    return out


def expand_set(expand: list[str] | None) -> set[str]:
    out: set[str] = set()
    for item in expand or []:
        out.update(part.strip() for part in item.split(",") if part.strip())
    return out
