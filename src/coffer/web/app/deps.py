"""What every wallet app page shares: the page context (:class:`AppContext`: session,
signed-in user, language), rendering with it, safe redirects and form helpers."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from coffer.identity.users import Actor
from coffer.identity.users import schemas as U
from coffer.web.app.categories import detailed_name
from coffer.web.app.i18n import LANGUAGE_NAMES, LANGUAGES, Texts, language_of
from coffer.web.app.state import REALM, AppState, actor_of, app_state
from coffer.web.pages import Redirect
from coffer.web.security import check_csrf, safe_path
from coffer.web.sessions import WebSession
from coffer.web.templating import render

PREFIX = "/app"

# (path, message id) of the app's navigation, in order
NAV = (
    (f"{PREFIX}/", "Home"),
    (f"{PREFIX}/history", "History"),
    (f"{PREFIX}/send", "Send"),
    (f"{PREFIX}/top-up", "Top up"),
    (f"{PREFIX}/payout", "Pay out"),
    (f"{PREFIX}/beneficiaries", "Beneficiaries"),
    (f"{PREFIX}/spending", "Spending"),
    (f"{PREFIX}/budgets", "Budgets"),
    (f"{PREFIX}/goals", "Goals"),
    (f"{PREFIX}/ask", "Ask"),
    (f"{PREFIX}/automations", "Automations"),
    (f"{PREFIX}/convert", "Convert"),
    (f"{PREFIX}/points", "Points"),
    (f"{PREFIX}/security", "Security"),
    (f"{PREFIX}/notifications", "Notifications"),
)


@dataclass(slots=True)
class AppContext:
    request: Request
    state: AppState
    session: WebSession
    texts: Texts
    actor: Actor | None = None
    me: U.Me | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self) -> Actor:
        assert self.actor is not None
        return self.actor

    def _(self, message: str, **values: object) -> str:
        return self.texts.gettext(message, **values)

    def page(self, template: str, title: str, status_code: int = 200, **values: Any) -> Response:
        """Render an app page (``title`` a message id) with the common context."""
        path = self.request.url.path
        context = {
            "title": self._(title),
            "_": self.texts.gettext,
            "lang": self.texts.language,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            "money": self.texts.money,
            "when": self.texts.when,
            "day": self.texts.day,
            "detailed_name": lambda code: detailed_name(code, self.texts.language),
            "money_rate": self.texts.money_rate,
            "me": self.me,
            "nav": [(href, self._(label)) for href, label in NAV],
            "active": path if path != PREFIX else f"{PREFIX}/",
            # a fresh key per form shown: submitting it twice moves money once
            "idempotency_key": secrets.token_urlsafe(16),
            "here": path + (f"?{self.request.url.query}" if self.request.url.query else ""),
            **values,
        }
        return render(
            self.request, template, context, session=self.session, status_code=status_code
        )


def safe_next(value: str | None) -> str:
    """Only a path of the app itself (no open redirect)."""
    return safe_path(value, PREFIX)


def form_text(form: Mapping[str, Any], name: str, limit: int = 1024) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def sign_in_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{PREFIX}/sign-in?next={quote(target, safe='')}"


def app_context(*, signed_in: bool = True) -> Callable[[Request], Awaitable[AppContext]]:
    """A dependency for an app page. ``signed_in``: the page needs a signed-in user (others
    are sent to the sign-in page). Unsafe methods must carry the session's CSRF token."""

    async def dependency(request: Request) -> AppContext:
        state = app_state(request)
        session = await anyio.to_thread.run_sync(state.sessions.load, request, REALM)
        request.state.web_session = session
        if signed_in and (session is None or not session.signed_in):
            if request.method != "GET":
                await check_csrf(request, session)
            raise Redirect(sign_in_url(request) if request.method == "GET" else f"{PREFIX}/sign-in")
        if session is None:
            session = await anyio.to_thread.run_sync(state.sessions.start_anonymous, request, REALM)
            request.state.web_session = session
        await check_csrf(request, session)
        context = AppContext(
            request=request, state=state, session=session, texts=Texts(language_of(request))
        )
        if session.signed_in:
            actor = actor_of(session)
            request.state.platform_id = actor.platform_id
            me = await anyio.to_thread.run_sync(state.users.me, actor)
            context.actor = actor
            context.me = me
            context.texts = Texts(language_of(request, me.locale))
        return context

    return dependency
