"""Helpers for the web pages' routes: :class:`WebRoute` (errors rendered as HTML pages),
:class:`Redirect`, :func:`web_state`, :func:`client_address`, :func:`sealer_of`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from coffer.core import Coffer
from coffer.errors import CofferError
from coffer.identity.factors.service import Sealer
from coffer.web.sessions import Sessions, WebSession
from coffer.web.settings import WebSettings
from coffer.web.templating import render

logger = logging.getLogger("coffer.web")


@dataclass(frozen=True, slots=True)
class WebState:
    """What the web routes share, kept on ``app.state.web``."""

    coffer: Coffer
    engine: sa.Engine
    settings: WebSettings
    sessions: Sessions


class Redirect(Exception):
    """Raised by a dependency or handler to answer with a 303 redirect."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def sealer_of(request: Request) -> Sealer:
    """What seals the console operators' TOTP secrets: the master-key cipher."""
    from coffer.wallets.endpoints import platform_for

    return platform_for(request.app).core.cipher


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_session(request: Request) -> WebSession | None:
    session: WebSession | None = getattr(request.state, "web_session", None)
    return session


class WebRoute(APIRoute):
    """A route whose Coffer errors become an HTML error page (in the site's layout) and
    whose :class:`Redirect` becomes a 303."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except Redirect as redirect:
                return RedirectResponse(redirect.location, status_code=303)
            except CofferError as exc:
                return render(
                    request,
                    "error.html",
                    {"error": exc, "title": "Something went wrong"},
                    session=current_session(request),
                    status_code=exc.status,
                )
            except RequestValidationError as exc:
                details = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
                    for e in exc.errors()
                )
                return render(
                    request,
                    "error.html",
                    {
                        "error": None,
                        "message": details or "Invalid request",
                        "title": "Invalid request",
                    },
                    session=current_session(request),
                    status_code=400,
                )

        return handler
