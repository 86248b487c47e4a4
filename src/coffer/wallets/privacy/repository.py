"""All SQL of personal-data management (SQLAlchemy Core): data keys, consents, erasure,
retention, the upgrade of rows written before data keys, and the master key's rotation.
Functions take a connection and never commit."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from coffer.platforms.sealed import SealedColumn, WalletData
from coffer.wallets import tables as W
from coffer.wallets.privacy.format import PREFIX
from coffer.wallets.privacy.tables import consents, customer_keys
from coffer.wallets.repository.rows import owned

Row = dict[str, Any]


def now_micros() -> int:
    return time.time_ns() // 1000


# -- overwriting what is deleted (SQLite) ---------------------------------------------------


@contextlib.contextmanager
def overwriting(connection: sa.Connection) -> Iterator[None]:
    """On SQLite, the content that statements in this block delete or replace is
    overwritten with zeros (``secure_delete``), not left in free space of the file."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA secure_delete = OFF")


def checkpoint(engine: sa.Engine) -> None:
    """On SQLite, copy the write-ahead log into the database file and empty it, so that
    the page versions it held (with data since replaced) are gone too. Best effort: a
    reader still using old pages keeps them until it ends (the next checkpoint takes them)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# -- data keys ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyRow:
    customer_id: str
    wrapped_key: str | None
    erased_at: int | None


def _key_row(row: Any) -> KeyRow:
    return KeyRow(row.customer_id, row.wrapped_key, row.erased_at)


_KEY_COLUMNS = (customer_keys.c.customer_id, customer_keys.c.wrapped_key, customer_keys.c.erased_at)


def key_row(connection: sa.Connection, customer_id: str) -> KeyRow | None:
    row = connection.execute(
        sa.select(*_KEY_COLUMNS).where(customer_keys.c.customer_id == customer_id)
    ).first()
    return None if row is None else _key_row(row)


def key_rows(connection: sa.Connection, customer_ids: Sequence[str]) -> dict[str, KeyRow]:
    if not customer_ids:
        return {}
    rows = connection.execute(
        sa.select(*_KEY_COLUMNS).where(customer_keys.c.customer_id.in_(list(customer_ids)))
    )
    return {row.customer_id: _key_row(row) for row in rows}


def insert_key(
    connection: sa.Connection,
    *,
    customer_id: str,
    platform_id: str,
    wrapped_key: str | None,
    created_at: int,
    erased_at: int | None = None,
) -> None:
    connection.execute(
        customer_keys.insert().values(
            customer_id=customer_id,
            platform_id=platform_id,
            wrapped_key=wrapped_key,
            created_at=created_at,
            erased_at=erased_at,
        )
    )


def destroy_key(connection: sa.Connection, customer_id: str, now: int) -> bool:
    """Forget the wrapped key; False when it was already gone."""
    result = connection.execute(
        customer_keys.update()
        .where(customer_keys.c.customer_id == customer_id, customer_keys.c.erased_at.is_(None))
        .values(wrapped_key=None, erased_at=now)
    )
    return result.rowcount == 1


def wrapped_keys_after(connection: sa.Connection, after: str, limit: int) -> list[tuple[str, str]]:
    """(customer id, wrapped key) of live keys, by customer id, a page after ``after``."""
    rows = connection.execute(
        sa.select(customer_keys.c.customer_id, customer_keys.c.wrapped_key)
        .where(customer_keys.c.customer_id > after, customer_keys.c.wrapped_key.is_not(None))
        .order_by(customer_keys.c.customer_id)
        .limit(limit)
    )
    return [(row.customer_id, row.wrapped_key) for row in rows]


def rewrap_key(connection: sa.Connection, customer_id: str, old: str, new: str) -> bool:
    """Replace a wrapped key, compare-and-swap (an erasure in between wins)."""
    result = connection.execute(
        customer_keys.update()
        .where(customer_keys.c.customer_id == customer_id, customer_keys.c.wrapped_key == old)
        .values(wrapped_key=new)
    )
    return result.rowcount == 1


# -- customers and their personal rows -------------------------------------------------------


def mark_customer_erased(connection: sa.Connection, customer_id: str, now: int) -> None:
    """The customer row as erased: metadata emptied, the personal columns left sealed by a
    key that no longer exists."""
    connection.execute(
        W.customers.update()
        .where(W.customers.c.id == customer_id)
        .values(erased_at=now, metadata="{}", updated_at=now)
    )


def customer_rows(table: sa.Table, connection: sa.Connection, customer_id: str) -> list[Row]:
    """A customer's rows of ``table`` (KYC documents, bank accounts, wallets), by id."""
    statement = sa.select(table).where(table.c.customer_id == customer_id).order_by(table.c.id)
    return [dict(row) for row in connection.execute(statement).mappings()]


