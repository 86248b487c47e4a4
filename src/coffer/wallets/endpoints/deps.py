"""What every wallets router shares: the platform of the app, auth scopes, the
Idempotency-Key header, the list query, and the routers' construction."""

from __future__ import annotations

import functools
import inspect
import threading
import typing
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request, Security
from fastapi.security import SecurityScopes
from pydantic import BaseModel

from coffer.errors import CofferError, SandboxOnly
from coffer.identity.audit import Actor
from coffer.platforms import DEFAULT_PLATFORM_ID, bind_caller
from coffer.wallets import schemas as S
from coffer.wallets.http_errors import WalletRoute, errors
from coffer.wallets.platform import WalletPlatform, open_wallets
from coffer.wallets.settings import get_wallet_settings

PREFIX = "/api/wallets/v1"
_lock = threading.Lock()
_domains_lock = threading.RLock()
DomainT = TypeVar("DomainT")

AUTH = (401, 403, 422)  # every authenticated route (422: its parameters)


def platform_of(request: Request) -> WalletPlatform:
    """The wallets domain of the caller's platform (set by the auth dependency, which
    every authenticated route runs first), built on first use on the app's Coffer."""
    platform_id = getattr(request.state, "platform_id", None)
    if platform_id is None:
        raise CofferError("the wallets platform was asked for before the caller was authorized")
    return platform_for(request.app, platform_id)


def platform_for(app: Any, platform_id: str = DEFAULT_PLATFORM_ID) -> WalletPlatform:
    """The wallets domain of ``platform_id`` in a FastAPI app, built on first use (the
    default platform's is ``app.state.wallets``, which an embedding app may set itself;
    the others are kept in ``app.state.wallets_by_platform``)."""
    app_state = app.state
    if platform_id == DEFAULT_PLATFORM_ID:
        plugged: WalletPlatform | None = getattr(app_state, "wallets", None)
        if plugged is not None:
            return plugged
    by_platform: dict[str, WalletPlatform] | None = getattr(app_state, "wallets_by_platform", None)
    if by_platform is not None:
        existing = by_platform.get(platform_id)
        if existing is not None:
            return existing
    with _lock:
        by_platform = getattr(app_state, "wallets_by_platform", None)
        if by_platform is None:
            by_platform = app_state.wallets_by_platform = {}
        existing = by_platform.get(platform_id)
        if existing is None:
            settings = get_wallet_settings()
            served_at = getattr(app_state, "public_base_url", None)  # set by coffer serve
            if settings.public_base_url is None and served_at:
                settings = settings.model_copy(update={"public_base_url": served_at})
            gateway = getattr(app_state, "wallets_gateway", None)  # tests may plug one
            existing = open_wallets(
                app_state.server.coffer, settings, gateway, platform_id=platform_id
            )
            # the domains above the wallets plug in (the risk check) before any movement
            for extend in getattr(app_state, "wallets_extensions", ()):
                extend(existing)
            by_platform[platform_id] = existing
            if platform_id == DEFAULT_PLATFORM_ID:
                app_state.wallets = existing
    return existing


def domain_for(
    app: Any, name: str, platform_id: str, build: Callable[[WalletPlatform], DomainT]
) -> DomainT:
    """The ``name`` domain (``fx``...) of ``platform_id`` in a FastAPI app, built on first
    use by ``build`` on the platform's wallets and kept in ``app.state.<name>_by_platform``;
    the default platform's is ``app.state.<name>``, which an embedding app may set itself."""
    state = app.state
    if platform_id == DEFAULT_PLATFORM_ID:
        plugged: DomainT | None = getattr(state, name, None)
        if plugged is not None:
            return plugged
    with _domains_lock:  # reentrant: a domain may be built on another one
        by_platform: dict[str, DomainT] = getattr(state, f"{name}_by_platform", None) or {}
        setattr(state, f"{name}_by_platform", by_platform)
        existing = by_platform.get(platform_id)
        if existing is None:
            existing = by_platform[platform_id] = build(platform_for(app, platform_id))
            if platform_id == DEFAULT_PLATFORM_ID:
                setattr(state, name, existing)
    return existing


