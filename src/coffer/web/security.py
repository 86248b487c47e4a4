"""Security headers of the web pages, and the anti-forgery (CSRF) check of their forms.

Headers (on every response under the web prefixes): a Content-Security-Policy that allows
scripts, styles, images and connections from the same origin only (no inline script or
style, no eval), ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` (no framing),
``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``, a
Permissions-Policy, ``Cache-Control: no-store`` on pages, and Strict-Transport-Security
when the request came over TLS.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coffer.errors import CsrfRejected
from coffer.web.sessions import WebSession

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class SecurityHeadersMiddleware:
    """Adds the headers to responses whose path starts with one of ``prefixes``."""

    def __init__(
        self, app: ASGIApp, *, prefixes: tuple[str, ...], hsts_seconds: int, force_tls: bool
    ) -> None:
        self.app = app
        self.prefixes = prefixes
        self.hsts_seconds = hsts_seconds
        self.force_tls = force_tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        tls = self.force_tls or scope.get("scheme") == "https"
        static = "/static/" in path

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                if not static and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if tls and self.hsts_seconds:
                    headers["Strict-Transport-Security"] = (
                        f"max-age={self.hsts_seconds}; includeSubDomains"
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _same_origin(request: Request) -> bool:
    """A present Origin (or, without it, Referer) must be this site; browsers send Origin
    on every cross-site form post."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source is None
    parts = urlsplit(source)
    host = request.headers.get("host", "")
    return parts.netloc == host


async def check_csrf(request: Request, session: WebSession | None) -> None:
    """Raise :class:`CsrfRejected` unless an unsafe request carries the session's token
    (form field ``csrf_token`` or header ``X-CSRF-Token``) and comes from this site."""
    if request.method in SAFE_METHODS:
        return
    if session is None:
        raise CsrfRejected("Your session has ended; reload the page and try again.")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise CsrfRejected("The form's security token is missing or stale; reload the page.")
    if not _same_origin(request):
        raise CsrfRejected("The request came from another site.")


def safe_path(value: str | None, prefix: str) -> str:
    """``value`` when it is a path under ``prefix`` (no other site, no header break: no
    open redirect), else ``prefix + "/"``."""
    if (
        value
        and value.startswith(prefix + "/")
        and not value.startswith("//")
        and "\\" not in value
        and "\n" not in value
    ):
        return value
    return prefix + "/"
