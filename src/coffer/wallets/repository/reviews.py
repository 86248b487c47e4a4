"""SQL of the reviews checks ask for, and the outbox read in order by other domains."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coffer.wallets import tables as T
from coffer.wallets.repository.rows import Row, now_micros


def review_row(connection: sa.Connection, movement_type: str, movement_id: str) -> Row | None:
    row = (
        connection.execute(
            sa.select(T.reviews).where(
                T.reviews.c.movement_type == movement_type,
                T.reviews.c.movement_id == movement_id,
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def set_review_hold(
    connection: sa.Connection, movement_type: str, movement_id: str, hold_id: int
) -> None:
    connection.execute(
        sa.update(T.reviews)
        .where(
            T.reviews.c.movement_type == movement_type,
            T.reviews.c.movement_id == movement_id,
        )
        .values(hold_id=hold_id, updated_at=now_micros())
    )


def outbox_events_after(
    connection: sa.Connection, after_id: str | None, prefixes: tuple[str, ...], limit: int
) -> list[Row]:
    """Outbox events (oldest first, by their time-ordered id) after ``after_id`` whose type
    starts with one of ``prefixes``."""
    statement: Any = sa.select(T.events).order_by(T.events.c.id).limit(limit)
    if after_id is not None:
        statement = statement.where(T.events.c.id > after_id)
    if prefixes:
        statement = statement.where(sa.or_(*(T.events.c.type.startswith(p) for p in prefixes)))
    return [dict(row) for row in connection.execute(statement).mappings()]
