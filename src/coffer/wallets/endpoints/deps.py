"""What every wallets router shares: the platform of the app, auth scopes, the
Idempotency-Key header, the list query, and the routers' construction."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request, Security
from fastapi.security import SecurityScopes
from pydantic import BaseModel

from coffer.wallets import schemas as S
from coffer.wallets.http_errors import WalletRoute
from coffer.wallets.platform import WalletPlatform, open_wallets
from coffer.wallets.settings import get_wallet_settings

PREFIX = "/api/wallets/v1"
_lock = threading.Lock()

AUTH = (401, 403, 422)  # every authenticated route (422: its parameters)


def platform_of(request: Request) -> WalletPlatform:
    """The app's wallets platform, built on first use on the app's Coffer."""
    return platform_for(request.app)


def platform_for(app: Any) -> WalletPlatform:
    """The wallets platform of a FastAPI app (``app.state.wallets``), built on first use."""
    app_state = app.state
    existing: WalletPlatform | None = getattr(app_state, "wallets", None)
    if existing is not None:
        return existing
    with _lock:
        existing = getattr(app_state, "wallets", None)
        if existing is None:
            settings = get_wallet_settings()
            served_at = getattr(app_state, "public_base_url", None)  # set by coffer serve
            if settings.public_base_url is None and served_at:
                settings = settings.model_copy(update={"public_base_url": served_at})
            existing = open_wallets(app_state.server.coffer, settings)
            # the domains above the wallets plug in (the risk check) before any movement
            for extend in getattr(app_state, "wallets_extensions", ()):
                extend(existing)
            app_state.wallets = existing
    return existing


def absolute(payin: S.Payin, request: Request) -> S.Payin:
    """The pay-in with its ``next_action.url`` made absolute from the request's base URL
    (when no public base URL is configured, the service answers a path)."""
    action = payin.next_action
    if action is None or not action.url.startswith("/"):
        return payin
    base = str(request.base_url).rstrip("/")
    return payin.model_copy(update={"next_action": S.NextAction(url=base + action.url)})


async def authorize(request: Request, scopes: SecurityScopes) -> Any:
    """The ledger API's bearer-token check with a wallets scope."""
    authority = request.app.state.server.authority
    return authority.authorize(request.headers.get("authorization"), scopes.scopes[0])


Read = Security(authorize, scopes=["wallets:read"])
Write = Security(authorize, scopes=["wallets:write"])
Platform = Annotated[WalletPlatform, Depends(platform_of)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Optional (as with Stripe and Mangopay). A unique key per request "
        "(a UUID) makes a POST safe to retry: a repeat with the same key and body answers "
        "the first result (the resource, or the stored answer of an action) without doing "
        "it twice; the same key with another body is refused (409 idempotency_conflict).",
    ),
]
Limit = Annotated[int, Query(ge=1, le=100)]
After = Annotated[str | None, Query(max_length=40)]
# the query string of every list endpoint: limit, starting_after and the filters
Listed = Annotated[S.ListQuery, Query()]

ModelT = TypeVar("ModelT", bound=BaseModel)


def once(
    p: WalletPlatform,
    key: str | None,
    operation: str,
    payload: dict[str, Any],
    run: Callable[[], ModelT],
    model: type[ModelT],
    resource_id: str = "",
) -> ModelT:
    """An action POST, once per Idempotency-Key (see :meth:`WalletsCore.once`)."""
    result = p.core.once(
        key=key,
        operation=operation,
        payload=payload,
        run=run,
        model=model,
        resource_id=resource_id,
    )
    assert result is not None
    return result


def routers() -> tuple[APIRouter, APIRouter, APIRouter]:
    """A resource's routers: ``wallets:read`` routes, ``wallets:write`` routes, and public
    ones (no token); the package's ``router`` mounts them under the prefix."""
    return (
        APIRouter(dependencies=[Read], route_class=WalletRoute),
        APIRouter(dependencies=[Write], route_class=WalletRoute),
        APIRouter(route_class=WalletRoute),
    )
