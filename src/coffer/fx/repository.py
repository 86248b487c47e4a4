"""All SQL of the fx domain (SQLAlchemy Core). Functions take a connection and never
commit: the caller's unit of work does. Rows a platform owns (customer tiers, quotes,
conversions, loyalty, pricing) are filtered by the connection's platform as in the wallets
repository (:func:`coffer.wallets.repository.owned`); rates are shared. Pricing rows of the
default platform are every platform's fallback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from coffer.errors import ResourceNotFound
from coffer.fx import tables as T
from coffer.platforms import DEFAULT_PLATFORM_ID

# rows in general, and ids: the same as the wallets domain's
from coffer.wallets.repository.rows import first_row, owned, platform_of
from coffer.wallets.repository.rows import get as get
from coffer.wallets.repository.rows import insert as insert
from coffer.wallets.repository.rows import new_id as new_id

Row = Mapping[str, Any]


def existing(connection: sa.Connection, table: sa.Table, object_id: str, what: str) -> Row:
    """The row ``object_id`` of ``table`` (a ``what``), or 404."""
    row = get(connection, table, object_id)
    if row is None:
        raise ResourceNotFound(f"no {what} {object_id}", id=object_id)
    return row


def update(connection: sa.Connection, table: sa.Table, object_id: str, **values: Any) -> int:
    result = connection.execute(
        sa.update(table).where(table.c.id == object_id, owned(connection, table)).values(**values)
    )
    return int(result.rowcount)


# -- rates ------------------------------------------------------------------------------


def latest_rate(
    connection: sa.Connection, source: str, base: str, quote: str, at: int
) -> Row | None:
    r = T.rates.c
    return first_row(
        connection,
        sa.select(T.rates)
        .where(r.source == source, r.base == base, r.quote == quote, r.as_of <= at)
        .order_by(r.as_of.desc(), r.created_at.desc())
        .limit(1),
    )


def list_rates(
    connection: sa.Connection, *, base: str | None, quote: str | None, limit: int
) -> list[Row]:
    r = T.rates.c
    statement = sa.select(T.rates).order_by(r.as_of.desc(), r.created_at.desc()).limit(limit)
    if base is not None:
        statement = statement.where(r.base == base)
    if quote is not None:
        statement = statement.where(r.quote == quote)
    return [dict(row) for row in connection.execute(statement).mappings()]


# -- pricing and tiers ------------------------------------------------------------------


def pricing_rows(
    connection: sa.Connection, pairs: Sequence[str], tiers: Sequence[str]
) -> list[Row]:
    """The pricing rows of these pairs and tiers of the connection's platform and of the
    default platform (the fallback), each with its ``platform_id``."""
    p = T.pricing.c
    statement = sa.select(T.pricing).where(
        p.pair.in_(list(pairs)),
        p.tier.in_(list(tiers)),
        p.platform_id.in_({platform_of(connection), DEFAULT_PLATFORM_ID}),
    )
    return [dict(row) for row in connection.execute(statement).mappings()]


def all_pricing(connection: sa.Connection) -> list[Row]:
    """The connection's platform's own pricing rows."""
    statement = (
        sa.select(T.pricing)
        .where(owned(connection, T.pricing))
        .order_by(T.pricing.c.pair, T.pricing.c.tier)
    )
    return [dict(row) for row in connection.execute(statement).mappings()]


def set_pricing(connection: sa.Connection, values: Mapping[str, Any]) -> None:
    p = T.pricing.c
    connection.execute(
        sa.delete(T.pricing).where(
            p.pair == values["pair"], p.tier == values["tier"], owned(connection, T.pricing)
        )
    )
    insert(connection, T.pricing, values)


def customer_tier(connection: sa.Connection, customer_id: str) -> str | None:
    c = T.customer_tiers.c
    row = first_row(
        connection,
        sa.select(T.customer_tiers).where(
            c.customer_id == customer_id, owned(connection, T.customer_tiers)
        ),
    )
    return str(row["tier"]) if row else None


def set_customer_tier(connection: sa.Connection, customer_id: str, tier: str, now: int) -> None:
    c = T.customer_tiers.c
    connection.execute(
        sa.delete(T.customer_tiers).where(
            c.customer_id == customer_id, owned(connection, T.customer_tiers)
        )
    )
    insert(
        connection, T.customer_tiers, {"customer_id": customer_id, "tier": tier, "updated_at": now}
    )


# -- quotes and conversions -------------------------------------------------------------


def mark_quote_used(connection: sa.Connection, quote_id: str, now: int) -> None:
    q = T.quotes.c
    connection.execute(
        sa.update(T.quotes)
        .where(q.id == quote_id, owned(connection, T.quotes))
        .values(status="used", used_at=now)
    )


def conversion_by(connection: sa.Connection, column: str, value: str) -> Row | None:
    return first_row(
        connection,
        sa.select(T.conversions).where(
            T.conversions.c[column] == value, owned(connection, T.conversions)
        ),
    )


def list_conversions(
    connection: sa.Connection,
    *,
    wallet_id: str | None,
    limit: int,
    starting_after: str | None,
) -> tuple[list[Row], bool]:
    c = T.conversions.c
    statement = (
        sa.select(T.conversions)
        .where(owned(connection, T.conversions))
        .order_by(c.id.desc())
        .limit(limit + 1)
    )
    if wallet_id is not None:
        statement = statement.where(
            sa.or_(c.from_wallet_id == wallet_id, c.to_wallet_id == wallet_id)
        )
    if starting_after is not None:
        statement = statement.where(c.id < starting_after)
    rows: list[Row] = [dict(row) for row in connection.execute(statement).mappings()]
    return rows[:limit], len(rows) > limit
