"""The wallets domain's SQL for rows in general (get, insert, update, pages), wallets,
the cache epoch, KYC sums and status queries. Functions take a connection and never commit.

Tenancy, in one place: a connection carries its platform as the execution option
:data:`PLATFORM_OPTION` (the wallets core's engine sets it on every connection it opens);
every read, update and delete here is filtered by :func:`owned`, and every insert stamped
by :func:`stamped`. A row of another platform is simply not found."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.wallets import tables as T

Row = Mapping[str, Any]

PLATFORM_OPTION = "coffer_platform_id"


def platform_of(connection: sa.Connection) -> str:
    """The platform whose rows ``connection`` reads and writes."""
    return str(connection.get_execution_options().get(PLATFORM_OPTION, DEFAULT_PLATFORM_ID))


def owned(connection: sa.Connection, table: sa.Table) -> sa.ColumnElement[bool]:
    """The condition "the row belongs to the connection's platform" (always true for a
    table of shared rows, without ``platform_id``: exchange rates, pricing)."""
    if "platform_id" not in table.c:
        return sa.true()
    return table.c.platform_id == platform_of(connection)


def stamped(
    connection: sa.Connection, values: Mapping[str, Any], table: sa.Table | None = None
) -> dict[str, Any]:
    """``values`` of a new row, with the connection's platform (unless ``table`` has no
    ``platform_id``)."""
    if table is not None and "platform_id" not in table.c:
        return dict(values)
    return {**values, "platform_id": platform_of(connection)}


def now_micros() -> int:
    return time.time_ns() // 1000


def new_id(prefix: str) -> str:
    """Sortable ids: prefix, 12 hex digits of milliseconds, 12 random hex digits."""
    return f"{prefix}_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def first_row(connection: sa.Connection, statement: sa.Select[Any]) -> Row | None:
    """The first row ``statement`` selects (as a dict), or None."""
    row = connection.execute(statement).mappings().first()
    return dict(row) if row is not None else None


def owner_of(
    connection: sa.Connection, table: sa.Table, conditions: Mapping[str, Any]
) -> str | None:
    """The platform owning the row of ``table`` that matches ``conditions`` (column ->
    value), whatever the connection's platform: for the public routes (pages a paying
    customer opens, gateway webhooks) that must find the platform before anything else."""
    statement = sa.select(table.c.platform_id).where(
        *(table.c[column] == value for column, value in conditions.items())
    )
    found = connection.execute(statement.limit(1)).scalar()
    return None if found is None else str(found)


def get(
    connection: sa.Connection, table: sa.Table, object_id: str, *, for_update: bool = False
) -> Row | None:
    statement = sa.select(table).where(table.c.id == object_id, owned(connection, table))
    if for_update and connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return first_row(connection, statement)


def get_many(connection: sa.Connection, table: sa.Table, ids: Sequence[str]) -> dict[str, Row]:
    rows = connection.execute(
        sa.select(table).where(table.c.id.in_(list(ids)), owned(connection, table))
    ).mappings()
    return {row["id"]: dict(row) for row in rows}


def insert(connection: sa.Connection, table: sa.Table, values: Mapping[str, Any]) -> None:
    connection.execute(sa.insert(table).values(**stamped(connection, values, table)))


def insert_new(
    connection: sa.Connection, table: sa.Table, prefix: str, values: Mapping[str, Any]
) -> tuple[str, int]:
    """Insert a new row of ``table``: ``values`` with a new id (``<prefix>_...``) and its
    creation (and last update) time, returned with the id."""
    row_id, now = new_id(prefix), now_micros()
    insert(connection, table, {"id": row_id, **values, "created_at": now, "updated_at": now})
    return row_id, now


def insert_pending_refund(
    connection: sa.Connection,
    target_type: str,
    target_id: str,
    currency: str,
    amount: int,
    *,
    gateway_ref: str | None = None,
    origin: str = "coffer",
) -> str:
    """A new refund of a pay-in or a payment, pending until the ledger and gateway agree.
    ``origin`` "gateway": made outside Coffer, reported by the gateway as ``gateway_ref``."""
    refund_id = new_id("re")
    now = now_micros()
    insert(
        connection,
        T.refunds,
        {
            "id": refund_id,
            "target_type": target_type,
            "target_id": target_id,
            "currency": currency,
            "amount": amount,
            "status": "pending",
            "failure_code": None,
            "ledger_tx_id": None,
            "gateway_ref": gateway_ref,
            "origin": origin,
            "created_at": now,
            "updated_at": now,
        },
    )
    return refund_id


@dataclass(frozen=True, slots=True)
class _Group:
    """How one group of rows of :func:`insert_rows` becomes parameters: its columns (the
    rows' own, without ``platform_id``), their bind processors (None: values go to the
    driver as they are) and whether the connection's platform is appended."""

    columns: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    stamp: bool

    def values(self, rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
        """One list per column (the platform's excluded) of the rows' processed values."""
        arrays = []
        for column, process in zip(self.columns, self.processors, strict=True):
            if process is None:
                arrays.append([row[column] for row in rows])
            else:
                arrays.append([process(row[column]) for row in rows])
        return arrays

    def tuples(self, rows: Sequence[Mapping[str, Any]], platform_id: str) -> list[tuple[Any, ...]]:
        """One parameter tuple per row (the platform last when stamped)."""
        if any(process is not None for process in self.processors):
            arrays = self.values(rows)
            if self.stamp:
                arrays.append([platform_id] * len(rows))
            return list(zip(*arrays, strict=True))
        tail = (platform_id,) if self.stamp else ()
        if len(self.columns) == 1:
            (column,) = self.columns
            return [(row[column], *tail) for row in rows]
        get = itemgetter(*self.columns)
        return [get(row) + tail for row in rows]


_Built = tuple[list[str], list[_Group]]  # statements (one on PostgreSQL), groups
_INSERT_ROWS: dict[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], _Built] = {}
MAX_INSERT_SHAPES = 1_024  # statements kept built; beyond, the cache starts over


