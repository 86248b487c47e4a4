"""OAuth2 client credentials: clients with Argon2-hashed secrets, signed expiring JWTs."""

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

from coffer.api.tables import api_clients, api_secrets
from coffer.errors import Forbidden, Unauthorized, ValidationError

SCOPES = (
    "ledger:read",
    "ledger:write",
    "wallets:read",
    "wallets:write",
    "assistant:read",
    "assistant:write",
)
JWT_ALGORITHM = "HS256"
JWT_ISSUER = "coffer"
_TOKEN_CACHE_SIZE = 10_000

_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str
    name: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Principal:
    client_id: str
    scopes: frozenset[str]
    expires_at: float


def parse_scopes(text: str) -> tuple[str, ...]:
    """``"ledger:read,ledger:write"`` or space-separated; unknown scopes are an error."""
    scopes = tuple(dict.fromkeys(s for s in text.replace(",", " ").split() if s))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationError(f"unknown scopes {unknown}: use {', '.join(SCOPES)}")
    return scopes


def create_client(engine: sa.Engine, name: str, scopes: tuple[str, ...]) -> ClientCredentials:
    """Register a client; the secret is returned once and only its hash is stored."""
    if not name or len(name) > 200:
        raise ValidationError("a client name is 1 to 200 characters")
    client_id = "cl_" + secrets.token_hex(12)
    client_secret = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(
            api_clients.insert().values(
                id=client_id,
                name=name,
                secret_hash=_hasher.hash(client_secret),
                scopes=" ".join(scopes),
                created_at=time.time_ns() // 1000,
                disabled=False,
            )
        )
    return ClientCredentials(client_id, client_secret, name, scopes)


def count_clients(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        statement = sa.select(sa.func.count()).select_from(api_clients)
        return int(connection.execute(statement).scalar_one())


def jwt_secret(engine: sa.Engine, configured: str | None) -> str:
    """The configured secret, or the one kept in the database (created on first use)."""
    if configured:
        return configured
    select = sa.select(api_secrets.c.value).where(api_secrets.c.name == "jwt")
    with engine.connect() as connection:
        value = connection.execute(select).scalar_one_or_none()
    if value is not None:
        return str(value)
    generated = secrets.token_urlsafe(48)
    try:
        with engine.begin() as connection:
            connection.execute(
                api_secrets.insert().values(
                    name="jwt", value=generated, created_at=time.time_ns() // 1000
                )
            )
    except sa.exc.IntegrityError:
        pass  # another process won the race; use its secret
    with engine.connect() as connection:
        return str(connection.execute(select).scalar_one())


class Authority:
    """Issues and checks access tokens."""

    def __init__(self, engine: sa.Engine, secret: str, ttl_seconds: int) -> None:
        self.engine = engine
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self._cache: OrderedDict[str, Principal] = OrderedDict()
        self._lock = threading.Lock()

    def issue(self, client_id: str, client_secret: str, requested: str | None) -> tuple[str, str]:
        """A token for the client, with the requested scopes it is allowed (all by default)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(
                    api_clients.c.secret_hash, api_clients.c.scopes, api_clients.c.disabled
                ).where(api_clients.c.id == client_id)
            ).first()
        if row is None or row.disabled:
            raise Unauthorized("unknown client or wrong secret")
        try:
            _hasher.verify(row.secret_hash, client_secret)
        except (VerificationError, InvalidHashError):
            raise Unauthorized("unknown client or wrong secret") from None
        allowed = set(row.scopes.split())
        if requested:
            granted = [s for s in dict.fromkeys(requested.split()) if s in allowed]
        else:
            granted = [s for s in SCOPES if s in allowed]
        now = int(time.time())
        claims = {
            "iss": JWT_ISSUER,
            "sub": client_id,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "scope": " ".join(granted),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self._secret, algorithm=JWT_ALGORITHM), " ".join(granted)

    def verify(self, token: str) -> Principal:
        now = time.time()
        with self._lock:
            cached = self._cache.get(token)
        if cached is not None:
            if cached.expires_at > now:
                return cached
            raise Unauthorized("the access token has expired; request a new one")
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[JWT_ALGORITHM],
                issuer=JWT_ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the access token has expired; request a new one") from None
        except jwt.PyJWTError:
            raise Unauthorized("invalid access token") from None
        principal = Principal(
            client_id=str(claims["sub"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            expires_at=float(claims["exp"]),
        )
        with self._lock:
            self._cache[token] = principal
            if len(self._cache) > _TOKEN_CACHE_SIZE:
                self._cache.popitem(last=False)
        return principal

    def authorize(self, authorization: str | None, scope: str) -> Principal:
        if not authorization:
            raise Unauthorized("missing access token: send Authorization: Bearer <token>")
        kind, _, token = authorization.partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise Unauthorized("send the access token as Authorization: Bearer <token>")
        principal = self.verify(token.strip())
        if scope not in principal.scopes:
            raise Forbidden(f"this token lacks the {scope!r} scope")
        return principal
