"""The keys that sign access tokens: kept outside the database, named by a ``kid``.

A key file (JSON, mode 0600) holds the current key and the retired ones::

    {"current": "k-3f9a...", "keys": [{"kid": "k-3f9a...", "secret": "...",
      "created_at": 1765000000, "retired_at": null}, ...]}

Tokens carry the ``kid`` of the key that signed them, so :func:`rotate` can add a new key
without logging anyone out: retired keys still verify until the longest token lifetime has
passed, then a later rotation drops them. A running server notices a rotated file (it
checks the file's modification time at most once a second) and signs with the new key.

``COFFER_JWT_SECRET`` replaces the file with one fixed key. A database from before the key
file kept its secret in the table ``api_secrets``: :func:`adopt_stored_secret` moves it into
the file as a retired key (kid ``legacy``; tokens without a ``kid`` are checked with it)
and deletes it from the database.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from coffer import keyfile
from coffer.api.tables import api_secrets
from coffer.errors import ValidationError

LEGACY_KID = "legacy"
MAX_TOKEN_TTL_SECONDS = 86_400  # the bound of ApiSettings.token_ttl_seconds
MAX_KEYS = 32
RELOAD_EVERY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class JwtKey:
    kid: str
    secret: str
    created_at: int
    retired_at: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "secret": self.secret,
            "created_at": self.created_at,
            "retired_at": self.retired_at,
        }


def new_key(now: int | None = None) -> JwtKey:
    return JwtKey(
        kid="k-" + secrets.token_hex(6),
        secret=secrets.token_urlsafe(48),
        created_at=int(time.time()) if now is None else now,
    )


def _dump(current: str, keys: list[JwtKey]) -> str:
    return json.dumps({"current": current, "keys": [k.to_json() for k in keys]}, indent=1)


def _parse(text: str, path: Path) -> tuple[str, dict[str, JwtKey]]:
    try:
        data = json.loads(text)
        keys = {
            str(item["kid"]): JwtKey(
                kid=str(item["kid"]),
                secret=str(item["secret"]),
                created_at=int(item["created_at"]),
                retired_at=None if item.get("retired_at") is None else int(item["retired_at"]),
            )
            for item in data["keys"]
        }
        current = str(data["current"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError(f"the token key file {path} is not valid: {exc}") from None
    if current not in keys:
        raise ValidationError(f"the token key file {path} names no current key")
    return current, keys


def _initial_text() -> str:
    key = new_key()
    return _dump(key.kid, [key])


class Keyring:
    """The signing key and the keys that verify, from the key file or one configured key."""

    def __init__(self, path: Path | None, configured: str | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._mtime_ns = -1
        if configured:
            if len(configured) < 32:
                raise ValidationError("COFFER_JWT_SECRET must be at least 32 characters")
            kid = "s-" + hashlib.sha256(configured.encode()).hexdigest()[:12]
            key = JwtKey(kid=kid, secret=configured, created_at=0)
            self._current, self._keys = kid, {kid: key}
            self.path = None
            return
        if path is None:
            raise ValidationError("a token key file or COFFER_JWT_SECRET is needed")
        keyfile.read_or_create(path, _initial_text)
        self._load()

    @classmethod
    def from_settings(cls, jwt_secret: str | None, jwt_key_file: str) -> Keyring:
        return cls(Path(jwt_key_file), jwt_secret)

    def _load(self) -> None:
        assert self.path is not None
        stat = self.path.stat()
        current, keys = _parse(self.path.read_text(), self.path)
        self._current, self._keys, self._mtime_ns = current, keys, stat.st_mtime_ns

    def refresh(self, *, force: bool = False) -> None:
        """Re-read the key file if it changed (looked at most once a second)."""
        if self.path is None:
            return
        now = time.monotonic()
        if not force and now - self._checked_at < RELOAD_EVERY_SECONDS:
            return
        with self._lock:
            self._checked_at = now
            try:
                if self.path.stat().st_mtime_ns != self._mtime_ns:
                    self._load()
            except (OSError, ValidationError):
                pass  # keep the keys already loaded; the next look may find a good file

    @property
    def current(self) -> JwtKey:
        self.refresh()
        return self._keys[self._current]

    def key(self, kid: str | None) -> JwtKey | None:
        """The key named ``kid`` (the legacy key for tokens without one)."""
        name = LEGACY_KID if kid is None else kid
        key = self._keys.get(name)
        if key is None:
            self.refresh()
            key = self._keys.get(name)
        return key

    def kids(self) -> list[str]:
        return list(self._keys)


def _require_file(keyring: Keyring) -> Path:
    if keyring.path is None:
        raise ValidationError(
            "the token key is set by COFFER_JWT_SECRET: rotate it by changing the setting "
            "(tokens signed with the old one stop working)"
        )
    return keyring.path


def rotate(keyring: Keyring, *, now: int | None = None) -> tuple[JwtKey, list[str]]:
    """Make a new current key; keep the others for verification until the tokens they
    signed have expired, drop those retired longer ago. Returns the new key and the kids
    dropped."""
    path = _require_file(keyring)
    moment = int(time.time()) if now is None else now
    keyring.refresh(force=True)
    current, keys = _parse(path.read_text(), path)
    kept: list[JwtKey] = []
    dropped: list[str] = []
    for key in keys.values():
        if key.kid == current and key.retired_at is None:
            key = JwtKey(key.kid, key.secret, key.created_at, moment)
        if key.retired_at is not None and key.retired_at + MAX_TOKEN_TTL_SECONDS < moment:
            dropped.append(key.kid)
            continue
        kept.append(key)
    fresh = new_key(moment)
    kept = [*kept[-(MAX_KEYS - 1) :], fresh]
    keyfile.replace(path, _dump(fresh.kid, kept))
    keyring.refresh(force=True)
    return fresh, dropped


def adopt_stored_secret(engine: sa.Engine, keyring: Keyring) -> bool:
    """Move a secret kept in the database (before key files) into the key file as a
    retired key, and delete it from the database. True when there was one."""
    select = sa.select(api_secrets.c.value, api_secrets.c.created_at).where(
        api_secrets.c.name == "jwt"
    )
    with engine.connect() as connection:
        row = connection.execute(select).first()
    if row is None:
        return False
    if keyring.path is not None:
        path = keyring.path
        current, keys = _parse(path.read_text(), path)
        if LEGACY_KID not in keys:
            legacy = JwtKey(
                kid=LEGACY_KID,
                secret=str(row.value),
                created_at=int(row.created_at) // 1_000_000,
                retired_at=int(time.time()),
            )
            keyfile.replace(path, _dump(current, [legacy, *keys.values()]))
            keyring.refresh(force=True)
    with engine.begin() as connection:
        connection.execute(api_secrets.delete().where(api_secrets.c.name == "jwt"))
    return True
