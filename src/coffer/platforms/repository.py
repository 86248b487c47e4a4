"""All SQL of platforms (SQLAlchemy Core)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

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


def _row(row: sa.Row[tuple[object, ...]]) -> PlatformRow:
    m = row._mapping
    return PlatformRow(str(m["id"]), str(m["name"]), str(m["mode"]), int(m["created_at"]))


def insert(connection: sa.Connection, row: PlatformRow) -> None:
    connection.execute(
        platforms.insert().values(
            id=row.id, name=row.name, mode=row.mode, created_at=row.created_at
        )
    )


def get(connection: sa.Connection, platform_id: str) -> PlatformRow | None:
    found = connection.execute(sa.select(platforms).where(platforms.c.id == platform_id)).first()
    return None if found is None else _row(found)


def by_name(connection: sa.Connection, name: str) -> PlatformRow | None:
    found = connection.execute(sa.select(platforms).where(platforms.c.name == name)).first()
    return None if found is None else _row(found)


def all_(connection: sa.Connection, *, limit: int = 10_000) -> list[PlatformRow]:
    rows = connection.execute(
        sa.select(platforms).order_by(platforms.c.created_at, platforms.c.id).limit(limit)
    )
    return [_row(row) for row in rows]
