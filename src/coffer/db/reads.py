"""Reads that repositories keeping their rows as plain dicts share (SQLAlchemy Core): the
first row or every row a statement selects, and a page of a table's rows, newest first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa


def first_row(connection: sa.Connection, statement: sa.Select[Any]) -> dict[str, Any] | None:
    """The first row ``statement`` selects, as a dict, or None."""
    row = connection.execute(statement).mappings().first()
    return None if row is None else dict(row)


def all_rows(connection: sa.Connection, statement: sa.Select[Any]) -> list[dict[str, Any]]:
    """Every row ``statement`` selects, as dicts."""
    return [dict(row) for row in connection.execute(statement).mappings()]


def newest_first(
    connection: sa.Connection,
    statement: sa.Select[Any],
    table: sa.Table,
    equal: Mapping[str, Any],
    *,
    starting_after: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of the rows of ``table`` that ``statement`` selects, newest first (ids sort
    by time) and after ``starting_after``: those whose columns hold ``equal``'s values (a
    None value filters nothing). Also: whether more rows follow."""
    for name, value in equal.items():
        if value is not None:
            statement = statement.where(table.c[name] == value)
    if starting_after is not None:
        statement = statement.where(table.c.id < starting_after)
    rows = all_rows(connection, statement.order_by(table.c.id.desc()).limit(limit + 1))
    return rows[:limit], len(rows) > limit
