"""All SQL of the HTTP API's clients (SQLAlchemy Core)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlalchemy as sa

from coffer.api.tables import api_clients
from coffer.db.rows import first_where, oldest_first
from coffer.platforms import DEFAULT_PLATFORM_ID


@dataclass(frozen=True, slots=True)
class ClientRow:
    id: str
    name: str
    secret_hash: str
    scopes: tuple[str, ...]
    created_at: int
    disabled: bool
    secret_version: int
    platform_id: str = DEFAULT_PLATFORM_ID


def _row(m: sa.RowMapping) -> ClientRow:
    return ClientRow(
        id=str(m["id"]),
        name=str(m["name"]),
        secret_hash=str(m["secret_hash"]),
        scopes=tuple(str(m["scopes"]).split()),
        created_at=int(m["created_at"]),
        disabled=bool(m["disabled"]),
        secret_version=int(m["secret_version"]),
        platform_id=str(m["platform_id"]),
    )


def insert_client(connection: sa.Connection, row: ClientRow) -> None:
    """Store a new client (its scopes as one space-separated text)."""
    connection.execute(api_clients.insert().values({**asdict(row), "scopes": " ".join(row.scopes)}))


def get_client(connection: sa.Connection, client_id: str) -> ClientRow | None:
    row = first_where(connection, api_clients, api_clients.c.id == client_id)
    return None if row is None else _row(row)


def list_clients(connection: sa.Connection, *, limit: int = 1000) -> list[ClientRow]:
    return [_row(row) for row in oldest_first(connection, api_clients, limit=limit)]


def count_clients(connection: sa.Connection) -> int:
    statement = sa.select(sa.func.count()).select_from(api_clients)
    return int(connection.execute(statement).scalar_one())


def set_disabled(connection: sa.Connection, client_id: str, disabled: bool) -> bool:
    result = connection.execute(
        api_clients.update().where(api_clients.c.id == client_id).values(disabled=disabled)
    )
    return result.rowcount == 1


def set_secret(connection: sa.Connection, client_id: str, secret_hash: str) -> int | None:
    """Store a new secret hash and raise the secret version; the new version (None when
    there is no such client)."""
    result = connection.execute(
        api_clients.update()
        .where(api_clients.c.id == client_id)
        .values(secret_hash=secret_hash, secret_version=api_clients.c.secret_version + 1)
    )
    if result.rowcount != 1:
        return None
    version = connection.execute(
        sa.select(api_clients.c.secret_version).where(api_clients.c.id == client_id)
    ).scalar_one()
    return int(version)


def delete_client(connection: sa.Connection, client_id: str) -> bool:
    result = connection.execute(api_clients.delete().where(api_clients.c.id == client_id))
    return result.rowcount == 1
