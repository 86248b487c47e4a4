"""Columns and steps the revisions share, frozen.

A revision must build the same schema whatever the application's table modules become, so
this module imports none of them: it changes only in ways that leave every revision's
effect as it was. Ids are ``String(40)``, times microseconds since the epoch as
``BigInteger``, a platform's id is ``platform_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from coffer.db.types import Amount

DEFAULT_PLATFORM = "plat_default"
"""The platform that owned every row of a database made before platforms existed."""


def id_column(length: int = 40) -> sa.Column[str]:
    """The ``id`` primary key of a table whose rows have a generated id."""
    return sa.Column("id", sa.String(length), primary_key=True)


def ref_column(name: str, *args: Any, nullable: bool = False, **kwargs: Any) -> sa.Column[str]:
    """A column holding the id of another row (``customer_id``, ``wallet_id``...)."""
    return sa.Column(name, sa.String(40), *args, nullable=nullable, **kwargs)


def currency_column(name: str = "currency") -> sa.Column[str]:
    """A currency's ISO 4217 code."""
    return sa.Column(name, sa.String(3), nullable=False)


def amount_column(name: str = "amount", *, nullable: bool = False) -> sa.Column[int]:
    """An amount in minor units, exact."""
    return sa.Column(name, Amount, nullable=nullable)


def status_column(length: int = 16) -> sa.Column[str]:
    """The ``status`` of a row that moves through states."""
    return sa.Column("status", sa.String(length), nullable=False)


def failure_code_column() -> sa.Column[str]:
    """Why a movement failed (an error code), when it did."""
    return sa.Column("failure_code", sa.String(64), nullable=True)


def metadata_column() -> sa.Column[str]:
    """The ``metadata`` a client attached: a JSON object kept as text."""
    return sa.Column("metadata", sa.Text, nullable=False)


def platform_column(
    length: int = 40, *, nullable: bool = False, default: bool = False
) -> sa.Column[str]:
    """``platform_id``; with ``default``, rows written without one are the default
    platform's (so existing rows move to it when the column is added)."""
    server_default = DEFAULT_PLATFORM if default else None
    return sa.Column(
        "platform_id", sa.String(length), nullable=nullable, server_default=server_default
    )


def id_and_platform(length: int = 40) -> list[sa.Column[str]]:
    """``id`` and ``platform_id``: the first columns of a table of a platform's rows."""
    return [id_column(), platform_column(length)]


