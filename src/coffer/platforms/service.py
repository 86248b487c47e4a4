"""Platforms (tenants): create, list, find by id or name.

A platform is ``sandbox`` (test money: the sandbox bank, 3-D Secure test page and test
cards exist) or ``live`` (real money: they answer 404, and card pay-ins need a real
gateway). Every creation is written to the audit log in the same transaction.
"""

from __future__ import annotations

import re
import secrets
import time

import sqlalchemy as sa

from coffer.db.engine import for_writes
from coffer.db.rows import found_or_raise
from coffer.errors import Conflict, PlatformNotFound, ValidationError
from coffer.identity.audit import record
from coffer.platforms import repository as R
from coffer.platforms.repository import PlatformRow

MODES = ("sandbox", "live")
MAX_PLATFORMS_LISTED = 10_000
_NAME = re.compile(r"^[0-9A-Za-z][0-9A-Za-z _.-]{0,99}$")


def create_platform(
    engine: sa.Engine,
    name: str,
    mode: str = "sandbox",
    *,
    actor: str = "system",
    address: str | None = None,
) -> PlatformRow:
    """A new platform (id ``plat_`` and 16 hex digits); Conflict when the name is taken."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError(
            "a platform name is 1 to 100 letters, digits, spaces, '.', '_' or '-',"
            " starting with a letter or digit"
        )
    if mode not in MODES:
        raise ValidationError(f"unknown platform mode {mode!r}: use sandbox or live")
    row = PlatformRow("plat_" + secrets.token_hex(8), name, mode, time.time_ns() // 1000)
    with engine.connect() as connection:
        for_writes(connection)
        with connection.begin():
            if R.by_name(connection, name) is not None:
                raise Conflict(f"a platform called {name!r} exists already: pick another name")
            R.insert(connection, row)
            record(
                connection,
                actor=actor,
                action="platform.created",
                target=row.id,
                address=address,
                details={"name": name, "mode": mode},
            )
    return row


def list_platforms(engine: sa.Engine) -> list[PlatformRow]:
    with engine.connect() as connection:
        return R.all_(connection, limit=MAX_PLATFORMS_LISTED)


def get_platform(engine: sa.Engine, platform_id: str) -> PlatformRow:
    return found_or_raise(
        engine,
        lambda connection: R.get(connection, platform_id),
        PlatformNotFound(f"no platform {platform_id!r}: see `coffer platforms list`"),
    )


def resolve_platform(engine: sa.Engine, id_or_name: str) -> PlatformRow:
    """The platform with this id, or else this name."""
    return found_or_raise(
        engine,
        lambda connection: R.get(connection, id_or_name) or R.by_name(connection, id_or_name),
        PlatformNotFound(
            f"no platform with id or name {id_or_name!r}: see `coffer platforms list`"
        ),
    )
