"""Whether a platform is a sandbox (test money, local development) or live.

:func:`platform_mode` reads the ``platforms`` table (column ``mode``: ``sandbox`` or
``live``) when the database has one. A database without it has a single platform,
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
    if not sa.inspect(engine).has_table("platforms"):
        return "sandbox" if platform_id == DEFAULT_PLATFORM_ID else "live"
    platforms = sa.table("platforms", sa.column("id"), sa.column("mode"))
    with engine.connect() as connection:
        mode = connection.execute(
            sa.select(platforms.c.mode).where(platforms.c.id == platform_id)
        ).scalar_one_or_none()
    if mode is None:
        return "sandbox" if platform_id == DEFAULT_PLATFORM_ID else "live"
    return "sandbox" if str(mode) == "sandbox" else "live"
