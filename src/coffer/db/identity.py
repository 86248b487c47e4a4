"""The database's identity: the random id stored in it (see :mod:`coffer.db.tables`)."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db.tables import database_identity
from coffer.errors import ConfigurationError

__all__ = ["database_id"]


def database_id(engine: sa.Engine) -> str:
    """The id of the database ``engine`` opens (made by migration 0041)."""
    with engine.connect() as connection:
        value = connection.execute(
            sa.select(database_identity.c.database_id).where(database_identity.c.id == 1)
        ).scalar_one_or_none()
    if value is None:
        raise ConfigurationError(
            "the database has no identity row: open it once with this Coffer to migrate it"
        )
    return str(value)
