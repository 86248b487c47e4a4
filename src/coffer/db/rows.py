"""Small helpers for repositories that keep their rows as frozen dataclasses whose fields
are the table's columns (SQLAlchemy Core)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RowT = TypeVar("RowT", bound="DataclassInstance")
FoundT = TypeVar("FoundT")


def row_values(row: Any) -> dict[str, Any]:
    """The fields of the dataclass ``row``, by name: the values of its table's columns."""
    return {field.name: getattr(row, field.name) for field in dataclasses.fields(row)}


def row_of(cls: type[RowT], mapping: Mapping[Any, Any]) -> RowT:
    """The dataclass ``cls`` made of the columns of ``mapping`` named like its fields (a
    ``bytes`` field gets bytes whatever the driver returns, e.g. a memoryview)."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        value = mapping[field.name]
        if value is not None and field.type in ("bytes", bytes):
            value = bytes(value)
        values[field.name] = value
    return cls(**values)


def insert_row(connection: sa.Connection, table: sa.Table, row: Any) -> None:
    """Insert the dataclass ``row`` into ``table`` (one column per field)."""
    connection.execute(table.insert().values(row_values(row)))


def first_where(
    connection: sa.Connection, table: sa.Table, *where: sa.ColumnElement[bool]
) -> sa.RowMapping | None:
    """The first row of ``table`` that matches ``where``, or None."""
    row = connection.execute(sa.select(table).where(*where)).first()
    return None if row is None else row._mapping


def oldest_first(connection: sa.Connection, table: sa.Table, *, limit: int) -> list[sa.RowMapping]:
    """Up to ``limit`` rows of ``table`` in creation order (``created_at``, then ``id``)."""
    statement = sa.select(table).order_by(table.c.created_at, table.c.id).limit(limit)
    return [row._mapping for row in connection.execute(statement)]


def found_or_raise(
    engine: sa.Engine, read: Callable[[sa.Connection], FoundT | None], missing: Exception
) -> FoundT:
    """What ``read`` finds on a connection of ``engine``; ``missing`` is raised when it
    finds nothing (None)."""
    with engine.connect() as connection:
        found = read(connection)
    if found is None:
        raise missing
    return found
