"""All SQL of spending policies (SQLAlchemy Core). Reads on behalf of a caller are
filtered by platform in one place, :func:`coffer.automations.repository.owned`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from coffer.automations.policies import tables as T
from coffer.automations.policies.leases import WindowKey
from coffer.automations.repository import owned
from coffer.db.engine import for_writes

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
    (the caller matches each to its movements' platform): ids, targets, mode, version and
    rules (:data:`ACTIVE_COLUMNS`)."""
    wallets, customers = sorted(set(wallet_ids)), sorted(set(customer_ids))
    targets = [P.c.wallet_id.in_(wallets)] if wallets else []
    if customers:
        targets.append(P.c.customer_id.in_(customers))
    if not targets:
        return []
    statement = sa.select(*(P.c[name] for name in ACTIVE_COLUMNS)).where(
        P.c.status == "active", sa.or_(*targets)
    )
    return [dict(zip(ACTIVE_COLUMNS, row, strict=True)) for row in connection.execute(statement)]


ACTIVE_COLUMNS = ("id", "platform_id", "wallet_id", "customer_id", "mode", "version", "rules")
E = T.spending_policy_epochs
_EPOCH = sa.select(E.c.epoch).where(E.c.id == 1)


def policy_epoch(connection: sa.Connection) -> int:
    """The policies' change epoch (0 before the first change)."""
    return int(connection.execute(_EPOCH).scalar() or 0)


def bump_policy_epoch(connection: sa.Connection) -> None:
    """Tell every process to drop the policies it caches (in the change's own unit)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(E).values(id=1, epoch=1)
    connection.execute(
        statement.on_conflict_do_update(index_elements=[E.c.id], set_={"epoch": E.c.epoch + 1})
    )


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


@contextmanager
def usage_unit(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write unit for usage counters that commits without waiting for the disk (SQLite:
    ``synchronous=NORMAL`` for this unit; PostgreSQL: ``synchronous_commit`` off). Nothing
    is lost that matters: the movement's own ledger commit comes after this one and makes
    the log durable up to itself, this unit's changes included; if the machine stops
    before that, the movement did not happen and its counting is rightly gone."""
    with engine.connect() as connection:
        raw: Any = None
        before: Any = None
        if connection.dialect.name == "sqlite":
            raw = connection.connection.driver_connection
            before = raw.execute("PRAGMA synchronous").fetchone()[0]
            raw.execute("PRAGMA synchronous=NORMAL")
        try:
            for_writes(connection)
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                yield connection
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA synchronous={int(before)}")


USAGE_COLUMNS = ("amount_used", "count_used", "amount_reserved", "count_reserved")


