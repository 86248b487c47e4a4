"""The wallets domain's SQL for idempotency keys, the outbox and webhook deliveries."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from coffer.wallets import tables as T
from coffer.wallets.repository.rows import (
    Row,
    new_id,
    now_micros,
    owned,
    platform_of,
    stamped,
    swap,
)

# -- idempotency ------------------------------------------------------------------------


_IDEMPOTENCY_RECORD = sa.select(T.idempotency_keys).where(
    T.idempotency_keys.c.platform_id == sa.bindparam("platform"),
    T.idempotency_keys.c.key == sa.bindparam("key"),
)


def idempotency_record(connection: sa.Connection, key: str) -> Row | None:
    parameters = {"platform": platform_of(connection), "key": key}
    row = connection.execute(_IDEMPOTENCY_RECORD, parameters).mappings().first()
    return dict(row) if row is not None else None


_IDEMPOTENCY_RECORDS = sa.select(T.idempotency_keys).where(
    T.idempotency_keys.c.platform_id == sa.bindparam("platform"),
    T.idempotency_keys.c.key.in_(sa.bindparam("keys", expanding=True)),
)
_IDEMPOTENCY_RECORDS_PG = sa.select(T.idempotency_keys).where(
    T.idempotency_keys.c.platform_id == sa.bindparam("platform"),
    T.idempotency_keys.c.key == sa.func.any(sa.bindparam("keys", type_=ARRAY(sa.Text))),
)


def idempotency_records(connection: sa.Connection, keys: Sequence[str]) -> dict[str, Row]:
    """The idempotency records of ``keys`` that exist, by key (one query; on PostgreSQL
    its text is the same for any number of keys, so its plan is reused)."""
    if not keys:
        return {}
    if len(keys) == 1:
        record = idempotency_record(connection, keys[0])
        return {} if record is None else {keys[0]: record}
    postgresql = connection.dialect.name == "postgresql"
    statement = _IDEMPOTENCY_RECORDS_PG if postgresql else _IDEMPOTENCY_RECORDS
    parameters = {"platform": platform_of(connection), "keys": list(keys)}
    rows = connection.execute(statement, parameters).mappings()
    return {row["key"]: dict(row) for row in rows}


def insert_idempotency_record(
    connection: sa.Connection, key: str, request_hash: str, resource_type: str, resource_id: str
) -> None:
    connection.execute(
        sa.insert(T.idempotency_keys).values(
            platform_id=platform_of(connection),
            key=key,
            request_hash=request_hash,
            resource_type=resource_type,
            resource_id=resource_id,
            created_at=now_micros(),
        )
    )


def claim_idempotency_key(
    connection: sa.Connection, key: str, request_hash: str, operation: str, resource_id: str
) -> None:
    """Record that an action request with ``key`` started (no response yet)."""
    insert_idempotency_record(connection, key, request_hash, operation[:32], resource_id[:40])


def retake_idempotency_key(connection: sa.Connection, key: str, claimed_at: int) -> bool:
    """Take over a claim left without a response (its request crashed), compare-and-swap."""
    c = T.idempotency_keys.c
    unanswered = (c.key == key, c.created_at == claimed_at, c.response_status.is_(None))
    return swap(connection, T.idempotency_keys, *unanswered, created_at=now_micros())


def store_idempotent_response(
    connection: sa.Connection, key: str, status: int, response_enc: str
) -> None:
    connection.execute(
        sa.update(T.idempotency_keys)
        .where(T.idempotency_keys.c.key == key, owned(connection, T.idempotency_keys))
        .values(response_status=status, response_enc=response_enc)
    )


def release_idempotency_key(connection: sa.Connection, key: str) -> None:
    """Forget a claim whose request failed before doing anything (a retry may run)."""
    connection.execute(
        sa.delete(T.idempotency_keys).where(
            T.idempotency_keys.c.key == key,
            owned(connection, T.idempotency_keys),
            T.idempotency_keys.c.response_status.is_(None),
        )
    )


# -- outbox and webhooks -------------------------------------------------------------


_EVENT_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=str)


def event_text(data: Mapping[str, Any]) -> str:
    """An event's data as the outbox stores it (compact JSON, keys sorted; the encoder is
    made once, not per event)."""
    return _EVENT_ENCODER.encode(data)


def event_values(event_type: str, data: Mapping[str, Any] | str) -> dict[str, Any]:
    """A new outbox row; ``data`` as a mapping, or already as :func:`event_text`."""
    return {
        "id": new_id("evt"),
        "type": event_type,
        "data": data if isinstance(data, str) else event_text(data),
        "dispatched": False,
        "created_at": now_micros(),
    }


def idempotency_values(
    key: str, request_hash: str, resource_type: str, resource_id: str
) -> dict[str, Any]:
    return {
        "key": key,
        "request_hash": request_hash,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "created_at": now_micros(),
    }


def insert_event(
    connection: sa.Connection,
    event_type: str,
    data: Mapping[str, Any],
    platform_id: str | None = None,
) -> str:
    """An event in the outbox of ``platform_id`` (by default the connection's platform:
    another domain's connection, without one, names the platform the event is about)."""
    values = stamped(connection, event_values(event_type, data))
    if platform_id is not None:
        values["platform_id"] = platform_id
    connection.execute(sa.insert(T.events).values(**values))
    return str(values["id"])


def undispatched_events(connection: sa.Connection, limit: int) -> list[Row]:
    """The oldest events not yet turned into deliveries (id and type), locked on
    PostgreSQL against another worker (which skips them)."""
    statement = (
        sa.select(T.events.c.id, T.events.c.type)
        .where(T.events.c.dispatched.is_(False), owned(connection, T.events))
        .order_by(T.events.c.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return [dict(row) for row in connection.execute(statement).mappings()]


def mark_dispatched(connection: sa.Connection, event_ids: Sequence[str]) -> None:
    connection.execute(
        sa.update(T.events)
        .where(T.events.c.id.in_(list(event_ids)), owned(connection, T.events))
        .values(dispatched=True)
    )


def mark_oldest_dispatched(connection: sa.Connection, limit: int) -> int:
    """Mark up to ``limit`` of the oldest undispatched events dispatched; how many."""
    oldest = (
        sa.select(T.events.c.id)
        .where(T.events.c.dispatched.is_(False), owned(connection, T.events))
        .order_by(T.events.c.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    result = connection.execute(
        sa.update(T.events)
        .where(T.events.c.id.in_(oldest.scalar_subquery()))
        .values(dispatched=True)
    )
    return int(result.rowcount)


def enabled_endpoints(connection: sa.Connection) -> list[Row]:
    rows = connection.execute(
        sa.select(T.webhook_endpoints).where(
            T.webhook_endpoints.c.enabled.is_(True), owned(connection, T.webhook_endpoints)
        )
    ).mappings()
    return [dict(row) for row in rows]


def due_deliveries(connection: sa.Connection, now: int, limit: int) -> list[Row]:
    statement = (
        sa.select(T.webhook_deliveries)
        .where(
            T.webhook_deliveries.c.status == "pending",
            T.webhook_deliveries.c.next_attempt_at <= now,
            owned(connection, T.webhook_deliveries),
        )
        .order_by(T.webhook_deliveries.c.next_attempt_at)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return [dict(row) for row in connection.execute(statement).mappings()]


def claim_delivery(connection: sa.Connection, delivery_id: str, attempts: int, lease: int) -> bool:
    """Push the next attempt ``lease`` out so no other worker takes it while it is sent."""
    c = T.webhook_deliveries.c
    untaken = (c.id == delivery_id, c.attempts == attempts, c.status == "pending")
    lease_values = {"next_attempt_at": lease, "attempts": attempts + 1, "updated_at": now_micros()}
    return swap(connection, T.webhook_deliveries, *untaken, **lease_values)


def events_page(
    connection: sa.Connection,
    *,
    types: Sequence[str] | None,
    starting_after: str | None,
    limit: int,
) -> tuple[list[Row], bool]:
    statement = sa.select(T.events).where(owned(connection, T.events))
    if types:
        statement = statement.where(T.events.c.type.in_(list(types)))
    if starting_after is not None:
        statement = statement.where(T.events.c.id < starting_after)
    rows: list[Row] = [
        dict(row)
        for row in connection.execute(
            statement.order_by(T.events.c.id.desc()).limit(limit + 1)
        ).mappings()
    ]
    return rows[:limit], len(rows) > limit


def events_after(connection: sa.Connection, after_id: str, limit: int) -> list[Row]:
    """Events with an id above ``after_id``, oldest first (ids sort by creation time)."""
    statement = (
        sa.select(T.events).where(T.events.c.id > after_id).order_by(T.events.c.id).limit(limit)
    )
    return [dict(row) for row in connection.execute(statement).mappings()]


def sha256_hex(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()