def insert_all(
    connection: sa.Connection, rows: Sequence[tuple[sa.Table, Mapping[str, Any]]]
) -> None:
    """Insert rows into several tables atomically (see :func:`insert_rows`)."""
    insert_rows(connection, [(table, [values]) for table, values in rows])


def insert_rows(
    connection: sa.Connection, groups: Sequence[tuple[sa.Table, Sequence[Mapping[str, Any]]]]
) -> None:
    """Insert groups of rows (each group: rows of one table with the same columns), stamped
    with the connection's platform, atomically, in as few round trips as the backend allows.

    On PostgreSQL it is one statement whatever the number of rows: data-modifying CTEs,
    each inserting from ``unnest`` over one array per column (run it on an autocommit
    connection and it is its own transaction). Elsewhere it is one executemany of
    parameter tuples per group on the driver's cursor, in a transaction. Statements
    depend only on the tables and columns, so they are built once (and the driver and
    server reuse their parse and plan); the rows' values go to the driver without
    copying the rows.
    """
    groups = [(table, rows) for table, rows in groups if rows]
    if not groups:
        return
    shape = (
        connection.dialect.name,
        tuple((table.name, tuple(rows[0])) for table, rows in groups),
    )
    built = _INSERT_ROWS.get(shape)
    if built is None:
        built = _build_insert(connection.dialect, [(t, tuple(r[0])) for t, r in groups])
        if len(_INSERT_ROWS) >= MAX_INSERT_SHAPES:
            _INSERT_ROWS.clear()
        _INSERT_ROWS[shape] = built
    statements, plans = built
    platform_id = platform_of(connection)
    if connection.dialect.name == "postgresql":
        parameters: dict[str, list[Any]] = {}
        for g, (plan, (_, rows)) in enumerate(zip(plans, groups, strict=True)):
            for column, values in zip(plan.columns, plan.values(rows), strict=True):
                parameters[f"p{g}_{column}"] = values
            if plan.stamp:
                parameters[f"p{g}_platform_id"] = [platform_id] * len(rows)
        connection.exec_driver_sql(statements[0], parameters)
        return
    if connection.in_transaction():
        connection.commit()
    with connection.begin():
        cursor = connection.connection.cursor()
        try:
            for sql, plan, (_, rows) in zip(statements, plans, groups, strict=True):
                parameters_of_rows = plan.tuples(rows, platform_id)
                try:
                    cursor.executemany(sql, parameters_of_rows)
                except connection.dialect.loaded_dbapi.Error as error:
                    raise sa.exc.DBAPIError.instance(
                        sql,
                        parameters_of_rows,
                        error,
                        connection.dialect.loaded_dbapi.Error,
                        dialect=connection.dialect,
                    ) from error
        finally:
            cursor.close()


