"""The web pages: the operator console (``/console``) and the customers' wallet app
(``/app``), server-rendered (Jinja2, htmx), with static files vendored under
``static/vendor`` (see VENDORED.md) and served at ``/static``.

:func:`install` mounts them on the API's app (``coffer.api.create_app`` calls it).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import RedirectResponse
from starlette.staticfiles import StaticFiles

from coffer.core import Coffer
from coffer.web.pages import WebState
from coffer.web.security import SecurityHeadersMiddleware
from coffer.web.sessions import Sessions
from coffer.web.settings import WebSettings
from coffer.web.templating import STATIC_DIR, STATIC_PREFIX

__all__ = ["WEB_PREFIXES", "WebSettings", "WebState", "install"]

WEB_PREFIXES = ("/console", "/app", STATIC_PREFIX)


def install(app: FastAPI, book: Coffer, settings: WebSettings | None = None) -> None:
    """Mount the static files, the console's routes and the security headers on ``app``."""
    web = settings or WebSettings()
    if not web.enabled:
        return
    app.state.web = WebState(
        coffer=book, engine=book.engine, settings=web, sessions=Sessions(book.engine, web)
    )
    app.mount(STATIC_PREFIX, StaticFiles(directory=str(STATIC_DIR)), name="static")

    from coffer.web.app import router as app_router
    from coffer.web.console import router as console_router

    app.include_router(console_router)
    app.include_router(app_router)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=303)

    app.add_middleware(
        SecurityHeadersMiddleware,
        prefixes=WEB_PREFIXES,
        hsts_seconds=web.hsts_seconds,
        force_tls=web.secure_cookies == "always",
    )
