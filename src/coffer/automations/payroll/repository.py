"""All SQL of payment batches (SQLAlchemy Core). Reads on behalf of a caller are filtered
by platform with :func:`coffer.automations.repository.owned`; the worker's queries (due
batches, expired approvals) span platforms, and each batch carries its platform on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from coffer.automations.payroll import tables as T
from coffer.automations.repository import Row, owned
from coffer.wallets.tables import idempotency_keys

INSERT_CHUNK = 1000
BATCHES = T.payment_batches
LINES = T.payment_batch_lines
LIMITS = T.payment_batch_limits


def _all(connection: sa.Connection, statement: sa.Select[Any]) -> list[Row]:
    return [dict(row) for row in connection.execute(statement).mappings()]


def insert_batch(
    connection: sa.Connection, values: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]
) -> None:
    connection.execute(sa.insert(BATCHES).values(**values))
    for start in range(0, len(lines), INSERT_CHUNK):
        connection.execute(
            sa.insert(LINES), [dict(row) for row in lines[start : start + INSERT_CHUNK]]
        )


def batch(
    connection: sa.Connection, platform_id: str | None, batch_id: str, *, lock: bool = False
) -> Row | None:
    statement = sa.select(BATCHES).where(BATCHES.c.id == batch_id)
    if platform_id is not None:
        statement = statement.where(owned(BATCHES, platform_id))
    if lock and connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = connection.execute(statement).mappings().first()
    return None if row is None else dict(row)


def lines_page(
    connection: sa.Connection,
    batch_id: str,
    *,
    status: str | None,
    starting_after: int | None,
    limit: int,
) -> tuple[list[Row], bool]:
    statement = sa.select(LINES).where(LINES.c.batch_id == batch_id)
    if status is not None:
        statement = statement.where(LINES.c.status == status)
    if starting_after is not None:
        statement = statement.where(LINES.c.line_number > starting_after)
    rows = _all(connection, statement.order_by(LINES.c.line_number).limit(limit + 1))
    return rows[:limit], len(rows) > limit


def update_batch(
    connection: sa.Connection,
    batch_id: str,
    values: Mapping[str, Any],
    *,
    status_in: Sequence[str] | None = None,
    lease_owner: str | None = None,
) -> bool:
    """Change a batch if its status is one of ``status_in`` and (given) ``lease_owner``
    still holds it (compare-and-set)."""
    statement = sa.update(BATCHES).where(BATCHES.c.id == batch_id)
    if status_in is not None:
        statement = statement.where(BATCHES.c.status.in_(list(status_in)))
    if lease_owner is not None:
        statement = statement.where(BATCHES.c.lease_owner == lease_owner)
    return (connection.execute(statement.values(**values)).rowcount or 0) == 1


def any_due(connection: sa.Connection, now: int) -> bool:
    due = sa.or_(
        sa.and_(
            BATCHES.c.status.in_(["scheduled", "waiting_funds", "executing"]),
            BATCHES.c.next_check_at <= now,
        ),
        sa.and_(BATCHES.c.status == "pending_approval", BATCHES.c.approval_expires_at <= now),
    )
    statement = sa.select(BATCHES.c.id).where(due).limit(1)
    return connection.execute(statement).first() is not None


def expired_approvals(connection: sa.Connection, now: int) -> list[str]:
    statement = sa.select(BATCHES.c.id).where(
        BATCHES.c.status == "pending_approval",
        BATCHES.c.approval_expires_at <= now,
    )
    return [row[0] for row in connection.execute(statement.limit(100))]


def claim(connection: sa.Connection, now: int, owner: str, lease_until: int) -> Row | None:
    """Lease one due batch (scheduled, waiting for funds, or executing whose worker's lease
    ran out) to ``owner``: compare-and-set, so two workers never hold one batch."""
    statement = (
        sa.select(BATCHES.c.id, BATCHES.c.updated_at)
        .where(
            BATCHES.c.status.in_(["scheduled", "waiting_funds", "executing"]),
            BATCHES.c.next_check_at <= now,
            sa.or_(BATCHES.c.lease_until.is_(None), BATCHES.c.lease_until < now),
        )
        .order_by(BATCHES.c.next_check_at)
        .limit(5)
    )
    for batch_id, updated_at in connection.execute(statement).all():
        taken = connection.execute(
            sa.update(BATCHES)
            .where(
                BATCHES.c.id == batch_id,
                BATCHES.c.updated_at == updated_at,
                sa.or_(BATCHES.c.lease_until.is_(None), BATCHES.c.lease_until < now),
            )
            .values(lease_owner=owner, lease_until=lease_until, updated_at=now)
        )
        if taken.rowcount == 1:
            return batch(connection, None, batch_id)
    return None


def pending_lines(connection: sa.Connection, batch_id: str, limit: int) -> list[Row]:
    statement = (
        sa.select(LINES)
        .where(LINES.c.batch_id == batch_id, LINES.c.status == "pending")
        .order_by(LINES.c.line_number)
        .limit(limit)
    )
    return _all(connection, statement)


def line_amounts(connection: sa.Connection, batch_id: str) -> list[tuple[str, str, int]]:
    """(status, kind, amount) of every line of the batch."""
    statement = sa.select(LINES.c.status, LINES.c.kind, LINES.c.amount).where(
        LINES.c.batch_id == batch_id
    )
    return [(row[0], row[1], int(row[2])) for row in connection.execute(statement)]


def update_lines(
    connection: sa.Connection, batch_id: str, updates: Sequence[tuple[int, Mapping[str, Any]]]
) -> None:
    """Record outcomes of pending lines (``updates``: line number and values; every values
    mapping has the same keys). A line already recorded is left as it is."""
    if not updates:
        return
    names = sorted(updates[0][1])
    statement = (
        sa.update(LINES)
        .where(
            LINES.c.batch_id == batch_id,
            LINES.c.line_number == sa.bindparam("line"),
            LINES.c.status == "pending",
        )
        .values({name: sa.bindparam("v_" + name) for name in names})
    )
    connection.execute(
        statement,
        [
            {"line": number, **{"v_" + name: values[name] for name in names}}
            for number, values in updates
        ],
    )


def close_pending(
    connection: sa.Connection,
    batch_id: str,
    status: str,
    values: Mapping[str, Any],
    *,
    from_line: int = 0,
) -> None:
    connection.execute(
        sa.update(LINES)
        .where(
            LINES.c.batch_id == batch_id,
            LINES.c.status == "pending",
            LINES.c.line_number >= from_line,
        )
        .values(status=status, **values)
    )


def submitted_payouts(connection: sa.Connection, batch_id: str) -> list[str]:
    statement = (
        sa.select(LINES.c.payout_id)
        .where(LINES.c.batch_id == batch_id, LINES.c.status == "submitted")
        .order_by(LINES.c.line_number)
    )
    return [row[0] for row in connection.execute(statement)]


# -- limits -----------------------------------------------------------------------------


def limits(connection: sa.Connection, platform_id: str, currency: str | None) -> list[Row]:
    """The platform's own limits: of ``currency``, or of every currency (by currency)."""
    statement = sa.select(LIMITS).where(owned(LIMITS, platform_id))
    if currency is not None:
        statement = statement.where(LIMITS.c.currency == currency)
    return _all(connection, statement.order_by(LIMITS.c.currency))


