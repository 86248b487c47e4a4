"""All SQL of the customers' users: users, beneficiaries, notifications.

Every function takes the platform and filters by it (:func:`_scoped`, the one place), so a
row of another platform is never read or changed: it is simply not found. Functions take a
connection and never commit.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from coffer.identity.users import tables as T

Row = Mapping[str, Any]
MAX_PAGE = 100


def as_datetime(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC)


def now_micros() -> int:
    return time.time_ns() // 1000


def new_id(prefix: str) -> str:
    """Sortable ids: prefix, 12 hex digits of milliseconds, 12 random hex digits."""
    return f"{prefix}_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def _scoped(table: sa.Table, platform_id: str) -> sa.Select[Any]:
    """SELECT of ``table``'s rows of one platform: every read starts here."""
    return sa.select(table).where(table.c.platform_id == platform_id)


def _one(connection: sa.Connection, statement: sa.Select[Any]) -> Row | None:
    row = connection.execute(statement).mappings().first()
    return dict(row) if row is not None else None


# -- users -----------------------------------------------------------------------------


def insert_user(connection: sa.Connection, values: Mapping[str, Any]) -> None:
    connection.execute(sa.insert(T.users).values(**values))


def user(connection: sa.Connection, platform_id: str, user_id: str) -> Row | None:
    return _one(connection, _scoped(T.users, platform_id).where(T.users.c.id == user_id))


def user_by_email(connection: sa.Connection, platform_id: str, email_digest: str) -> Row | None:
    statement = _scoped(T.users, platform_id).where(T.users.c.email_digest == email_digest)
    return _one(connection, statement)


def user_by_customer(connection: sa.Connection, platform_id: str, customer_id: str) -> Row | None:
    statement = _scoped(T.users, platform_id).where(T.users.c.customer_id == customer_id)
    return _one(connection, statement)


def update_user(
    connection: sa.Connection, platform_id: str, user_id: str, values: Mapping[str, Any]
) -> None:
    connection.execute(
        sa.update(T.users)
        .where(T.users.c.platform_id == platform_id, T.users.c.id == user_id)
        .values(**values, updated_at=now_micros())
    )


# -- beneficiaries ---------------------------------------------------------------------


def insert_beneficiary(connection: sa.Connection, values: Mapping[str, Any]) -> None:
    connection.execute(sa.insert(T.beneficiaries).values(**values))


def beneficiary(
    connection: sa.Connection, platform_id: str, user_id: str, beneficiary_id: str
) -> Row | None:
    table = T.beneficiaries
    statement = _scoped(table, platform_id).where(
        table.c.user_id == user_id, table.c.id == beneficiary_id, table.c.deleted_at.is_(None)
    )
    return _one(connection, statement)


def beneficiaries(
    connection: sa.Connection, platform_id: str, user_id: str, *, kind: str | None = None
) -> list[Row]:
    table = T.beneficiaries
    statement = _scoped(table, platform_id).where(
        table.c.user_id == user_id, table.c.deleted_at.is_(None)
    )
    if kind is not None:
        statement = statement.where(table.c.kind == kind)
    statement = statement.order_by(table.c.created_at, table.c.id).limit(MAX_PAGE)
    return [dict(row) for row in connection.execute(statement).mappings()]


def delete_beneficiary(
    connection: sa.Connection, platform_id: str, user_id: str, beneficiary_id: str
) -> bool:
    table = T.beneficiaries
    result = connection.execute(
        sa.update(table)
        .where(
            table.c.platform_id == platform_id,
            table.c.user_id == user_id,
            table.c.id == beneficiary_id,
            table.c.deleted_at.is_(None),
        )
        .values(deleted_at=now_micros())
    )
    return result.rowcount == 1


# -- notifications ---------------------------------------------------------------------


def insert_notification(
    connection: sa.Connection,
    platform_id: str,
    user_id: str,
    kind: str,
    params: Mapping[str, Any],
    *,
    keep: int,
) -> str:
    """A new notification; the user's oldest beyond the ``keep`` newest are deleted."""
    notification_id = new_id("ntf")
    table = T.notifications
    connection.execute(
        sa.insert(table).values(
            id=notification_id,
            platform_id=platform_id,
            user_id=user_id,
            kind=kind,
            params=json.dumps(dict(params), sort_keys=True, separators=(",", ":")),
            created_at=now_micros(),
            read_at=None,
        )
    )
    cutoff = connection.execute(
        sa.select(table.c.created_at)
        .where(table.c.platform_id == platform_id, table.c.user_id == user_id)
        .order_by(table.c.created_at.desc())
        .offset(keep)
        .limit(1)
    ).scalar()
    if cutoff is not None:
        connection.execute(
            sa.delete(table).where(
                table.c.platform_id == platform_id,
                table.c.user_id == user_id,
                table.c.created_at <= cutoff,
            )
        )
    return notification_id


def notifications(
    connection: sa.Connection, platform_id: str, user_id: str, *, limit: int
) -> list[Row]:
    table = T.notifications
    statement = (
        _scoped(table, platform_id)
        .where(table.c.user_id == user_id)
        .order_by(table.c.created_at.desc(), table.c.id.desc())
        .limit(min(limit, MAX_PAGE))
    )
    return [dict(row) for row in connection.execute(statement).mappings()]


def unread_count(connection: sa.Connection, platform_id: str, user_id: str) -> int:
    table = T.notifications
    statement = sa.select(sa.func.count()).where(
        table.c.platform_id == platform_id,
        table.c.user_id == user_id,
        table.c.read_at.is_(None),
    )
    return int(connection.execute(statement).scalar() or 0)


def mark_read(
    connection: sa.Connection, platform_id: str, user_id: str, notification_id: str | None
) -> int:
    """Mark one notification (or, with None, all of the user's) as read."""
    table = T.notifications
    statement = sa.update(table).where(
        table.c.platform_id == platform_id,
        table.c.user_id == user_id,
        table.c.read_at.is_(None),
    )
    if notification_id is not None:
        statement = statement.where(table.c.id == notification_id)
    return int(connection.execute(statement.values(read_at=now_micros())).rowcount)


def has_notification(
    connection: sa.Connection, platform_id: str, user_id: str, notification_id: str
) -> bool:
    table = T.notifications
    statement = sa.select(table.c.id).where(
        table.c.platform_id == platform_id,
        table.c.user_id == user_id,
        table.c.id == notification_id,
    )
    return connection.execute(statement).first() is not None
