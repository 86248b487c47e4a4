"""The console's own SQL: the caller's platform (name and mode), read from the
platforms table when it exists (``coffer.platforms``), and the existence of a platform."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.platforms import DEFAULT_PLATFORM_ID

_platforms = sa.table("platforms", sa.column("id"), sa.column("name"), sa.column("mode"))


def platform_row(engine: sa.Engine, id_or_name: str) -> tuple[str, str, str] | None:
    """(id, name, mode) of a platform by id or name; for a database without a platforms
    table, the default platform (sandbox) and nothing else."""
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.select(_platforms.c.id, _platforms.c.name, _platforms.c.mode).where(
                    sa.or_(_platforms.c.id == id_or_name, _platforms.c.name == id_or_name)
                )
            ).first()
    except sa.exc.DBAPIError:  # no platforms table in this database
        if id_or_name in (DEFAULT_PLATFORM_ID, "default"):
            return DEFAULT_PLATFORM_ID, "default", "sandbox"
        return None
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))
