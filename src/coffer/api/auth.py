"""OAuth2 client credentials: clients with Argon2-hashed secrets, signed expiring JWTs.

A token names its client (``sub``), the client's secret version (``ver``) and the key that
signed it (``kid`` header, see :mod:`coffer.api.jwt_keys`). Every request checks, besides
the signature and expiry, that the client still exists, is enabled, has the same secret
version and still holds the scope: through a per-process cache of the clients' state kept
at most ``client_check_seconds`` (cleared at once when this process changes a client).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import jwt
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from coffer.api import clients as client_service
from coffer.api import repository as R
from coffer.api.clients import (
    DEFAULT_SCOPES,
    SCOPES,
    ClientCredentials,
    count_clients,
    create_client,
    parse_scopes,
)
from coffer.api.jwt_keys import Keyring
from coffer.api.ratelimit import Lockout, RateLimiter, SecretGate
from coffer.api.settings import ApiSettings
from coffer.errors import (
    DatabaseUnavailable,
    Forbidden,
    InvalidScope,
    RateLimited,
    ServerBusy,
    Unauthorized,
)
from coffer.identity.audit import record_now
from coffer.platforms import DEFAULT_PLATFORM_ID

__all__ = [
    "DEFAULT_SCOPES",
    "JWT_ALGORITHM",
    "JWT_ISSUER",
    "SCOPES",
    "Authority",
    "ClientCredentials",
    "Principal",
    "count_clients",
    "create_client",
    "parse_scopes",
    "sign_token",
]

JWT_ALGORITHM = "HS256"
JWT_ISSUER = "coffer"
_TOKEN_CACHE_SIZE = 10_000
_CLIENT_CACHE_SIZE = 10_000

_hasher = PasswordHasher()


def _secret_matches(secret_hash: str, secret: str) -> bool:
    try:
        return bool(_hasher.verify(secret_hash, secret))
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class Principal:
    client_id: str
    scopes: frozenset[str]
    expires_at: float
    secret_version: int = 1
    # the client's platform (tenant): every object it reads or writes belongs to it
    platform_id: str = DEFAULT_PLATFORM_ID


@dataclass(frozen=True, slots=True)
class ClientState:
    disabled: bool
    secret_version: int
    scopes: frozenset[str]
    platform_id: str = DEFAULT_PLATFORM_ID


def sign_token(
    keyring: Keyring,
    client_id: str,
    scopes: tuple[str, ...] | list[str],
    *,
    secret_version: int,
    ttl_seconds: int,
    platform_id: str = DEFAULT_PLATFORM_ID,
) -> str:
    """A signed access token (the token endpoint's, and benchmarks' own). Its ``plat``
    claim names the client's platform; every request checks it against the client's."""
    key = keyring.current
    now = int(time.time())
    claims = {
        "iss": JWT_ISSUER,
        "sub": client_id,
        "iat": now,
        "exp": now + ttl_seconds,
        "scope": " ".join(scopes),
        "ver": secret_version,
        "plat": platform_id,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, key.secret, algorithm=JWT_ALGORITHM, headers={"kid": key.kid})


class Authority:
    """Issues and checks access tokens."""

    def __init__(
        self, engine: sa.Engine, keyring: Keyring, settings: ApiSettings | None = None
    ) -> None:
        api = settings or ApiSettings()
        self.engine = engine
        self.keyring = keyring
        self.ttl_seconds = api.token_ttl_seconds
        self.client_check_seconds = api.client_check_seconds
        self.check_clients = True  # off only in benchmarks measuring what it costs
        self.per_client = RateLimiter(api.token_rate_per_client)
        self.per_address = RateLimiter(api.token_rate_per_address)
        self.lockout = Lockout(api.token_lockout_failures, api.token_lockout_seconds)
        self.gate = SecretGate(
            api.secret_hash_concurrency, api.secret_hash_queue, nice=api.secret_hash_nice
        )
        self._cache: OrderedDict[str, Principal] = OrderedDict()
        self._clients: dict[str, tuple[float, ClientState | None]] = {}
        self._clients_epoch = client_service.changes()
        self._lock = threading.Lock()

    # -- the token endpoint ------------------------------------------------------------

    def admit(self, client_id: str, address: str | None) -> None:
        """Refuse a token request at once (RateLimited) when its client id or address is
        locked out or over its rate. Memory only: call it before any costly work."""
        keys = [f"client:{client_id}"]
        if address:
            keys.append(f"address:{address}")
        for key in keys:
            locked = self.lockout.remaining(key)
            if locked > 0:
                raise RateLimited(
                    "too many failed attempts; locked out for now, retry later",
                    retry_after_seconds=int(locked) + 1,
                )
        if self.gate.full():
            raise ServerBusy("too many token requests are being checked; retry shortly")
        limiters = [self.per_client]
        if address:
            limiters.insert(0, self.per_address)
        for limiter, key in zip(limiters, reversed(keys), strict=True):
            wait = limiter.take(key)
            if wait > 0:
                raise RateLimited(
                    "too many token requests; slow down", retry_after_seconds=int(wait) + 1
                )

    def issue(
        self,
        client_id: str,
        client_secret: str,
        requested: str | None,
        address: str | None = None,
    ) -> tuple[str, str]:
        """A token for the client with the requested scopes (all it may have by default).

        Unauthorized for an unknown, disabled or deleted client or a wrong secret;
        InvalidScope when it asks for a scope it may not have; ServerBusy when too many
        secrets are being checked already."""
        with self.engine.connect() as connection:
            row = R.get_client(connection, client_id)
        if row is None or row.disabled:
            self._refused(client_id, address, "unknown or disabled client", known=False)
            raise Unauthorized("unknown client or wrong secret")
        good = self.gate.run(_secret_matches, row.secret_hash, client_secret)
        if not good:
            self._refused(client_id, address, "wrong secret", known=True)
            raise Unauthorized("unknown client or wrong secret")
        self.lockout.succeeded(f"client:{client_id}")
        allowed = set(row.scopes)
        if requested is not None and requested.strip():
            wanted = list(dict.fromkeys(requested.split()))
            refused = [s for s in wanted if s not in allowed]
            if refused:
                self._audit(
                    client_id,
                    "token.refused",
                    client_id,
                    address,
                    {"reason": "invalid_scope", "scopes": refused[:10]},
                )
                raise InvalidScope(
                    f"this client may not have the scopes {refused[:10]}; it may have: "
                    f"{' '.join(row.scopes) or '(none)'}"
                )
            granted = wanted
        else:
            granted = [s for s in SCOPES if s in allowed]
        token = sign_token(
            self.keyring,
            client_id,
            granted,
            secret_version=row.secret_version,
            ttl_seconds=self.ttl_seconds,
            platform_id=row.platform_id,
        )
        return token, " ".join(granted)

    def _refused(self, client_id: str, address: str | None, reason: str, *, known: bool) -> None:
        started = [
            key
            for key in ([f"client:{client_id}"] if known else [])
            + ([f"address:{address}"] if address else [])
            if self.lockout.failed(key)
        ]
        actor = client_id if known else "anonymous"
        self._audit(actor, "token.refused", client_id, address, {"reason": reason})
        for key in started:
            self._audit(
                "system",
                "token.lockout",
                key,
                address,
                {"seconds": self.lockout.seconds, "failures": self.lockout.failures},
            )

    def _audit(
        self, actor: str, action: str, target: str, address: str | None, details: dict[str, object]
    ) -> None:
        record_now(
            self.engine,
            actor=actor,
            action=action,
            target=target,
            address=address,
            details=details,
        )

    # -- every request -------------------------------------------------------------------

    def verify(self, token: str) -> Principal:
        now = time.time()
        with self._lock:
            cached = self._cache.get(token)
        if cached is not None:
            if cached.expires_at > now:
                return self._checked(cached)
            raise Unauthorized("the access token has expired; request a new one")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keyring.key(kid) if kid is None or isinstance(kid, str) else None
            if key is None:
                raise Unauthorized("invalid access token")
            claims = jwt.decode(
                token,
                key.secret,
                algorithms=[JWT_ALGORITHM],
                issuer=JWT_ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the access token has expired; request a new one") from None
        except jwt.PyJWTError:
            raise Unauthorized("invalid access token") from None
        version = claims.get("ver", 1)
        platform_id = claims.get("plat", DEFAULT_PLATFORM_ID)
        if type(version) is not int or type(platform_id) is not str:
            raise Unauthorized("invalid access token")
        principal = Principal(
            client_id=str(claims["sub"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            expires_at=float(claims["exp"]),
            secret_version=version,
            platform_id=platform_id,
        )
        with self._lock:
            self._cache[token] = principal
            if len(self._cache) > _TOKEN_CACHE_SIZE:
                self._cache.popitem(last=False)
        return self._checked(principal)

    def _checked(self, principal: Principal) -> Principal:
        """The principal, with its scopes narrowed to those its client still holds; or
        Unauthorized when its client is gone, disabled or has a new secret."""
        if not self.check_clients:
            return principal
        state = self._client_state(principal.client_id)
        if (
            state is None
            or state.disabled
            or state.secret_version != principal.secret_version
            or state.platform_id != principal.platform_id
        ):
            raise Unauthorized(
                "the access token's client is disabled, deleted or has a new secret;"
                " request a new token"
            )
        if principal.scopes <= state.scopes:
            return principal
        return Principal(
            principal.client_id,
            principal.scopes & state.scopes,
            principal.expires_at,
            principal.secret_version,
            principal.platform_id,
        )

    def _client_state(self, client_id: str) -> ClientState | None:
        epoch = client_service.changes()
        if epoch != self._clients_epoch:
            self._clients_epoch = epoch
            self._clients = {}
        now = time.monotonic()
        cached = self._clients.get(client_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            with self.engine.connect() as connection:
                row = R.get_client(connection, client_id)
        except sa.exc.SQLAlchemyError as exc:
            raise DatabaseUnavailable(
                "the access token's client could not be checked: the database did not answer; retry"
            ) from exc
        state = (
            None
            if row is None
            else ClientState(
                row.disabled, row.secret_version, frozenset(row.scopes), row.platform_id
            )
        )
        if len(self._clients) >= _CLIENT_CACHE_SIZE:
            self._clients = {}
        self._clients[client_id] = (now + self.client_check_seconds, state)
        return state

    def forget_clients(self) -> None:
        """Drop the cached client states (the next request reads them again)."""
        self._clients = {}

    def authorize(self, authorization: str | None, scope: str) -> Principal:
        """The caller's principal when its token is valid and holds ``scope`` (the
        dependencies then call :func:`coffer.platforms.bind_caller`)."""
        if not authorization:
            raise Unauthorized("missing access token: send Authorization: Bearer <token>")
        kind, _, token = authorization.partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise Unauthorized("send the access token as Authorization: Bearer <token>")
        principal = self.verify(token.strip())
        if scope not in principal.scopes:
            raise Forbidden(f"this token lacks the {scope!r} scope")
        return principal
