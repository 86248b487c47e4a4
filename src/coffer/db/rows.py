"""Small helpers for repositories that keep their rows as frozen dataclasses whose fields
are the table's columns (SQLAlchemy Core)."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa


def row_values(row: Any) -> dict[str, Any]:
    """The fields of the dataclass ``row``, by name: the values of its table's columns."""
    return {field.name: getattr(row, field.name) for field in dataclasses.fields(row)}


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