def platforms_opened(app: Any) -> list[WalletPlatform]:
    """The wallets domains of the platforms this app has served so far."""
    with _lock:
        found = dict(getattr(app.state, "wallets_by_platform", {}))
        plugged = getattr(app.state, "wallets", None)
        if plugged is not None:
            found[DEFAULT_PLATFORM_ID] = plugged
        return list(found.values())


def all_platforms(app: Any) -> list[WalletPlatform]:
    """The wallets domain of every platform of the app's database (the worker's)."""
    from coffer.platforms.service import list_platforms

    engine = app.state.server.coffer.engine
    return [platform_for(app, row.id) for row in list_platforms(engine)]


def platform_owning(
    app: Any, table: Any, conditions: dict[str, Any], *, sandbox_only: bool = False
) -> WalletPlatform:
    """For public routes (no token): the wallets domain of the platform owning the row of
    ``table`` matching ``conditions``; the default platform's when there is none (it then
    answers not found). With ``sandbox_only``, a live platform's row is not found either."""
    from coffer.wallets.repository import owner_of

    with app.state.server.coffer.engine.connect() as connection:
        platform_id = owner_of(connection, table, conditions) or DEFAULT_PLATFORM_ID
    platform = platform_for(app, platform_id)
    if sandbox_only and platform.live:
        raise SandboxOnly("this page exists only for sandbox platforms")
    return platform


def payin_platform_of(request: Request) -> WalletPlatform:
    """The sandbox 3-D Secure page's platform: the one owning the pay-in in the path."""
    from coffer.wallets import tables as T

    payin_id = str(request.path_params.get("payin_id", ""))
    return platform_owning(request.app, T.payins, {"id": payin_id}, sandbox_only=True)


def sandbox_platform_of(request: Request) -> WalletPlatform:
    """The caller's wallets domain, for sandbox-only routes: they do not exist (404
    ``sandbox_only``) for a live platform."""
    platform = platform_of(request)
    if platform.live:
        raise SandboxOnly("this route exists only for sandbox platforms")
    return platform


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
    principal = authority.authorize(
        request.headers.get("authorization"), scopes.scopes[0], address=address_of(request)
    )
    bind_caller(request, principal)
    request.state.principal = principal  # who acts, for the audit log (actor_of)
    return principal


def address_of(request: Request) -> str | None:
    """Where the request came from (the peer's address)."""
    return request.client.host if request.client is not None else None


def actor_of(request: Request) -> Actor:
    """Who makes the request (its token's client) and from where, for the audit log."""
    principal = getattr(request.state, "principal", None)
    name = getattr(principal, "client_id", None) or "anonymous"
    return Actor(str(name), address_of(request))


Read = Security(authorize, scopes=["wallets:read"])
Write = Security(authorize, scopes=["wallets:write"])
Platform = Annotated[WalletPlatform, Depends(platform_of)]
Caller = Annotated[Actor, Depends(actor_of)]
SandboxPlatform = Annotated[WalletPlatform, Depends(sandbox_platform_of)]
PayinPlatform = Annotated[WalletPlatform, Depends(payin_platform_of)]
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
Params = ParamSpec("Params")


def action(
    operation: str, *ids: str
) -> Callable[[Callable[Params, ModelT]], Callable[Params, ModelT]]:
    """An action POST, run once per Idempotency-Key (see :meth:`WalletsCore.once`).

    The endpoint takes its platform ``p`` and the ``key`` header. What a repeat with the
    key must match: the path parameters ``ids`` (the first names the resource) and every
    field of the ``body`` (None when it has none). ``operation`` may name path parameters
    (``wallet_{action}``)."""

    def decorate(endpoint: Callable[Params, ModelT]) -> Callable[Params, ModelT]:
        hints = typing.get_type_hints(endpoint)
        model: type[ModelT] = hints["return"]
        body_fields = [
            name
            for kind in typing.get_args(hints.get("body")) or (hints.get("body"),)
            if isinstance(kind, type) and issubclass(kind, BaseModel)
            for name in kind.model_fields
        ]

        @functools.wraps(endpoint)
        def run_once(*args: Params.args, **kwargs: Params.kwargs) -> ModelT:
            body = kwargs.get("body")
            payload = {name: kwargs[name] for name in ids}
            payload |= dict.fromkeys(body_fields)
            if isinstance(body, BaseModel):
                payload |= body.model_dump(mode="json")
            platform = kwargs["p"]
            assert isinstance(platform, WalletPlatform)
            result = platform.core.once(
                key=typing.cast(str | None, kwargs.get("key")),
                operation=operation.format(**kwargs),
                payload=payload,
                run=lambda: endpoint(*args, **kwargs),
                model=model,
                resource_id=str(kwargs[ids[0]]) if ids else "",
            )
            assert result is not None
            return result

        return run_once

    return decorate


