"""Jinja2 templates of the web pages, and :func:`render`.

Templates live in ``coffer/web/templates`` (``base.html``, the layout; ``console/...``,
``app/...``). Every page gets ``session``, ``csrf_token`` (put it in each form as
``{{ csrf_field() }}``; htmx requests send it as a header set on ``<body>``), ``static``
(URL of a static file), and the filters ``money`` (amount, asset -> ``12.34 USD``) and
``when`` (microseconds or datetime -> ``2026-12-07 04:15:48 UTC``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from coffer.money import Asset
from coffer.web.sessions import WebSession

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
STATIC_PREFIX = "/static"


def static_url(path: str) -> str:
    return f"{STATIC_PREFIX}/{path.lstrip('/')}"


def format_money(amount: int | str | None, asset: str | None) -> str:
    if amount is None or asset is None:
        return ""
    try:
        return Asset.parse(asset).format(int(amount))
    except Exception:
        return f"{amount} {asset}"


def format_when(value: int | float | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if isinstance(value, int | float):
        seconds = value / 1_000_000 if value > 10**11 else float(value)
        value = datetime.fromtimestamp(seconds, UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals["static"] = static_url
templates.env.filters["money"] = format_money
templates.env.filters["when"] = format_when


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    session: WebSession | None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with the common context; sets the session cookie when the
    session is new (created or rotated during this request)."""
    token = session.csrf_token if session is not None else ""

    def csrf_field() -> Markup:
        return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(token))

    values: dict[str, Any] = {
        "session": session,
        "csrf_token": token,
        "csrf_field": csrf_field,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    if session is not None and session.fresh_cookie:
        request.app.state.web.sessions.set_cookie(request, response, session)
    return response