def versions_key(owner_id: str) -> list[sa.Column[Any]]:
    """The key of a table of versions: the versioned row's id and the version number,
    then the platform both belong to."""
    return [
        ref_column(owner_id, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        platform_column(),
    ]


def actor_column(name: str, *, nullable: bool = False) -> sa.Column[str]:
    """Who did something: an operator's or API client's name."""
    return sa.Column(name, sa.String(200), nullable=nullable)


def time_column(name: str, *, nullable: bool = False) -> sa.Column[int]:
    """A time, in microseconds since the epoch (UTC)."""
    return sa.Column(name, sa.BigInteger, nullable=nullable)


def time_columns(*names: str, nullable: bool = False) -> list[sa.Column[int]]:
    """Several times, one column each."""
    return [time_column(name, nullable=nullable) for name in names]


def json_columns(*names: str, nullable: bool = False) -> list[sa.Column[str]]:
    """JSON documents kept as text, one column each."""
    return [sa.Column(name, sa.Text, nullable=nullable) for name in names]


def timestamps() -> list[sa.Column[int]]:
    """``created_at`` and ``updated_at``: when the row was written and last changed."""
    return time_columns("created_at", "updated_at")


def lease_columns() -> list[sa.Column[Any]]:
    """Which worker holds the row (``lease_owner``) and until when (``lease_until``)."""
    return [
        sa.Column("lease_owner", sa.String(40), nullable=True),
        time_column("lease_until", nullable=True),
    ]


def create_framed_table(
    name: str,
    first: Sequence[sa.Column[Any]],
    items: Sequence[sa.Column[Any] | sa.Constraint],
    last: Sequence[sa.Column[Any]],
) -> None:
    """Create a table whose columns are ``first``, the columns among ``items``, then
    ``last``; the constraints among ``items`` follow."""
    columns = [item for item in items if isinstance(item, sa.Column)]
    constraints = [item for item in items if not isinstance(item, sa.Column)]
    op.create_table(name, *first, *columns, *last, *constraints)


def create_listed_table(name: str, *items: sa.Column[Any] | sa.Constraint) -> None:
    """Create a table of a platform's rows that the API lists, newest first: ``id`` and
    ``platform_id``, the columns of ``items``, ``created_at`` and ``updated_at``, then the
    constraints of ``items``; and its listing index (:func:`create_listing_index`)."""
    create_framed_table(name, id_and_platform(), items, timestamps())
    create_listing_index(name)


def create_versions_table(name: str, owner_id: str, *items: sa.Column[Any]) -> None:
    """Create a table of the versions of a row: its key (:func:`versions_key`), the
    columns of ``items``, then ``created_at``."""
    op.create_table(name, *versions_key(owner_id), *items, time_column("created_at"))


def create_and_drop(metadata: sa.MetaData) -> tuple[Callable[[], None], Callable[[], None]]:
    """The ``upgrade`` and ``downgrade`` of a revision that creates the tables of
    ``metadata`` (its frozen copy of them) and drops them."""

    def upgrade() -> None:
        metadata.create_all(op.get_bind())

    def downgrade() -> None:
        metadata.drop_all(op.get_bind())

    return upgrade, downgrade


def where_set(column: str) -> dict[str, Any]:
    """The options of a partial index over the rows where ``column`` is set (rows without a
    value cost the index nothing)."""
    condition = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": condition, "postgresql_where": condition}


def create_listing_index(table: str, name: str | None = None) -> None:
    """The index a platform's list of ``table`` pages by, newest first (``platform_id``,
    ``id``); named ``ix_<table>_platform`` unless ``name``."""
    op.create_index(name or f"ix_{table}_platform", table, ["platform_id", "id"])


def add_unique_ref(table: str, column: str, *, length: int = 255) -> None:
    """Add a nullable reference column, unique where set (index ``ux_<table>_<column>``)."""
    op.add_column(table, sa.Column(column, sa.String(length), nullable=True))
    op.create_index(f"ux_{table}_{column}", table, [column], unique=True, **where_set(column))


def drop_unique_ref(table: str, column: str, *also: str) -> None:
    """Undo :func:`add_unique_ref` (dropping the columns ``also`` in the same batch)."""
    op.drop_index(f"ux_{table}_{column}", table_name=table)
    with op.batch_alter_table(table) as batch:
        for name in (*also, column):
            batch.drop_column(name)


def unique_per_platform(table: str, column: str) -> None:
    """Make ``column``'s unique constraint (unnamed when the table was created) a unique
    index on (``platform_id``, ``column``), named ``ux_<table>_<column>``."""
    if op.get_bind().dialect.name == "sqlite":  # unnamed there: named by reflection
        with op.batch_alter_table(
            table,
            recreate="always",
            naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"},
        ) as batch:
            batch.drop_constraint(f"uq_{table}_{column}", type_="unique")
    else:
        op.drop_constraint(f"{table}_{column}_key", table, type_="unique")
    op.create_index(f"ux_{table}_{column}", table, ["platform_id", column], unique=True)


def rekey_by_platform(
    table: str, columns: Sequence[sa.Column[Any]], key: Sequence[str], *, key_name: str
) -> None:
    """Rebuild ``table`` with a ``platform_id`` first (existing rows: the default
    platform's) and the primary key (``platform_id``, *key*) named ``key_name``."""
    names = ", ".join(column.name for column in columns)
    _copy(
        table,
        f"{table}_by_platform",
        [platform_column(default=True), *columns],
        sa.PrimaryKeyConstraint("platform_id", *key, name=key_name),
        f"INSERT INTO {table}_by_platform (platform_id, {names})"
        f" SELECT '{DEFAULT_PLATFORM}', {names} FROM {table}",
    )


def rekey_single(table: str, columns: Sequence[sa.Column[Any]], key: Sequence[str]) -> None:
    """Undo :func:`rekey_by_platform`: the default platform's rows, keyed by ``key``."""
    names = ", ".join(column.name for column in columns)
    _copy(
        table,
        f"{table}_single",
        list(columns),
        sa.PrimaryKeyConstraint(*key),
        f"INSERT INTO {table}_single ({names}) SELECT {names} FROM {table}"
        f" WHERE platform_id = '{DEFAULT_PLATFORM}'",
    )


def _copy(
    table: str,
    copy: str,
    columns: list[sa.Column[Any]],
    key: sa.PrimaryKeyConstraint,
    insert: str,
) -> None:
    op.create_table(copy, *columns, key)
    op.execute(insert)
    op.drop_table(table)
    op.rename_table(copy, table)
