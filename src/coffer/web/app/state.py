"""What the wallet app's pages and the end-user API share: the users service, the
sessions (a user's devices), and the signed-in :class:`~coffer.identity.users.Actor` of a
session."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from coffer.errors import CofferError, Unauthorized
from coffer.identity.factors.throttle import ThrottlePolicy
from coffer.identity.users import Actor, AppSettings, PasswordPolicy, Users, get_app_settings
from coffer.web.sessions import Sessions, WebSession
from coffer.web.settings import WebSettings

REALM = "app"
logger = logging.getLogger("coffer.web.app")
MAX_CHALLENGES = 4  # WebAuthn challenges a session keeps at once (newest win)
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class AppState:
    users: Users
    sessions: Sessions
    web: WebSettings
    settings: AppSettings


def app_state(request: Request) -> AppState:
    return app_state_for(request.app)


def app_state_for(app: Any) -> AppState:
    """The wallet app's state of a FastAPI app (``app.state.wallet_app``), built on first
    use on the app's Coffer and wallets platform."""
    existing: AppState | None = getattr(app.state, "wallet_app", None)
    if existing is not None:
        return existing
    with _lock:
        existing = getattr(app.state, "wallet_app", None)
        if existing is None:
            from coffer.wallets.endpoints import platform_for

            book = app.state.server.coffer
            web_state = getattr(app.state, "web", None)
            web = web_state.settings if web_state is not None else WebSettings()
            sessions = web_state.sessions if web_state is not None else Sessions(book.engine, web)
            settings = getattr(app.state, "app_settings", None) or get_app_settings()
            users = Users(
                book.engine,
                platform_for(app, settings.platform_id),
                settings,
                throttle_policy=ThrottlePolicy(
                    lockout_failures=web.lockout_failures,
                    lockout_seconds=web.lockout_seconds,
                    rate_per_minute=web.sign_in_rate_per_address,
                ),
                password_policy=PasswordPolicy(web.password_min_length, web.password_min_score),
                categories=_categories(app, settings.platform_id),
                issuer=web.rp_name,
            )
            existing = AppState(users=users, sessions=sessions, web=web, settings=settings)
            app.state.wallet_app = existing
    return existing


def _categories(app: Any, platform_id: str) -> Any:
    """The assistant's categories of a customer's movements (wallet id:transaction id ->
    primary category), through the assistant of the app."""

    def categories(customer_id: str) -> dict[str, str]:
        from coffer.assistant.endpoints import assistant_for

        try:
            data = assistant_for(app, platform_id).data(customer_id)
        except CofferError:
            return {}
        except Exception:  # categories are a nicety: history shows without them
            logger.warning("no categories for the wallet app's history", exc_info=True)
            return {}
        return {t.id: t.primary for t in data.transactions if t.primary}

    return categories


def actor_of(session: WebSession | None) -> Actor:
    """The signed-in user of a session; :class:`Unauthorized` when there is none."""
    if session is None or not session.signed_in or session.realm != REALM:
        raise Unauthorized("Sign in first (POST /api/me/v1/sign-in, or the app's sign-in page).")
    customer_id = session.data.get("customer_id")
    assert session.subject is not None and session.platform_id is not None
    return Actor(
        user_id=session.subject,
        customer_id=str(customer_id),
        platform_id=session.platform_id,
        session_id=session.public_id,
        second_factor_at=session.second_factor_at,
    )


def relying_party(request: Request, web: WebSettings) -> tuple[str, str]:
    """WebAuthn relying party id and expected origin of a request: the configured id (or
    the request's host name) and the request's own origin."""
    base = urlsplit(str(request.base_url))
    host = base.hostname or "localhost"
    origin = f"{base.scheme}://{base.netloc}"
    return web.rp_id or host, origin


def keep_challenge(session: WebSession, challenge_id: str, challenge: str, purpose: str) -> None:
    """Keep a WebAuthn challenge in the session's data until its answer comes (single use;
    the newest MAX_CHALLENGES are kept)."""
    challenges = dict(session.data.get("challenges") or {})
    challenges[challenge_id] = {"challenge": challenge, "purpose": purpose}
    while len(challenges) > MAX_CHALLENGES:
        challenges.pop(next(iter(challenges)))
    session.data["challenges"] = challenges


def take_challenge(session: WebSession, challenge_id: str, purpose: str) -> str:
    """The challenge kept under ``challenge_id`` for ``purpose``, removed (single use)."""
    from coffer.errors import FactorInvalid

    challenges = dict(session.data.get("challenges") or {})
    entry = challenges.pop(challenge_id, None)
    session.data["challenges"] = challenges
    if not isinstance(entry, dict) or entry.get("purpose") != purpose:
        raise FactorInvalid("The passkey prompt expired; start again.")
    return str(entry["challenge"])
