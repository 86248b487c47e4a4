"""Who is calling a console page: :func:`console_context` loads the session, the
operator and the platform, enforces CSRF on unsafe methods, MFA enrolment and the page's
permission, and sets ``request.state.platform_id`` (the ``coffer.platforms`` contract); the
router of a console module."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter
from starlette.requests import Request

from coffer.errors import OperatorNotFound, PermissionDenied
from coffer.identity.operators import service as operators
from coffer.identity.operators.roles import allows
from coffer.identity.operators.service import Operator
from coffer.web.console.repository import platform_row
from coffer.web.pages import Redirect, WebRoute, WebState, web_state
from coffer.web.security import check_csrf
from coffer.web.sessions import WebSession

REALM = "console"
PREFIX = "/console"
ENROL_PATH = f"{PREFIX}/security"
_PLATFORM_CACHE_SECONDS = 30.0
_platform_cache: dict[str, tuple[float, tuple[str, str, str] | None]] = {}


@dataclass(frozen=True, slots=True)
class Platform:
    id: str
    name: str
    mode: str  # sandbox | live

    @property
    def sandbox(self) -> bool:
        return self.mode != "live"


@dataclass(frozen=True, slots=True)
class ConsoleContext:
    request: Request
    state: WebState
    session: WebSession
    operator: Operator
    platform: Platform
    must_enrol: bool

    def can(self, permission: str) -> bool:
        return allows(self.operator.role, permission)

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"Your role ({self.operator.role}) does not allow this ({permission})."
            )

    def named_in(self, names: Iterable[str]) -> bool:
        """Whether the operator is among ``names`` (their email or id)."""
        return not {self.operator.email, self.operator.id}.isdisjoint(names)

    def refuse_maker(self, makers: Iterable[str], what: str) -> None:
        """Maker-checker: an operator among ``makers`` (who asked for ``what``) does not
        approve it."""
        if self.named_in(makers):
            raise PermissionDenied(f"You {what}: another operator must approve it (maker-checker).")

    @property
    def actor(self) -> str:
        return self.operator.id


def console_router() -> APIRouter:
    """The router of a console module's pages (under ``/console``, not in the OpenAPI)."""
    return APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)


def platform_of(state: WebState, platform_id: str) -> Platform:
    now = time.monotonic()
    cached = _platform_cache.get(platform_id)
    if cached is None or now - cached[0] > _PLATFORM_CACHE_SECONDS:
        cached = (now, platform_row(state.engine, platform_id))
        _platform_cache[platform_id] = cached
    row = cached[1]
    if row is None:
        return Platform(platform_id, platform_id, "sandbox")
    return Platform(*row)


def sign_in_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{PREFIX}/sign-in?next={quote(target, safe='')}"


def _load(state: WebState, request: Request) -> tuple[WebSession | None, Operator | None, bool]:
    """The request's signed-in session, its active operator and whether the operator must
    still set up TOTP; (session, None, False) when not signed in (a disabled operator's
    session is revoked)."""
    session = state.sessions.load(request, REALM)
    if session is None or not session.signed_in or session.platform_id is None:
        return session, None, False
    assert session.subject is not None
    with state.engine.connect() as connection:
        try:
            operator = operators.get_operator(connection, session.platform_id, session.subject)
        except OperatorNotFound:
            operator = None
        must_enrol = operator is not None and operators.needs_totp_enrolment(connection, operator)
    if operator is None or operator.status != "active":
        state.sessions.revoke(session)
        return None, None, False
    return session, operator, must_enrol


def console_context(
    permission: str | None = None, *, allow_enrolment: bool = False
) -> Callable[[Request], Awaitable[ConsoleContext]]:
    """A dependency for a console page needing ``permission`` (None: any signed-in
    operator)."""

    async def dependency(request: Request) -> ConsoleContext:
        state = web_state(request)
        # the database reads run in a worker thread, off the event loop
        session, operator, must_enrol = await anyio.to_thread.run_sync(_load, state, request)
        request.state.web_session = session
        if session is None or operator is None:
            if request.method != "GET":
                await check_csrf(request, session)
            raise Redirect(sign_in_url(request) if request.method == "GET" else f"{PREFIX}/sign-in")
        request.state.platform_id = operator.platform_id
        await check_csrf(request, session)
        if must_enrol and not allow_enrolment:
            raise Redirect(ENROL_PATH)
        context = ConsoleContext(
            request=request,
            state=state,
            session=session,
            operator=operator,
            platform=platform_of(state, operator.platform_id),
            must_enrol=must_enrol,
        )
        if permission is not None:
            context.require(permission)
        return context

    return dependency
