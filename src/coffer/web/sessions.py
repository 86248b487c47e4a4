"""Server-side sessions of the web pages (console, wallet app).

The cookie holds a random token (256 bits); the database holds its SHA-256, the subject,
the stage and the anti-forgery token. Stages: ``anonymous`` (a visitor on a sign-in page:
only its CSRF token and sign-in challenges), ``pending`` (password accepted, second
factor awaited), ``full`` (signed in). Every change of stage issues a new token (the old
one stops working: no session fixation). A session ends after ``session_idle_seconds``
without use, ``session_absolute_seconds`` after sign-in, or when revoked (sign-out, an
admin, a disabled account).

Cookie: HttpOnly, SameSite=Lax, Path the realm's prefix, Secure over TLS.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response

from coffer.db.engine import for_writes
from coffer.identity.factors.service import now_micros
from coffer.web import repository as R
from coffer.web.settings import WebSettings

MICROS = 1_000_000
TOUCH_EVERY_MICROS = 30 * MICROS  # last_seen_at is written at most this often
MAX_DATA_BYTES = 16_384
MAX_SESSIONS_LISTED = 100
REALM_PATHS = {"console": "/console", "app": "/app"}


@dataclass(slots=True)
class WebSession(R.SessionFields):
    token: str  # the cookie's value (never stored)
    data: dict[str, Any] = field(default_factory=dict)
    fresh_cookie: bool = False  # set the cookie on the response

    @property
    def signed_in(self) -> bool:
        return self.stage == "full" and self.subject is not None


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


def cookie_name(realm: str) -> str:
    return f"coffer_{realm}_session"


def is_secure(request: Request, settings: WebSettings) -> bool:
    if settings.secure_cookies == "always":
        return True
    if settings.secure_cookies == "never":
        return False
    return request.url.scheme == "https"


def _new_row(
    *,
    realm: str,
    subject: str | None,
    platform_id: str | None,
    stage: str,
    lifetime_seconds: int,
    address: str | None,
    user_agent: str | None,
    data: dict[str, Any] | None = None,
    second_factor_at: int | None = None,
) -> tuple[str, R.SessionRow]:
    token = secrets.token_urlsafe(32)
    now = now_micros()
    row = R.SessionRow(
        token_hash=token_hash(token),
        public_id="ses_" + secrets.token_hex(10),
        realm=realm,
        subject=subject,
        platform_id=platform_id,
        stage=stage,
        csrf_token=secrets.token_urlsafe(32),
        data=json.dumps(data or {}),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime_seconds * MICROS,
        second_factor_at=second_factor_at,
        revoked_at=None,
        address=(address or None) and address[:64],
        user_agent=(user_agent or None) and user_agent[:200],
    )
    return token, row


def _public(token: str, row: R.SessionRow, *, fresh: bool) -> WebSession:
    try:
        data = json.loads(row.data)
    except ValueError:
        data = {}
    return WebSession(
        **R.shared_fields(row),
        token=token,
        data=data if isinstance(data, dict) else {},
        fresh_cookie=fresh,
    )


class Sessions:
    """Sessions of one database; ``engine`` transactions are short and commit here (the
    session store is the request boundary's own state, not a domain's)."""

    def __init__(self, engine: sa.Engine, settings: WebSettings) -> None:
        self.engine = engine
        # units that write take SQLite's write lock at their start (see db/engine.py)
        self.writes = for_writes(engine)
        self.settings = settings

    # -- reading --

    def load(self, request: Request, realm: str) -> WebSession | None:
        """The request's live session of ``realm``, or None (absent, unknown, revoked,
        idle too long, past its absolute end)."""
        return self.load_token(request.cookies.get(cookie_name(realm)), realm)

    def load_token(self, token: str | None, realm: str) -> WebSession | None:
        """The live session of ``realm`` whose token is ``token`` (a cookie's value, or an
        API client's bearer token), or None."""
        if not token or len(token) > 100:
            return None
        digest = token_hash(token)
        now = now_micros()
        with self.engine.connect() as connection:
            row = R.by_token_hash(connection, digest)
        if row is None or row.realm != realm or row.revoked_at is not None:
            return None
        idle = (
            self.settings.pending_sign_in_seconds
            if row.stage != "full"
            else self.settings.session_idle_seconds
        )
        if now >= row.expires_at or now - row.last_seen_at >= idle * MICROS:
            return None
        if now - row.last_seen_at >= TOUCH_EVERY_MICROS:
            with self.writes.begin() as connection:
                R.update(connection, digest, last_seen_at=now)
        return _public(token, row, fresh=False)

    # -- creating and changing --

    def _insert(self, token: str, row: R.SessionRow, *, previous: WebSession | None) -> WebSession:
        with self.writes.begin() as connection:
            if previous is not None:
                R.update(connection, token_hash(previous.token), revoked_at=row.created_at)
            R.insert(connection, row)
            R.delete_expired(connection, row.created_at, limit=100)
        return _public(token, row, fresh=True)

    def start_anonymous(self, request: Request, realm: str) -> WebSession:
        token, row = _new_row(
            realm=realm,
            subject=None,
            platform_id=None,
            stage="anonymous",
            lifetime_seconds=self.settings.pending_sign_in_seconds * 4,
            address=_address(request),
            user_agent=request.headers.get("user-agent"),
        )
        return self._insert(token, row, previous=None)

    def ensure(self, request: Request, realm: str) -> WebSession:
        """The live session, or a new anonymous one (for a sign-in form's CSRF token)."""
        return self.load(request, realm) or self.start_anonymous(request, realm)

    def promote(
        self,
        request: Request,
        previous: WebSession | None,
        *,
        realm: str,
        stage: str,
        subject: str,
        platform_id: str,
        second_factor: bool,
        data: dict[str, Any] | None = None,
    ) -> WebSession:
        """A new session (new token: rotated) at ``stage`` for ``subject``; the previous
        one is revoked."""
        lifetime = (
            self.settings.session_absolute_seconds
            if stage == "full"
            else self.settings.pending_sign_in_seconds
        )
        token, row = _new_row(
            realm=realm,
            subject=subject,
            platform_id=platform_id,
            stage=stage,
            lifetime_seconds=lifetime,
            address=_address(request),
            user_agent=request.headers.get("user-agent"),
            data=data,
            second_factor_at=now_micros() if second_factor else None,
        )
        return self._insert(token, row, previous=previous)

    def save_data(self, session: WebSession) -> None:
        text = json.dumps(session.data)
        if len(text) > MAX_DATA_BYTES:
            raise ValueError("session data too large")
        with self.writes.begin() as connection:
            R.update(connection, token_hash(session.token), data=text)

    def mark_second_factor(self, session: WebSession) -> None:
        """Record a fresh second-factor check (for step-up of sensitive actions)."""
        now = now_micros()
        session.second_factor_at = now
        with self.writes.begin() as connection:
            R.update(connection, token_hash(session.token), second_factor_at=now)

    def revoke(self, session: WebSession) -> None:
        with self.writes.begin() as connection:
            R.update(connection, token_hash(session.token), revoked_at=now_micros())

    def revoke_all(self, connection: sa.Connection, subject: str) -> int:
        """Revoke every session of ``subject`` (in the caller's transaction)."""
        return R.revoke_of_subject(connection, subject, now_micros())

    def revoke_one(self, connection: sa.Connection, subject: str, public_id: str) -> bool:
        return R.revoke_of_subject(connection, subject, now_micros(), public_id=public_id) == 1

    def active(self, connection: sa.Connection, subject: str) -> list[R.SessionRow]:
        return R.active_of_subject(connection, subject, now_micros(), limit=MAX_SESSIONS_LISTED)

    # -- cookies --

    def set_cookie(self, request: Request, response: Response, session: WebSession) -> None:
        response.set_cookie(
            cookie_name(session.realm),
            session.token,
            max_age=max(1, (session.expires_at - now_micros()) // MICROS),
            path=REALM_PATHS.get(session.realm, "/"),
            secure=is_secure(request, self.settings),
            httponly=True,
            samesite="lax",
        )

    def clear_cookie(self, request: Request, response: Response, realm: str) -> None:
        response.delete_cookie(
            cookie_name(realm),
            path=REALM_PATHS.get(realm, "/"),
            secure=is_secure(request, self.settings),
            httponly=True,
            samesite="lax",
        )


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None