def routers() -> tuple[APIRouter, APIRouter, APIRouter]:
    """A resource's routers: ``wallets:read`` routes, ``wallets:write`` routes, and public
    ones (no token); the package's ``router`` mounts them under the prefix."""
    return (
        APIRouter(dependencies=[Read], route_class=WalletRoute),
        APIRouter(dependencies=[Write], route_class=WalletRoute),
        APIRouter(route_class=WalletRoute),
    )


class Routes:
    """A resource module's routes: its ``wallets:read`` routes, ``wallets:write`` routes and
    public ones (no token), which the package's ``router`` mounts under the prefix; and the
    helpers that declare the shapes every resource repeats."""

    def __init__(self) -> None:
        self.read, self.write, self.public = routers()

    action = staticmethod(action)

    @staticmethod
    def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
        """The error answers of an authenticated route: 401, 403, 422 and ``codes``."""
        return errors(*AUTH, *codes)

    def create(
        self,
        path: str,
        request: type[BaseModel],
        model: type[BaseModel],
        *,
        service: Callable[[WalletPlatform], Any],
        method: str,
        codes: tuple[int, ...] = (400, 404, 409),
    ) -> None:
        """A resource's create route: ``POST path`` (named ``method``, 201) taking a ``request``
        body and an idempotency key, answered by ``service(platform).<method>(body,
        idempotency_key=key)`` as a ``model``; ``codes``: its errors besides 401, 403, 422."""
        arg = inspect.Parameter.POSITIONAL_OR_KEYWORD

        def endpoint(body: BaseModel, p: WalletPlatform, key: str | None = None) -> Any:
            return getattr(service(p), method)(body, idempotency_key=key)

        endpoint.__name__ = method
        endpoint.__doc__ = None
        endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("body", arg, annotation=request),
                inspect.Parameter("p", arg, annotation=Platform),
                inspect.Parameter("key", arg, annotation=IdempotencyKey, default=None),
            ],
            return_annotation=model,
        )
        self.write.post(path, status_code=201, responses=self.errors(*codes))(endpoint)

    def list_and_retrieve(
        self,
        path: str,
        model: type[BaseModel],
        *,
        service: Callable[[WalletPlatform], Any],
        names: tuple[str, str],
        id_name: str | None = None,
        get_method: str | None = None,
        list_errors: tuple[int, ...] = (),
        list_doc: str | None = None,
    ) -> None:
        """A resource's two read routes: ``GET path`` (``list_<plural>``: a page of ``model``
        under the list query) and ``GET path/{<singular>_id}`` (``get_<singular>``: one, or
        404), answered by the ``<plural>`` and ``<singular>`` methods (or ``get_method``) of
        ``service(platform)``. ``names`` is (plural, singular)."""
        plural, singular = names
        id_name = id_name or f"{singular}_id"
        get_method = get_method or singular
        arg = inspect.Parameter.POSITIONAL_OR_KEYWORD

        def list_endpoint(p: WalletPlatform, query: S.ListQuery) -> Any:
            return getattr(service(p), plural)(query)

        def get_endpoint(p: WalletPlatform, **ids: str) -> Any:
            return getattr(service(p), get_method)(ids[id_name])

        list_endpoint.__name__ = f"list_{plural}"
        list_endpoint.__doc__ = list_doc
        list_endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("p", arg, annotation=Platform),
                inspect.Parameter("query", arg, annotation=Listed),
            ],
            return_annotation=S.ListPage[model],  # type: ignore[valid-type]
        )
        get_endpoint.__name__ = f"get_{singular}"
        get_endpoint.__doc__ = None
        get_endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter(id_name, arg, annotation=str),
                inspect.Parameter("p", arg, annotation=Platform),
            ],
            return_annotation=model,
        )
        self.read.get(path, responses=errors(*AUTH, *list_errors))(list_endpoint)
        self.read.get(f"{path}/{{{id_name}}}", responses=errors(*AUTH, 404))(get_endpoint)
