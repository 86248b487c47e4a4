"""What the routers share: the server state, auth dependencies, body parsing, serializers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2, SecurityScopes

from coffer.api.auth import Authority, Principal
from coffer.api.ledger_queries import Queries, TxRow, format_micros, format_time
from coffer.api.settings import ApiSettings
from coffer.core import Coffer
from coffer.errors import ValidationError
from coffer.ledger import Ledger
from coffer.ledger.models import Hold, Posting, Transaction, Volumes

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
    return ledger_of(request, name).ledger_id


# -- auth -----------------------------------------------------------------------------------

oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl=TOKEN_PATH,
            scopes={"ledger:read": "Read ledgers", "ledger:write": "Write to ledgers"},
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
    return authority.authorize(authorization, scopes.scopes[0] if scopes.scopes else "")


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


def pre_commit(
    post: dict[str, dict[str, Volumes]], postings: list[Posting]
) -> dict[str, dict[str, Volumes]]:
    own: dict[tuple[str, str], list[int]] = {}
    for p in postings:
        own.setdefault((p.destination, p.asset), [0, 0])[0] += p.amount
        own.setdefault((p.source, p.asset), [0, 0])[1] += p.amount
    out: dict[str, dict[str, Volumes]] = {}
    for account, assets in post.items():
        out[account] = {}
        for asset, v in assets.items():
            mine = own.get((account, asset), [0, 0])
            out[account][asset] = Volumes(v.input - mine[0], v.output - mine[1])
    return out


def transaction_json(tx: Transaction, *, with_volumes: bool = True) -> dict[str, Any]:
    """A freshly written (or read) :class:`Transaction` in Formance's shape."""
    out: dict[str, Any] = {
        "id": tx.id,
        "postings": postings_json(tx.postings),
        "metadata": tx.metadata,
        "timestamp": format_time(tx.timestamp),
        "insertedAt": format_time(tx.inserted_at),
        "reverted": tx.reverted_by is not None,
    }
    if tx.reference is not None:
        out["reference"] = tx.reference
    if with_volumes and tx.post_commit_volumes is not None:
        out["postCommitVolumes"] = volumes_json(tx.post_commit_volumes)
        out["preCommitVolumes"] = volumes_json(pre_commit(tx.post_commit_volumes, tx.postings))
    return out


def tx_row_json(row: TxRow) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "postings": postings_json(row.postings),
        "metadata": row.metadata,
        "timestamp": format_micros(row.timestamp),
        "insertedAt": format_micros(row.inserted_at),
        "reverted": row.reverted_by is not None,
    }
    if row.reference is not None:
        out["reference"] = row.reference
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
