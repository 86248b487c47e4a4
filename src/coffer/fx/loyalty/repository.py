"""All SQL of loyalty programs (SQLAlchemy Core); the caller's unit of work commits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from coffer.fx import tables as T
from coffer.wallets.repository import owned

Row = Mapping[str, Any]


def _rows(
    connection: sa.Connection,
    table: sa.Table,
    *where: sa.ColumnElement[bool],
    order: tuple[sa.ColumnElement[Any], ...],
    limit: int | None = None,
    lock: bool = False,
) -> list[Row]:
    """The rows of ``table`` of the connection's platform that match ``where``, in
    ``order``; with ``lock``, locked on PostgreSQL (taken one transaction after another)."""
    statement = sa.select(table).where(*where, owned(connection, table)).order_by(*order)
    if limit is not None:
        statement = statement.limit(limit)
    if lock and connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return [dict(row) for row in connection.execute(statement).mappings()]


def _customer_rows(
    connection: sa.Connection,
    table: sa.Table,
    program_id: str,
    customer_id: str,
    time_column: str,
    limit: int,
) -> list[Row]:
    """A customer's rows of ``table`` in a program, oldest (by ``time_column``) first."""
    c = table.c
    return _rows(
        connection,
        table,
        c.program_id == program_id,
        c.customer_id == customer_id,
        order=(c[time_column], c.id),
        limit=limit,
    )


def spendable_lots(
    connection: sa.Connection, program_id: str, customer_id: str, now: int
) -> list[Row]:
    """Active lots with points left and not expired, oldest first (FIFO); locked on
    PostgreSQL so that concurrent redemptions take them one after the other."""
    lot = T.loyalty_lots.c
    return _rows(
        connection,
        T.loyalty_lots,
        lot.program_id == program_id,
        lot.customer_id == customer_id,
        lot.status == "active",
        lot.remaining > 0,
        sa.or_(lot.expires_at.is_(None), lot.expires_at > now),
        order=(lot.earned_at, lot.id),
        lock=True,
    )


def take(connection: sa.Connection, lot_id: str, expected: int, new_remaining: int) -> bool:
    lot = T.loyalty_lots.c
    result = connection.execute(
        sa.update(T.loyalty_lots)
        .where(lot.id == lot_id, lot.remaining == expected, owned(connection, T.loyalty_lots))
        .values(remaining=new_remaining)
    )
    return result.rowcount == 1


def give_back(connection: sa.Connection, lot_id: str, points: int) -> None:
    lot = T.loyalty_lots.c
    connection.execute(
        sa.update(T.loyalty_lots)
        .where(lot.id == lot_id, owned(connection, T.loyalty_lots))
        .values(remaining=lot.remaining + points)
    )


def expired_lots(connection: sa.Connection, program_id: str, now: int, limit: int) -> list[Row]:
    lot = T.loyalty_lots.c
    return _rows(
        connection,
        T.loyalty_lots,
        lot.program_id == program_id,
        lot.status == "active",
        lot.remaining > 0,
        lot.expires_at.is_not(None),
        lot.expires_at <= now,
        order=(lot.expires_at, lot.id),
        limit=limit,
        lock=True,
    )


def customer_lots(connection: sa.Connection, program_id: str, customer_id: str) -> list[Row]:
    return _customer_rows(connection, T.loyalty_lots, program_id, customer_id, "earned_at", 10_000)


def earned_since(connection: sa.Connection, program_id: str, customer_id: str, since: int) -> int:
    lot = T.loyalty_lots.c
    statement = sa.select(sa.func.coalesce(sa.func.sum(lot.points), 0)).where(
        lot.program_id == program_id,
        lot.customer_id == customer_id,
        owned(connection, T.loyalty_lots),
        lot.status == "active",
        lot.earned_at >= since,
    )
    return int(connection.execute(statement).scalar_one())


def programs(connection: sa.Connection, limit: int) -> list[Row]:
    statement = (
        sa.select(T.loyalty_programs)
        .where(owned(connection, T.loyalty_programs))
        .order_by(T.loyalty_programs.c.id)
        .limit(limit)
    )
    return [dict(row) for row in connection.execute(statement).mappings()]


def movement_by_key(connection: sa.Connection, key: str) -> Row | None:
    m = T.loyalty_movements.c
    row = connection.execute(
        sa.select(T.loyalty_movements).where(
            m.idempotency_key == key, owned(connection, T.loyalty_movements)
        )
    )
    found = row.mappings().first()
    return dict(found) if found else None


def lot_by_reason(connection: sa.Connection, program_id: str, reason: str) -> Row | None:
    """The lot a movement earned (``reason``: ``payment:<id>`` or ``payin_card:<id>``)."""
    lot = T.loyalty_lots.c
    found = (
        connection.execute(
            sa.select(T.loyalty_lots).where(
                lot.program_id == program_id,
                lot.reason == reason,
                owned(connection, T.loyalty_lots),
            )
        )
        .mappings()
        .first()
    )
    return dict(found) if found else None


def refunded_before(connection: sa.Connection, program_id: str, source_id: str) -> int:
    """The refunded amount earlier clawbacks of ``source_id`` accounted for."""
    m = T.loyalty_movements.c
    statement = sa.select(sa.func.coalesce(sa.func.sum(m.cash_amount), 0)).where(
        m.program_id == program_id,
        m.source_id == source_id,
        m.kind == "clawback",
        m.status != "failed",
        owned(connection, T.loyalty_movements),
    )
    return int(connection.execute(statement).scalar_one())


def customer_movements(
    connection: sa.Connection, program_id: str, customer_id: str, limit: int
) -> list[Row]:
    return _customer_rows(
        connection, T.loyalty_movements, program_id, customer_id, "created_at", limit
    )