def _build_insert(
    dialect: sa.Dialect, groups: Sequence[tuple[sa.Table, tuple[str, ...]]]
) -> _Built:
    """The statements of :func:`insert_rows` for these tables and columns (PostgreSQL: one,
    inserting from ``unnest``; elsewhere one per group, with positional parameters) and
    how each group's rows become parameters."""
    prepare = dialect.identifier_preparer
    parts = []
    plans = []
    for g, (table, given) in enumerate(groups):
        stamp = "platform_id" in table.c
        columns = tuple(name for name in given if name != "platform_id")
        every = (*columns, "platform_id") if stamp else columns
        plans.append(
            _Group(
                columns,
                tuple(_processor(table.c[name], dialect) for name in columns),
                stamp,
            )
        )
        quoted = ", ".join(prepare.quote(name) for name in every)
        into = f"INSERT INTO {prepare.format_table(table)} ({quoted}) "
        if dialect.name == "postgresql":
            arrays = ", ".join(
                f"%(p{g}_{name})b::{table.c[name].type.compile(dialect=dialect)}[]"
                for name in every
            )
            parts.append(f"{into}SELECT * FROM unnest({arrays})")
        else:
            parts.append(f"{into}VALUES ({', '.join('?' for _ in every)})")
    if dialect.name != "postgresql":
        return parts, plans
    ctes = ", ".join(f"write_{index} AS ({part})" for index, part in enumerate(parts[:-1]))
    return [(f"WITH {ctes} " if ctes else "") + parts[-1]], plans


