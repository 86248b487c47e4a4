"""All SQL of platforms (SQLAlchemy Core)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coffer.db.rows import first_where, insert_row, oldest_first
from coffer.platforms.tables import platforms


@dataclass(frozen=True, slots=True)
class PlatformRow:
    id: str
    name: str
    mode: str  # sandbox | live
    created_at: int  # microseconds since the epoch

    @property
    def live(self) -> bool:
        return self.mode == "live"


def _row(m: sa.RowMapping) -> PlatformRow:
    return PlatformRow(str(m["id"]), str(m["name"]), str(m["mode"]), int(m["created_at"]))


def insert(connection: sa.Connection, row: PlatformRow) -> None:
    insert_row(connection, platforms, row)


def get(connection: sa.Connection, platform_id: str) -> PlatformRow | None:
    found = first_where(connection, platforms, platforms.c.id == platform_id)
    return None if found is None else _row(found)


def by_name(connection: sa.Connection, name: str) -> PlatformRow | None:
    found = first_where(connection, platforms, platforms.c.name == name)
    return None if found is None else _row(found)


def all_(connection: sa.Connection, *, limit: int = 10_000) -> list[PlatformRow]:
    return [_row(row) for row in oldest_first(connection, platforms, limit=limit)]
