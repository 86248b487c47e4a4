"""The console's view of platforms (through ``coffer.platforms``' service)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coffer.errors import PlatformNotFound
from coffer.platforms.service import resolve_platform


def platform_row(engine: sa.Engine, id_or_name: str) -> tuple[str, str, str] | None:
    """(id, name, mode) of a platform by id or name, or None."""
    try:
        row = resolve_platform(engine, id_or_name)
    except PlatformNotFound:
        return None
    return row.id, row.name, row.mode


def postings_after(
    engine: sa.Engine, ledger_id: int, after_tx: int, *, limit: int
) -> list[tuple[int, int, str, int]]:
    """(tx_id, timestamp, asset, amount) of up to ``limit`` postings of transactions after
    ``after_tx``, in transaction order (the postings' primary key order)."""
    from coffer.ledger.tables import postings

    statement = (
        sa.select(postings.c.tx_id, postings.c.timestamp, postings.c.asset, postings.c.amount)
        .where(postings.c.ledger_id == ledger_id, postings.c.tx_id > after_tx)
        .order_by(postings.c.tx_id, postings.c.idx)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [(int(a), int(b), str(c), int(d)) for a, b, c, d in connection.execute(statement)]


def last_checkpoint(engine: sa.Engine, ledger_id: int) -> tuple[int, int] | None:
    """(tree size, created_at microseconds) of the ledger's newest checkpoint."""
    from coffer.ledger.tables import checkpoints

    statement = (
        sa.select(checkpoints.c.tree_size, checkpoints.c.created_at)
        .where(checkpoints.c.ledger_id == ledger_id)
        .order_by(checkpoints.c.tree_size.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(statement).first()
    return None if row is None else (int(row[0]), int(row[1]))


def quotes_page(
    engine: sa.Engine, *, limit: int, starting_after: str | None
) -> tuple[list[dict[str, Any]], bool]:
    """FX quote rows of ``engine``'s platform (the fx domain's scoped engine), newest
    first by id (the primary key: no count, no sort)."""
    from coffer.fx.tables import quotes
    from coffer.wallets.repository import owned

    statement = sa.select(quotes).order_by(quotes.c.id.desc()).limit(limit + 1)
    with engine.connect() as connection:
        statement = statement.where(owned(connection, quotes))
        if starting_after is not None:
            statement = statement.where(quotes.c.id < starting_after)
        rows = [dict(row) for row in connection.execute(statement).mappings()]
    return rows[:limit], len(rows) > limit