def _processor(column: sa.Column[Any], dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a value of ``column`` before the driver gets it (the type
    as the dialect loads it: a type decorator's own step, then its implementation's)."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def swap(connection: sa.Connection, table: sa.Table, *where: Any, **values: Any) -> bool:
    """Compare-and-swap: set ``values`` on the row of the connection's platform that
    matches ``where``; whether it did (another writer may have changed it first)."""
    statement = sa.update(table).where(*where, owned(connection, table)).values(**values)
    return connection.execute(statement).rowcount == 1


def update(
    connection: sa.Connection,
    table: sa.Table,
    object_id: str,
    values: Mapping[str, Any],
    *,
    expect_status: Sequence[str] | None = None,
) -> bool:
    """Update one row; with ``expect_status``, only if its status is one of them."""
    statement = sa.update(table).where(table.c.id == object_id, owned(connection, table))
    if expect_status is not None:
        statement = statement.where(table.c.status.in_(list(expect_status)))
    values = dict(values)
    if "updated_at" in table.c:
        values.setdefault("updated_at", now_micros())
    return connection.execute(statement.values(**values)).rowcount == 1


def page(
    connection: sa.Connection,
    table: sa.Table,
    *,
    filters: Mapping[str, Any] | None = None,
    conditions: Sequence[sa.ColumnElement[bool]] = (),
    starting_after: str | None = None,
    limit: int = 10,
) -> tuple[list[Row], bool]:
    """Newest first by id; ``starting_after`` is the last id of the previous page."""
    statement = sa.select(table).where(owned(connection, table), *conditions)
    for column, value in (filters or {}).items():
        statement = statement.where(table.c[column] == value)
    if starting_after is not None:
        statement = statement.where(table.c.id < starting_after)
    statement = statement.order_by(table.c.id.desc()).limit(limit + 1)
    rows: list[Row] = [dict(row) for row in connection.execute(statement).mappings()]
    return rows[:limit], len(rows) > limit


# -- wallets --------------------------------------------------------------------------


def wallet_by_customer_currency(
    connection: sa.Connection, customer_id: str, currency: str
) -> Row | None:
    return first_row(
        connection,
        sa.select(T.wallets).where(
            T.wallets.c.customer_id == customer_id,
            T.wallets.c.currency == currency,
            owned(connection, T.wallets),
        ),
    )


def wallet_by_bank_reference(connection: sa.Connection, reference: str) -> Row | None:
    return first_row(
        connection,
        sa.select(T.wallets).where(
            T.wallets.c.bank_reference == reference, owned(connection, T.wallets)
        ),
    )


def insert_wallet_if_absent(connection: sa.Connection, values: Mapping[str, Any]) -> None:
    """Insert a platform wallet unless a row with its (deterministic) id exists."""
    if get(connection, T.wallets, values["id"]) is None:
        connection.execute(sa.insert(T.wallets).values(**stamped(connection, values)))


# -- cache epoch --------------------------------------------------------------------------

_EPOCH = sa.select(T.cache_epochs.c.epoch).where(T.cache_epochs.c.name == "rows")


def cache_epoch(connection: sa.Connection) -> int:
    return int(connection.execute(_EPOCH).scalar() or 0)


def bump_cache_epoch(connection: sa.Connection) -> None:
    """Tell every process to drop its cached wallet and customer rows (in the caller's
    transaction, with the change itself)."""
    table = T.cache_epochs
    connection.execute(
        sa.update(table).where(table.c.name == "rows").values(epoch=table.c.epoch + 1)
    )


# -- sums for KYC limits ----------------------------------------------------------------


def monthly_payin_total(
    connection: sa.Connection, wallet_ids: Sequence[str], currency: str, since: int
) -> int:
    total = connection.execute(
        sa.select(sa.func.count(), sa.func.sum(T.payins.c.amount_received)).where(
            T.payins.c.wallet_id.in_(list(wallet_ids)),
            T.payins.c.currency == currency,
            T.payins.c.created_at >= since,
            owned(connection, T.payins),
        )
    ).one()[1]
    # Uncaptured authorizations count too: they will arrive unless released.
    held = connection.execute(
        sa.select(sa.func.sum(T.payins.c.amount)).where(
            T.payins.c.wallet_id.in_(list(wallet_ids)),
            T.payins.c.currency == currency,
            T.payins.c.created_at >= since,
            T.payins.c.status.in_(["requires_action", "processing", "requires_capture"]),
            owned(connection, T.payins),
        )
    ).scalar()
    return int(total or 0) + int(held or 0)


def monthly_payout_total(
    connection: sa.Connection, wallet_ids: Sequence[str], currency: str, since: int
) -> int:
    total = connection.execute(
        sa.select(sa.func.sum(T.payouts.c.amount)).where(
            T.payouts.c.wallet_id.in_(list(wallet_ids)),
            T.payouts.c.currency == currency,
            T.payouts.c.created_at >= since,
            T.payouts.c.status.in_(["pending", "created", "processing", "paid"]),
            owned(connection, T.payouts),
        )
    ).scalar()
    return int(total or 0)


def customer_wallet_ids(connection: sa.Connection, customer_id: str) -> list[str]:
    return list(
        connection.execute(
            sa.select(T.wallets.c.id).where(
                T.wallets.c.customer_id == customer_id, owned(connection, T.wallets)
            )
        ).scalars()
    )


def refunds_of(connection: sa.Connection, target_type: str, target_id: str) -> list[Row]:
    rows = connection.execute(
        sa.select(T.refunds)
        .where(
            T.refunds.c.target_type == target_type,
            T.refunds.c.target_id == target_id,
            owned(connection, T.refunds),
        )
        .order_by(T.refunds.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def payins_to_expire(connection: sa.Connection, authorized_before: int, limit: int) -> list[str]:
    return list(
        connection.execute(
            sa.select(T.payins.c.id)
            .where(
                T.payins.c.status == "requires_capture",
                T.payins.c.authorized_at < authorized_before,
                owned(connection, T.payins),
            )
            .limit(limit)
        ).scalars()
    )


def payouts_in_status(
    connection: sa.Connection, status: str, limit: int, ids: Sequence[str] | None = None
) -> list[Row]:
    statement = sa.select(T.payouts).where(
        T.payouts.c.status == status, owned(connection, T.payouts)
    )
    if ids is not None:
        statement = statement.where(T.payouts.c.id.in_(list(ids)))
    rows = connection.execute(statement.order_by(T.payouts.c.id).limit(limit)).mappings()
    return [dict(row) for row in rows]


def ids_in_status(connection: sa.Connection, table: sa.Table, status: str, limit: int) -> list[str]:
    statement = (
        sa.select(table.c.id).where(table.c.status == status, owned(connection, table)).limit(limit)
    )
    return list(connection.execute(statement).scalars())


def stuck(connection: sa.Connection, table: sa.Table, before: int, limit: int) -> list[str]:
    """Ids of rows left ``pending`` (a crash between the ledger write and the state change)."""
    return list(
        connection.execute(
            sa.select(table.c.id)
            .where(
                table.c.status == "pending",
                table.c.created_at < before,
                owned(connection, table),
            )
            .limit(limit)
        ).scalars()
    )
