"""Whether a platform is a sandbox (test money, local development) or live.

:func:`platform_mode` reads the ``platforms`` table (column ``mode``: ``sandbox`` or
``live``; or a boolean ``livemode``) when the database has one. A database without it has a single platform,
:data:`~coffer.platforms.DEFAULT_PLATFORM_ID`, which is a sandbox; any other platform id is
then unknown and taken as live, the stricter mode.
"""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa

from coffer.platforms import DEFAULT_PLATFORM_ID

Mode = Literal["sandbox", "live"]


def platform_mode(engine: sa.Engine, platform_id: str) -> Mode:
    """``"sandbox"`` or ``"live"``: see the module docstring."""
    fallback: Mode = "sandbox" if platform_id == DEFAULT_PLATFORM_ID else "live"
    inspector = sa.inspect(engine)
    if not inspector.has_table("platforms"):
        return fallback
    columns = {column["name"] for column in inspector.get_columns("platforms")}
    if "mode" in columns:
        platforms = sa.table("platforms", sa.column("id"), sa.column("mode"))
        wanted = platforms.c.mode
    elif "livemode" in columns:
        platforms = sa.table("platforms", sa.column("id"), sa.column("livemode"))
        wanted = platforms.c.livemode
    else:
        return fallback
    with engine.connect() as connection:
        value = connection.execute(
            sa.select(wanted).where(platforms.c.id == platform_id)
        ).scalar_one_or_none()
    if value is None:
        return fallback
    if isinstance(value, str):
        return "sandbox" if value == "sandbox" else "live"
    return "live" if value else "sandbox"