def open_windows(connection: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Create the usage rows of windows not used yet (zero), skipping existing ones (one
    executemany; on PostgreSQL it waits for a concurrent unit creating the same row)."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(U).on_conflict_do_nothing(), [dict(row) for row in rows])


def lock_usage(connection: sa.Connection, keys: Sequence[WindowKey]) -> dict[WindowKey, list[int]]:
    """The usage of the windows ``keys`` (amount and count used, amount and count
    reserved: :data:`USAGE_COLUMNS`), locked until the unit ends: rows
    locked in key order on PostgreSQL (no deadlock between units sharing rows), SQLite's
    unit already holds the write lock. A window without a row is missing from the answer."""
    if not keys:
        return {}
    wanted = set(keys)
    statement = (
        sa.select(U.c.policy_id, U.c.window, U.c.window_start, *(U.c[c] for c in USAGE_COLUMNS))
        .where(
            U.c.policy_id.in_(sorted({key[0] for key in wanted})),
            U.c.window_start.in_(sorted({key[2] for key in wanted})),
        )
        .order_by(U.c.policy_id, U.c.window, U.c.window_start)
    )
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    found = {}
    for row in connection.execute(statement):
        key = (str(row[0]), str(row[1]), str(row[2]))
        if key in wanted:
            found[key] = [int(value) for value in row[3:]]
    return found


_WINDOW = sa.and_(
    U.c.policy_id == sa.bindparam("key_policy_id"),
    U.c.window == sa.bindparam("key_window"),
    U.c.window_start == sa.bindparam("key_window_start"),
)
_SET_USAGE = (
    sa.update(U)
    .where(_WINDOW)
    .values(
        **{name: sa.bindparam(name) for name in USAGE_COLUMNS},
        updated_at=sa.bindparam("updated_at"),
    )
)


def _less(column: sa.ColumnElement[int], name: str) -> sa.ColumnElement[int]:
    """``column`` less the parameter ``name``, not below zero."""
    less = sa.bindparam(name, type_=sa.BigInteger)
    return sa.case((column > less, column - less), else_=0)


_ADD_USAGE = (
    sa.update(U)
    .where(_WINDOW)
    .values(
        amount_used=U.c.amount_used + sa.bindparam("amount_used", type_=sa.BigInteger),
        count_used=U.c.count_used + sa.bindparam("count_used", type_=sa.Integer),
        amount_reserved=_less(U.c.amount_reserved, "amount_freed"),
        count_reserved=_less(U.c.count_reserved, "count_freed"),
        updated_at=sa.bindparam("updated_at"),
    )
)


def _each_row(
    connection: sa.Connection,
    statement: sa.Update,
    rows: Sequence[tuple[WindowKey, Sequence[int]]],
    names: Sequence[str],
    now: int,
) -> None:
    """``statement`` for each of ``rows`` (a window and its values, named ``names``):
    one executemany."""
    connection.execute(
        statement,
        [
            {
                "key_policy_id": key[0],
                "key_window": key[1],
                "key_window_start": key[2],
                **dict(zip(names, values, strict=True)),
                "updated_at": now,
            }
            for key, values in rows
        ],
    )


def set_usage(
    connection: sa.Connection, usage: Sequence[tuple[WindowKey, Sequence[int]]], now: int
) -> None:
    """Write the new usage of windows read by :func:`lock_usage` in this unit (one
    statement on PostgreSQL, one executemany on SQLite)."""
    if not usage:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(_PG_SET_USAGE, _arrays(usage, USAGE_COLUMNS, now))
        return
    _each_row(connection, _SET_USAGE, usage, USAGE_COLUMNS, now)


UsageChange = tuple[int, int, int, int]  # amount and count used (+), reserved freed (-)


def add_usage(
    connection: sa.Connection, changes: Mapping[WindowKey, UsageChange], now: int
) -> None:
    """Add to what windows used and take from what they reserved (never below zero),
    without reading them first: on PostgreSQL the rows are locked in key order by one
    statement and changed by another (whatever the number of windows), on SQLite (whose
    unit holds the write lock) by one executemany."""
    if not changes:
        return
    ordered = [(key, changes[key]) for key in sorted(changes)]
    if connection.dialect.name == "postgresql":
        connection.execute(_PG_LOCK_KEYS, _arrays(ordered, (), now))
        connection.execute(_PG_ADD_USAGE, _arrays(ordered, _ADDED, now))
        return
    _each_row(connection, _ADD_USAGE, ordered, _ADDED, now)


_ADDED = ("amount_used", "count_used", "amount_freed", "count_freed")


def _arrays(
    rows: Sequence[tuple[WindowKey, Sequence[int]]], names: Sequence[str], now: int
) -> dict[str, Any]:
    """The parameters of a PostgreSQL statement over ``rows``: one array per key part
    and per value (``names``)."""
    params: dict[str, Any] = {"updated_at": now}
    for index, name in enumerate(("key_policy_ids", "key_windows", "key_window_starts")):
        params[name] = [key[index] for key, _ in rows]
    for index, name in enumerate(names):
        params[name] = [values[index] for _, values in rows]
    return params


_PG_KEYS = (
    "unnest(CAST(:key_policy_ids AS text[]), CAST(:key_windows AS text[]),"
    ' CAST(:key_window_starts AS text[]){values}) AS v(policy_id, "window", window_start{names})'
)
_PG_MATCH = (
    'u.policy_id = v.policy_id AND u."window" = v."window" AND u.window_start = v.window_start'
)


def _pg_keys(names: Sequence[str], types: Sequence[str]) -> str:
    values = "".join(
        f", CAST(:{name} AS {kind}[])" for name, kind in zip(names, types, strict=True)
    )
    return _PG_KEYS.format(values=values, names="".join(f", {name}" for name in names))


_BIG = ("bigint", "integer", "bigint", "integer")
_PG_LOCK_KEYS = sa.text(
    f"SELECT 1 FROM {U.name} AS u JOIN {_pg_keys((), ())} ON {_PG_MATCH}"
    ' ORDER BY u.policy_id, u."window", u.window_start FOR UPDATE OF u'
)
_PG_SET_USAGE = sa.text(
    f"UPDATE {U.name} AS u SET "
    + ", ".join(f"{name} = v.{name}" for name in USAGE_COLUMNS)
    + f", updated_at = :updated_at FROM {_pg_keys(USAGE_COLUMNS, _BIG)} WHERE {_PG_MATCH}"
)
_PG_ADD_USAGE = sa.text(
    f"UPDATE {U.name} AS u SET amount_used = u.amount_used + v.amount_used,"
    " count_used = u.count_used + v.count_used,"
    " amount_reserved = CASE WHEN u.amount_reserved > v.amount_freed"
    " THEN u.amount_reserved - v.amount_freed ELSE 0 END,"
    " count_reserved = CASE WHEN u.count_reserved > v.count_freed"
    " THEN u.count_reserved - v.count_freed ELSE 0 END,"
    f" updated_at = :updated_at FROM {_pg_keys(_ADDED, _BIG)} WHERE {_PG_MATCH}"
)
