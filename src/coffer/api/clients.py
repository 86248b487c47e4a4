"""API clients: create, list, disable, enable, delete, rotate a secret.

Every change is written to the audit log in the same transaction, and tells this
process's token checks to read the clients again (:func:`changes`); other processes see
it within ``client_check_seconds``.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher

from coffer.api import repository as R
from coffer.api.repository import ClientRow
from coffer.db.engine import for_writes
from coffer.db.rows import found_or_raise
from coffer.errors import ClientNotFound, ValidationError
from coffer.identity.audit import record
from coffer.platforms import DEFAULT_PLATFORM_ID

SCOPES = (
    "ledger:read",
    "ledger:write",
    "ledger:force",
    "ledger:admin",
    "wallets:read",
    "wallets:write",
    "assistant:read",
    "assistant:write",
    "risk:read",
    "risk:write",
    "automations:read",
    "automations:write",
    "admin",
)
# Scopes only an operator hands out on purpose: the audit log, writes to system ledgers
# and transactions that skip the balance checks (force, overdraft grants).
PRIVILEGED_SCOPES = frozenset(("admin", "ledger:admin", "ledger:force"))
# What `coffer serve` gives the first client: everything but the privileged scopes.
DEFAULT_SCOPES = tuple(scope for scope in SCOPES if scope not in PRIVILEGED_SCOPES)

_hasher = PasswordHasher()
_changes = 0
_changes_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str
    name: str
    scopes: tuple[str, ...]
    platform_id: str = DEFAULT_PLATFORM_ID


def changes() -> int:
    """A number that moves whenever this process changes a client."""
    return _changes


def _changed() -> None:
    global _changes
    with _changes_lock:
        _changes += 1


def parse_scopes(text: str) -> tuple[str, ...]:
    """``"ledger:read,ledger:write"`` or space-separated; unknown scopes are an error."""
    scopes = tuple(dict.fromkeys(s for s in text.replace(",", " ").split() if s))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationError(f"unknown scopes {unknown}: use {', '.join(SCOPES)}")
    return scopes


def _write(engine: sa.Engine) -> sa.Connection:
    return for_writes(engine.connect())


def create_client(
    engine: sa.Engine,
    name: str,
    scopes: tuple[str, ...],
    *,
    actor: str = "system",
    address: str | None = None,
    platform_id: str = DEFAULT_PLATFORM_ID,
) -> ClientCredentials:
    """Register a client of ``platform_id`` (which must exist); the secret is returned
    once and only its hash is stored."""
    from coffer.platforms.service import get_platform

    get_platform(engine, platform_id)
    if not name or len(name) > 200:
        raise ValidationError("a client name is 1 to 200 characters")
    parse_scopes(" ".join(scopes))
    client_id = "cl_" + secrets.token_hex(12)
    client_secret = secrets.token_urlsafe(32)
    secret_hash = _hasher.hash(client_secret)
    with _write(engine) as connection, connection.begin():
        R.insert_client(
            connection,
            ClientRow(
                id=client_id,
                name=name,
                secret_hash=secret_hash,
                scopes=scopes,
                created_at=time.time_ns() // 1000,
                disabled=False,
                secret_version=1,
                platform_id=platform_id,
            ),
        )
        record(
            connection,
            actor=actor,
            action="client.created",
            target=client_id,
            address=address,
            details={"name": name, "scopes": list(scopes), "platform_id": platform_id},
        )
    _changed()
    return ClientCredentials(client_id, client_secret, name, scopes, platform_id)


def count_clients(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return R.count_clients(connection)


def list_clients(engine: sa.Engine) -> list[ClientRow]:
    with engine.connect() as connection:
        return R.list_clients(connection)


def get_client(engine: sa.Engine, client_id: str) -> ClientRow:
    return found_or_raise(
        engine,
        lambda connection: R.get_client(connection, client_id),
        ClientNotFound(f"no client {client_id!r}: see `coffer clients list`"),
    )


def set_disabled(
    engine: sa.Engine,
    client_id: str,
    disabled: bool,
    *,
    actor: str = "system",
    address: str | None = None,
) -> None:
    """Disable a client (its tokens stop working, it gets no new ones) or enable it."""
    with _write(engine) as connection, connection.begin():
        if not R.set_disabled(connection, client_id, disabled):
            raise ClientNotFound(f"no client {client_id!r}: see `coffer clients list`")
        record(
            connection,
            actor=actor,
            action="client.disabled" if disabled else "client.enabled",
            target=client_id,
            address=address,
        )
    _changed()


def rotate_secret(
    engine: sa.Engine, client_id: str, *, actor: str = "system", address: str | None = None
) -> ClientCredentials:
    """A new secret for the client (returned once); tokens issued before stop working."""
    client_secret = secrets.token_urlsafe(32)
    secret_hash = _hasher.hash(client_secret)
    with _write(engine) as connection, connection.begin():
        version = R.set_secret(connection, client_id, secret_hash)
        if version is None:
            raise ClientNotFound(f"no client {client_id!r}: see `coffer clients list`")
        row = R.get_client(connection, client_id)
        assert row is not None
        record(
            connection,
            actor=actor,
            action="client.secret_rotated",
            target=client_id,
            address=address,
            details={"secret_version": version},
        )
    _changed()
    return ClientCredentials(client_id, client_secret, row.name, row.scopes, row.platform_id)


def delete_client(
    engine: sa.Engine, client_id: str, *, actor: str = "system", address: str | None = None
) -> None:
    """Delete a client for good (its tokens stop working)."""
    with _write(engine) as connection, connection.begin():
        row = R.get_client(connection, client_id)
        if row is None or not R.delete_client(connection, client_id):
            raise ClientNotFound(f"no client {client_id!r}: see `coffer clients list`")
        record(
            connection,
            actor=actor,
            action="client.deleted",
            target=client_id,
            address=address,
            details={"name": row.name, "scopes": list(row.scopes)},
        )
    _changed()
