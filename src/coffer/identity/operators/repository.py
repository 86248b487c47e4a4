"""All SQL of operators (SQLAlchemy Core). Every read by id is scoped to a platform here."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coffer.db.rows import insert_row, row_of
from coffer.identity.operators.tables import operators


@dataclass(frozen=True, slots=True)
class OperatorRow:
    id: str
    platform_id: str
    email: str
    role: str
    password_hash: str
    status: str
    created_at: int
    last_sign_in_at: int | None


def _row(row: sa.Row[tuple[object, ...]]) -> OperatorRow:
    return row_of(OperatorRow, row._mapping)


def insert(connection: sa.Connection, row: OperatorRow) -> None:
    insert_row(connection, operators, row)


def by_email(connection: sa.Connection, email: str) -> OperatorRow | None:
    """Sign-in looks an operator up by email across platforms (emails are unique)."""
    row = connection.execute(sa.select(operators).where(operators.c.email == email)).first()
    return None if row is None else _row(row)


def by_id(connection: sa.Connection, platform_id: str, operator_id: str) -> OperatorRow | None:
    row = connection.execute(
        sa.select(operators).where(
            operators.c.platform_id == platform_id, operators.c.id == operator_id
        )
    ).first()
    return None if row is None else _row(row)


def listing(connection: sa.Connection, platform_id: str, *, limit: int) -> list[OperatorRow]:
    statement = (
        sa.select(operators)
        .where(operators.c.platform_id == platform_id)
        .order_by(operators.c.id)
        .limit(limit)
    )
    return [_row(row) for row in connection.execute(statement)]


def ids_of_platform(connection: sa.Connection, platform_id: str, *, limit: int) -> list[str]:
    statement = sa.select(operators.c.id).where(operators.c.platform_id == platform_id).limit(limit)
    return [str(value) for value in connection.execute(statement).scalars()]


def count(connection: sa.Connection) -> int:
    return int(connection.execute(sa.select(sa.func.count()).select_from(operators)).scalar_one())


def update(connection: sa.Connection, platform_id: str, operator_id: str, **values: object) -> bool:
    result = connection.execute(
        operators.update()
        .where(operators.c.platform_id == platform_id, operators.c.id == operator_id)
        .values(**values)
    )
    return result.rowcount == 1
