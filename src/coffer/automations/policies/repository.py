"""All SQL of spending policies (SQLAlchemy Core). Reads on behalf of a caller are
filtered by platform in one place, :func:`coffer.automations.repository.owned`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from coffer.automations.policies import tables as T
from coffer.automations.repository import insert_ignore, owned

Row = dict[str, Any]
P = T.spending_policies
U = T.spending_policy_usage


def _all(connection: sa.Connection, statement: sa.Select[Any]) -> list[Row]:
    return [dict(row) for row in connection.execute(statement).mappings()]


def policy(connection: sa.Connection, platform_id: str, policy_id: str) -> Row | None:
    statement = sa.select(P).where(P.c.id == policy_id, owned(P, platform_id))
    found = _all(connection, statement)
    return found[0] if found else None


def policies_page(
    connection: sa.Connection,
    platform_id: str,
    *,
    wallet_id: str | None,
    customer_id: str | None,
    owner_customer_id: str | None,
    starting_after: str | None,
    limit: int,
) -> tuple[list[Row], bool]:
    statement = sa.select(P).where(owned(P, platform_id))
    for column, value in (
        (P.c.wallet_id, wallet_id),
        (P.c.customer_id, customer_id),
        (P.c.owner_customer_id, owner_customer_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if starting_after is not None:
        statement = statement.where(P.c.id > starting_after)
    rows = _all(connection, statement.order_by(P.c.id).limit(limit + 1))
    return rows[:limit], len(rows) > limit


def active_for(
    connection: sa.Connection, wallet_ids: Iterable[str], customer_ids: Iterable[str]
) -> list[Row]:
    """The active policies on any of ``wallet_ids`` or on any wallet of ``customer_ids``
    (the caller matches each to its movements' platform)."""
    wallets, customers = sorted(set(wallet_ids)), sorted(set(customer_ids))
    targets = [P.c.wallet_id.in_(wallets)] if wallets else []
    if customers:
        targets.append(P.c.customer_id.in_(customers))
    if not targets:
        return []
    statement = sa.select(P).where(P.c.status == "active", sa.or_(*targets))
    return _all(connection, statement.order_by(P.c.id))


def insert_version(connection: sa.Connection, values: Mapping[str, Any]) -> None:
    connection.execute(sa.insert(T.spending_policy_versions).values(**values))


def insert_policy(connection: sa.Connection, values: Mapping[str, Any]) -> None:
    connection.execute(sa.insert(P).values(**values))


def update_policy(connection: sa.Connection, policy_id: str, values: Mapping[str, Any]) -> None:
    connection.execute(sa.update(P).where(P.c.id == policy_id).values(**values))


def delete_policy(connection: sa.Connection, policy_id: str) -> None:
    """The policy, its versions and usage (its decisions stay, as the record)."""
    for table, column in (
        (U, U.c.policy_id),
        (T.spending_policy_versions, T.spending_policy_versions.c.policy_id),
        (P, P.c.id),
    ):
        connection.execute(sa.delete(table).where(column == policy_id))


def versions(connection: sa.Connection, policy_id: str) -> list[Row]:
    V = T.spending_policy_versions
    return _all(connection, sa.select(V).where(V.c.policy_id == policy_id).order_by(V.c.version))


def usage(
    connection: sa.Connection, policy_id: str, windows: Sequence[tuple[str, str]]
) -> list[Row]:
    """The usage rows of ``policy_id`` in the given (window, window_start) pairs."""
    if not windows:
        return []
    statement = sa.select(U).where(
        U.c.policy_id == policy_id,
        sa.tuple_(U.c.window, U.c.window_start).in_([tuple(pair) for pair in windows]),
    )
    return _all(connection, statement)


def decisions(
    connection: sa.Connection, policy_id: str, *, starting_after: str | None, limit: int
) -> tuple[list[Row], bool]:
    D = T.spending_policy_decisions
    statement = sa.select(D).where(D.c.policy_id == policy_id)
    if starting_after is not None:
        statement = statement.where(D.c.id < starting_after)
    rows = _all(connection, statement.order_by(D.c.id.desc()).limit(limit + 1))
    return rows[:limit], len(rows) > limit


# -- usage counters: the atomic part -----------------------------------------------------


def open_windows(connection: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Create the usage rows of windows not used yet (zero), skipping existing ones."""
    insert_ignore(connection, U, rows)


def _key(policy_id: str, window: str, start: str) -> sa.ColumnElement[bool]:
    return sa.and_(U.c.policy_id == policy_id, U.c.window == window, U.c.window_start == start)


def add_usage(
    connection: sa.Connection,
    policy_id: str,
    window: str,
    start: str,
    *,
    amount: int,
    amount_limit: int | None,
    count_limit: int | None,
    now: int,
) -> tuple[int, int] | None:
    """Count a movement of ``amount`` in a window if it fits its limits (None: it does not,
    nothing changed): one conditional UPDATE, so concurrent movements are counted one after
    the other (the row lock on PostgreSQL, the write lock on SQLite). The usage after."""
    statement = (
        sa.update(U)
        .where(_key(policy_id, window, start))
        .values(amount_used=U.c.amount_used + amount, count_used=U.c.count_used + 1, updated_at=now)
        .returning(U.c.amount_used, U.c.count_used)
    )
    if amount_limit is not None:
        statement = statement.where(U.c.amount_used + amount <= amount_limit)
    if count_limit is not None:
        statement = statement.where(U.c.count_used + 1 <= count_limit)
    row = connection.execute(statement).first()
    return None if row is None else (int(row[0]), int(row[1]))


def used(connection: sa.Connection, policy_id: str, window: str, start: str) -> tuple[int, int]:
    row = connection.execute(
        sa.select(U.c.amount_used, U.c.count_used).where(_key(policy_id, window, start))
    ).first()
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def remove_usage(
    connection: sa.Connection, policy_id: str, window: str, start: str, amount: int, now: int
) -> None:
    """Undo :func:`add_usage` for a movement that did not happen."""
    connection.execute(
        sa.update(U)
        .where(_key(policy_id, window, start))
        .values(amount_used=U.c.amount_used - amount, count_used=U.c.count_used - 1, updated_at=now)
    )


def lock_windows(connection: sa.Connection, keys: Sequence[tuple[str, str, str]]) -> None:
    """On PostgreSQL, lock the usage rows of ``keys`` in one order (no deadlock between
    batches that share rows); SQLite's unit already holds the write lock."""
    if connection.dialect.name != "postgresql" or not keys:
        return
    statement = (
        sa.select(U.c.policy_id)
        .where(sa.tuple_(U.c.policy_id, U.c.window, U.c.window_start).in_(sorted(keys)))
        .order_by(U.c.policy_id, U.c.window, U.c.window_start)
        .with_for_update()
    )
    connection.execute(statement).all()
