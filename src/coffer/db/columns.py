"""Column factories for the conventions every domain's tables share.

Ids are ``String(40)`` (a prefixed random id), currencies ISO 4217 codes, amounts exact
integers in minor units (:class:`~coffer.db.types.Amount`), times microseconds since the
epoch (UTC) as ``BigInteger``, metadata a JSON object kept as text. A table module declares
its own columns with these, so that one convention has one definition, and
:func:`model_from_row` reads a row back into an API model by the same conventions.
"""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel

from coffer.db.types import Amount
from coffer.ledger.models import from_micros
from coffer.platforms.tables import platform_column


def id_column() -> sa.Column[str]:
    """The ``id`` primary key of a table whose rows have a generated id."""
    return sa.Column("id", sa.String(40), primary_key=True)


def name_key(length: int) -> sa.Column[str]:
    """``name``, the primary key of a table with one row per named thing (a task, a
    cursor, a secret, a state)."""
    return sa.Column("name", sa.String(length), primary_key=True)


def ref_column(
    name: str,
    *foreign_key: sa.ForeignKey,
    nullable: bool = False,
    unique: bool | None = None,
    primary_key: bool = False,
) -> sa.Column[str]:
    """A column holding the id of another row (``customer_id``, ``wallet_id``...), part of
    the table's key when ``primary_key``."""
    return sa.Column(
        name,
        sa.String(40),
        *foreign_key,
        primary_key=primary_key,
        nullable=nullable,
        unique=unique,
    )


def currency_column(name: str = "currency") -> sa.Column[str]:
    """A currency's ISO 4217 code."""
    return sa.Column(name, sa.String(3), nullable=False)


def amount_column(name: str = "amount", *, nullable: bool = False) -> sa.Column[int]:
    """An amount in minor units, exact."""
    return sa.Column(name, Amount, nullable=nullable)


def money_columns(amount: str = "amount") -> list[sa.Column[Any]]:
    """An amount in minor units (column ``amount``) and the currency it is in."""
    return [amount_column(amount), currency_column()]


def time_column(name: str, *, nullable: bool = False) -> sa.Column[int]:
    """A time, in microseconds since the epoch (UTC)."""
    return sa.Column(name, sa.BigInteger, nullable=nullable)


def created_at_column() -> sa.Column[int]:
    """When the row was written."""
    return time_column("created_at")


def time_columns(*names: str, nullable: bool = False) -> list[sa.Column[int]]:
    """Several times, one column each."""
    return [time_column(name, nullable=nullable) for name in names]


def timestamps() -> list[sa.Column[int]]:
    """``created_at`` and ``updated_at``: when the row was written and last changed."""
    return [created_at_column(), time_column("updated_at")]


def code_column(name: str, length: int = 16, *, nullable: bool = False) -> sa.Column[str]:
    """A short code out of a fixed set (a kind, a type, a mode, an outcome...)."""
    return sa.Column(name, sa.String(length), nullable=nullable)


def status_column(length: int = 16) -> sa.Column[str]:
    """The ``status`` of a row that moves through states."""
    return sa.Column("status", sa.String(length), nullable=False)


def failure_code_column() -> sa.Column[str]:
    """Why a movement failed (an error code), when it did."""
    return sa.Column("failure_code", sa.String(64), nullable=True)


def ledger_tx_column(name: str = "ledger_tx_id") -> sa.Column[int]:
    """The id of the ledger transaction (or hold) that moved the money, once posted."""
    return sa.Column(name, sa.BigInteger, nullable=True)


def metadata_column() -> sa.Column[str]:
    """The caller's free-form metadata, a JSON object as text."""
    return sa.Column("metadata", sa.Text, nullable=False)


def text_column(name: str, *, nullable: bool = False) -> sa.Column[str]:
    """Free text, or a JSON document or sealed value kept as text."""
    return sa.Column(name, sa.Text, nullable=nullable)


def lease_columns() -> list[sa.Column[Any]]:
    """Which worker holds the row (``lease_owner``) and until when (``lease_until``)."""
    return [
        sa.Column("lease_owner", sa.String(40), nullable=True),
        time_column("lease_until", nullable=True),
    ]


def versions_key(owner_id: str) -> list[sa.Column[Any]]:
    """The key of a table of versions: the versioned row's id and the version number, then
    the platform both belong to."""
    return [
        ref_column(owner_id, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        ref_column("platform_id"),
    ]


def versions_table(
    name: str, metadata: sa.MetaData, owner_id: str, *items: sa.schema.SchemaItem
) -> sa.Table:
    """A table of the versions of a row (one row per version, never changed): its key
    (:func:`versions_key`), ``items``, then ``created_at``."""
    return sa.Table(name, metadata, *versions_key(owner_id), *items, created_at_column())


def platform_index(table: str, column: str = "id") -> sa.Index:
    """The index ``ix_<table>_platform`` that lists a platform's rows in ``column`` order
    (the order of the table's cursor pages)."""
    return sa.Index(f"ix_{table}_platform", "platform_id", column)


def customer_key() -> list[sa.Column[str]]:
    """``platform_id``, then ``customer_id`` as the (first) key column: a table of what
    each customer of a platform has."""
    return [platform_column(), ref_column("customer_id", primary_key=True)]


def owned_table(name: str, metadata: sa.MetaData, *items: sa.schema.SchemaItem) -> sa.Table:
    """A table whose rows a platform owns, each with a generated id: ``platform_id``
    (:func:`~coffer.platforms.tables.platform_column`), ``id``, then ``items``."""
    return sa.Table(name, metadata, platform_column(), id_column(), *items)


ModelT = TypeVar("ModelT", bound=BaseModel)


def _kind(annotation: Any) -> str:
    """How a column's value becomes the field's: "time" (microseconds to a datetime),
    "json" (text to the list or object it encodes) or "" (as it is)."""
    if annotation is datetime:
        return "time"
    origin = typing.get_origin(annotation)
    if origin in (list, dict):
        return "json"
    if origin in (typing.Union, types.UnionType):
        kinds = {_kind(arg) for arg in typing.get_args(annotation)} - {""}
        return kinds.pop() if len(kinds) == 1 else ""
    return ""


@functools.cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    return tuple((name, _kind(field.annotation)) for name, field in model.model_fields.items())


def model_from_row(
    model: type[ModelT],
    row: Mapping[str, Any],
    columns: Mapping[str, str] | None = None,
    **values: Any,
) -> ModelT:
    """``model`` from a row whose columns carry its fields' names (``columns`` maps the
    fields named otherwise to their column): a time field's column is microseconds since
    the epoch, a list or object field's is JSON text, NULL stays None. ``values`` are
    fields given as they are (computed, or not in the row); a field that is neither in
    the row nor in ``values`` keeps its default."""
    data: dict[str, Any] = {}
    for name, kind in _plan(model):
        if name in values:
            continue
        column = columns.get(name, name) if columns else name
        if column not in row:
            continue
        value = row[column]
        if value is not None and kind:
            value = from_micros(int(value)) if kind == "time" else json.loads(value)
        data[name] = value
    return model(**data, **values)
