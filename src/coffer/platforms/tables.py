"""The platforms table, and the ``platform_id`` column every owned row carries."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.platforms import DEFAULT_PLATFORM_ID

metadata = sa.MetaData()

platforms = sa.Table(
    "platforms",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("mode", sa.String(8), nullable=False),  # sandbox | live
    sa.Column("created_at", sa.BigInteger, nullable=False),
)


def platform_column() -> sa.Column[str]:
    """The ``platform_id`` column of a table whose rows a platform owns."""
    return sa.Column(
        "platform_id", sa.String(40), nullable=False, server_default=DEFAULT_PLATFORM_ID
    )