kyc_document_rows = functools.partial(customer_rows, W.kyc_documents)
bank_account_rows = functools.partial(customer_rows, W.bank_accounts)
wallet_rows = functools.partial(customer_rows, W.wallets)


def payouts_in_flight(connection: sa.Connection, wallet_ids: Sequence[str]) -> int:
    """Payouts of these wallets the bank has not settled yet."""
    if not wallet_ids:
        return 0
    statement = (
        sa.select(sa.func.count())
        .select_from(W.payouts)
        .where(
            W.payouts.c.wallet_id.in_(list(wallet_ids)),
            W.payouts.c.status.in_(["pending", "created", "processing"]),
        )
    )
    return int(connection.execute(statement).scalar_one())


def payins_in_flight(
    connection: sa.Connection, wallet_ids: Sequence[str], statuses: Sequence[str]
) -> int:
    """Pay-ins of these wallets in one of ``statuses`` (not final yet)."""
    if not wallet_ids:
        return 0
    statement = (
        sa.select(sa.func.count())
        .select_from(W.payins)
        .where(W.payins.c.wallet_id.in_(list(wallet_ids)), W.payins.c.status.in_(list(statuses)))
    )
    return int(connection.execute(statement).scalar_one())


def update_row(connection: sa.Connection, table: sa.Table, object_id: str, values: Row) -> None:
    connection.execute(table.update().where(table.c.id == object_id).values(**values))


# the creations whose Idempotency-Key records hash a request holding personal data
PERSONAL_CREATIONS = ("customer", "kyc_document", "bank_account")


def forget_idempotency_records(connection: sa.Connection, resource_ids: Sequence[str]) -> int:
    """Delete the Idempotency-Key records of the creation of these resources (their request
    hashes are hashes of personal data)."""
    if not resource_ids:
        return 0
    keys = W.idempotency_keys.c
    result = connection.execute(
        W.idempotency_keys.delete().where(
            keys.resource_id.in_(list(resource_ids)), keys.resource_type.in_(PERSONAL_CREATIONS)
        )
    )
    return int(result.rowcount)


# -- the upgrade of rows written before data keys -----------------------------------------


def _legacy(column: sa.Column[Any]) -> sa.ColumnElement[bool]:
    """A value not sealed by a customer's data key (written before data keys existed)."""
    return sa.and_(column.is_not(None), ~column.startswith(PREFIX))


def customers_to_upgrade(connection: sa.Connection, after: str, limit: int) -> list[str]:
    """Ids of customers (not erased) holding a value written before data keys (sealed by
    the master key, or metadata in clear), by id, a page after ``after``."""
    documents = W.kyc_documents.c
    banks = W.bank_accounts.c
    customers = W.customers.c
    statement = (
        sa.select(customers.id)
        .where(
            customers.id > after,
            customers.erased_at.is_(None),
            sa.or_(
                _legacy(customers.name_enc),
                customers.metadata != "{}",
                sa.exists().where(
                    documents.customer_id == customers.id, _legacy(documents.name_enc)
                ),
                sa.exists().where(
                    banks.customer_id == customers.id,
                    sa.or_(_legacy(banks.holder_name_enc), _legacy(banks.iban_enc)),
                ),
            ),
        )
        .order_by(customers.id)
        .limit(limit)
    )
    return [str(value) for value in connection.execute(statement).scalars()]


def lock_customer(connection: sa.Connection, customer_id: str) -> Row | None:
    statement = sa.select(W.customers).where(
        W.customers.c.id == customer_id, owned(connection, W.customers)
    )
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = connection.execute(statement).mappings().first()
    return None if row is None else dict(row)


# -- values sealed by the master key directly ----------------------------------------------
# Which columns: the registry of every domain's (coffer.platforms.sealed.registered()); the
# wallets' own are registered in coffer.wallets.tables.
MasterColumn = SealedColumn


def master_values_after(
    connection: sa.Connection, column: MasterColumn, after: str, limit: int
) -> list[tuple[str, str]]:
    key = column.table.c[column.key_column]
    value = column.table.c[column.column]
    rows = connection.execute(
        sa.select(key, value).where(key > after, value.is_not(None)).order_by(key).limit(limit)
    )
    return [(str(row[0]), str(row[1])) for row in rows]