def put_limits(connection: sa.Connection, values: Mapping[str, Any]) -> None:
    """Insert or replace the platform's limits of one currency."""
    connection.execute(
        sa.delete(LIMITS).where(
            LIMITS.c.platform_id == values["platform_id"],
            LIMITS.c.currency == values["currency"],
        )
    )
    connection.execute(sa.insert(LIMITS).values(**values))


def delete_limits(connection: sa.Connection, platform_id: str, currency: str) -> bool:
    result = connection.execute(
        sa.delete(LIMITS).where(owned(LIMITS, platform_id), LIMITS.c.currency == currency)
    )
    return (result.rowcount or 0) > 0


# -- the Idempotency-Key of a creation (the wallets' records) ---------------------------------


def answer_key(
    connection: sa.Connection, platform_id: str, key: str, batch_id: str, answer: str
) -> bool:
    """Record ``batch_id`` and its sealed answer on the platform's claim of ``key`` if the
    claim has no answer yet (compare-and-set); False: another request answered it."""
    keys = idempotency_keys
    result = connection.execute(
        sa.update(keys)
        .where(
            keys.c.platform_id == platform_id,
            keys.c.key == key,
            keys.c.response_status.is_(None),
            keys.c.resource_id == "",
        )
        .values(resource_id=batch_id, response_status=200, response_enc=answer)
    )
    return (result.rowcount or 0) == 1