def replace_master_value(
    connection: sa.Connection, column: MasterColumn, object_key: str, old: str, new: str
) -> bool:
    table = column.table
    result = connection.execute(
        table.update()
        .where(table.c[column.key_column] == object_key, table.c[column.column] == old)
        .values({column.column: new})
    )
    return result.rowcount == 1


def blank_wallet_data(
    connection: sa.Connection, column: WalletData, platform_id: str, wallet_ids: Sequence[str]
) -> int:
    """Set another domain's personal data about ``wallet_ids`` to NULL; how many rows."""
    if not wallet_ids:
        return 0
    table = column.table
    result = connection.execute(
        table.update()
        .where(
            table.c.platform_id == platform_id,
            table.c[column.wallet_column].in_(list(wallet_ids)),
            table.c[column.column].is_not(None),
        )
        .values({column.column: None})
    )
    return int(result.rowcount or 0)


# -- consents ------------------------------------------------------------------------------


def insert_consent(connection: sa.Connection, values: Row) -> None:
    connection.execute(consents.insert().values(**values))


def consent_rows(connection: sa.Connection, platform_id: str, customer_id: str) -> list[Row]:
    """Every consent record of the customer, oldest first."""
    statement = (
        sa.select(consents)
        .where(consents.c.platform_id == platform_id, consents.c.customer_id == customer_id)
        .order_by(consents.c.id)
    )
    return [dict(row) for row in connection.execute(statement).mappings()]


def last_consent_at(connection: sa.Connection, customer_id: str) -> int | None:
    value = connection.execute(
        sa.select(sa.func.max(consents.c.created_at)).where(consents.c.customer_id == customer_id)
    ).scalar_one_or_none()
    return None if value is None else int(value)


# -- retention -----------------------------------------------------------------------------


def customers_ended_before(
    connection: sa.Connection, before: int, after: str, limit: int
) -> list[str]:
    """Ids of customers not erased whose relationship ended before ``before``: every wallet
    closed (last changed before then), or no wallet and created before then; and no consent
    recorded since. A page by id after ``after``."""
    wallets = W.wallets.c
    open_or_recent = sa.exists().where(
        wallets.customer_id == W.customers.c.id,
        sa.or_(wallets.status != "closed", wallets.updated_at >= before),
    )
    recent_consent = sa.exists().where(
        consents.c.customer_id == W.customers.c.id, consents.c.created_at >= before
    )
    has_wallet = sa.exists().where(wallets.customer_id == W.customers.c.id)
    statement = (
        sa.select(W.customers.c.id)
        .where(
            W.customers.c.id > after,
            W.customers.c.erased_at.is_(None),
            ~open_or_recent,
            ~recent_consent,
            sa.or_(has_wallet, W.customers.c.created_at < before),
        )
        .order_by(W.customers.c.id)
        .limit(limit)
    )
    return [str(value) for value in connection.execute(statement).scalars()]


def old_event_ids(connection: sa.Connection, before: int, limit: int) -> list[str]:
    """Dispatched events created before ``before`` with no delivery still to attempt."""
    deliveries = W.webhook_deliveries.c
    pending = sa.exists().where(
        deliveries.event_id == W.events.c.id, deliveries.status == "pending"
    )
    statement = (
        sa.select(W.events.c.id)
        .where(W.events.c.created_at < before, W.events.c.dispatched.is_(True), ~pending)
        .order_by(W.events.c.id)
        .limit(limit)
    )
    return [str(value) for value in connection.execute(statement).scalars()]


def delete_events(connection: sa.Connection, event_ids: Sequence[str]) -> int:
    if not event_ids:
        return 0
    ids = list(event_ids)
    connection.execute(
        W.webhook_deliveries.delete().where(W.webhook_deliveries.c.event_id.in_(ids))
    )
    return int(connection.execute(W.events.delete().where(W.events.c.id.in_(ids))).rowcount)


def old_idempotency_keys(connection: sa.Connection, before: int, limit: int) -> list[str]:
    statement = (
        sa.select(W.idempotency_keys.c.key)
        .where(W.idempotency_keys.c.created_at < before)
        .order_by(W.idempotency_keys.c.key)
        .limit(limit)
    )
    return [str(value) for value in connection.execute(statement).scalars()]


def delete_idempotency_keys(connection: sa.Connection, keys: Sequence[str]) -> int:
    if not keys:
        return 0
    result = connection.execute(
        W.idempotency_keys.delete().where(W.idempotency_keys.c.key.in_(list(keys)))
    )
    return int(result.rowcount)
