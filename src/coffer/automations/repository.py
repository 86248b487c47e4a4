"""All SQL of the automations domain (SQLAlchemy Core).

Reads on behalf of a caller are filtered by platform in one place, :func:`owned`; the
worker's queries (due schedules, due runs, waiting runs) span platforms, and every row they
touch carries its platform on.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from coffer.automations import tables as T
from coffer.db.engine import for_writes

Row = dict[str, Any]


def new_id(prefix: str) -> str:
    """Sortable ids: prefix, 12 hex digits of milliseconds, 12 random hex digits."""
    return f"{prefix}_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@contextmanager
def unit(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One write transaction (on SQLite it takes the write lock at BEGIN)."""
    with engine.connect() as connection:
        for_writes(connection)
        with connection.begin():
            yield connection


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as connection:
        yield connection


def owned(table: sa.Table, platform_id: str) -> sa.ColumnElement[bool]:
    """The one tenancy filter of the domain: rows of ``platform_id``."""
    return table.c.platform_id == platform_id


def _one(connection: sa.Connection, statement: sa.Select[Any]) -> Row | None:
    row = connection.execute(statement).mappings().first()
    return None if row is None else dict(row)


def _all(connection: sa.Connection, statement: sa.Select[Any]) -> list[Row]:
    return [dict(row) for row in connection.execute(statement).mappings()]


def insert(connection: sa.Connection, table: sa.Table, values: Mapping[str, Any]) -> None:
    connection.execute(sa.insert(table).values(**values))


def insert_ignore(
    connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Insert ``rows``, skipping those that collide with a unique key; how many went in."""
    if not rows:
        return 0
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    key = next(iter(table.primary_key.columns))
    statement = dialect.insert(table).on_conflict_do_nothing().returning(key)
    inserted = 0
    for row in rows:  # per row: RETURNING tells which ones went in
        if connection.execute(statement, dict(row)).first() is not None:
            inserted += 1
    return inserted


# -- automations ----------------------------------------------------------------------------


def automation(
    connection: sa.Connection, platform_id: str | None, automation_id: str, *, lock: bool = False
) -> Row | None:
    statement = sa.select(T.automations).where(T.automations.c.id == automation_id)
    if platform_id is not None:
        statement = statement.where(owned(T.automations, platform_id))
    if lock and connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return _one(connection, statement)


def automations_page(
    connection: sa.Connection,
    platform_id: str,
    *,
    status: str | None,
    owner_customer_id: str | None,
    starting_after: str | None,
    limit: int,
) -> tuple[list[Row], bool]:
    table = T.automations
    statement = sa.select(table).where(owned(table, platform_id))
    if status is not None:
        statement = statement.where(table.c.status == status)
    if owner_customer_id is not None:
        statement = statement.where(table.c.owner_customer_id == owner_customer_id)
    if starting_after is not None:
        statement = statement.where(table.c.id < starting_after)
    rows = _all(connection, statement.order_by(table.c.id.desc()).limit(limit + 1))
    return rows[:limit], len(rows) > limit


def update_automation(
    connection: sa.Connection, automation_id: str, values: Mapping[str, Any]
) -> int:
    statement = sa.update(T.automations).where(T.automations.c.id == automation_id)
    return connection.execute(statement.values(**values)).rowcount or 0


def version(connection: sa.Connection, automation_id: str, number: int) -> Row | None:
    table = T.automation_versions
    return _one(
        connection,
        sa.select(table).where(table.c.automation_id == automation_id, table.c.version == number),
    )


def versions(connection: sa.Connection, automation_id: str) -> list[Row]:
    table = T.automation_versions
    return _all(
        connection,
        sa.select(table).where(table.c.automation_id == automation_id).order_by(table.c.version),
    )


def due_schedules(connection: sa.Connection, now: int, limit: int) -> list[Row]:
    """Active schedule automations whose next occurrence is due (any platform)."""
    table = T.automations
    statement = (
        sa.select(table)
        .where(
            table.c.trigger_type == "schedule",
            table.c.status == "active",
            table.c.next_fire_at <= now,
        )
        .order_by(table.c.next_fire_at)
        .limit(limit)
    )
    return _all(connection, statement)


def any_due_schedule(connection: sa.Connection, now: int) -> bool:
    """Whether some schedule is due (a read: idle rounds take no write lock)."""
    table = T.automations
    statement = (
        sa.select(table.c.id)
        .where(
            table.c.trigger_type == "schedule",
            table.c.status == "active",
            table.c.next_fire_at <= now,
        )
        .limit(1)
    )
    return connection.execute(statement).first() is not None


def any_due_run(connection: sa.Connection, now: int) -> bool:
    table = T.automation_runs
    statement = (
        sa.select(table.c.id)
        .where(
            table.c.status.in_(("pending", "running", "waiting")),
            table.c.next_run_at <= now,
            sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now),
        )
        .limit(1)
    )
    return connection.execute(statement).first() is not None


def cursor_position(connection: sa.Connection, name: str) -> str:
    table = T.automation_cursors
    row = connection.execute(sa.select(table.c.position).where(table.c.name == name)).first()
    return "" if row is None else str(row[0])


def advance_schedule(
    connection: sa.Connection,
    automation_id: str,
    expected: int,
    next_fire_at: int | None,
    fired: int | None,
) -> bool:
    """Move a schedule's next occurrence on, if no other worker did (compare-and-set)."""
    table = T.automations
    values: dict[str, Any] = {"next_fire_at": next_fire_at}
    if fired is not None:
        values["last_fire_at"] = fired
    statement = (
        sa.update(table)
        .where(table.c.id == automation_id, table.c.next_fire_at == expected)
        .values(**values)
    )
    return (connection.execute(statement).rowcount or 0) == 1


def event_automations(connection: sa.Connection) -> list[Row]:
    table = T.automations
    return _all(
        connection,
        sa.select(table).where(table.c.trigger_type == "event", table.c.status == "active"),
    )


# -- runs -----------------------------------------------------------------------------------


def run(connection: sa.Connection, platform_id: str | None, run_id: str) -> Row | None:
    statement = sa.select(T.automation_runs).where(T.automation_runs.c.id == run_id)
    if platform_id is not None:
        statement = statement.where(owned(T.automation_runs, platform_id))
    return _one(connection, statement)


def runs_by_ids(connection: sa.Connection, run_ids: Sequence[str]) -> list[Row]:
    if not run_ids:
        return []
    table = T.automation_runs
    return _all(connection, sa.select(table).where(table.c.id.in_(list(run_ids))))


def runs_page(
    connection: sa.Connection,
    platform_id: str,
    *,
    automation_id: str | None,
    status: str | None,
    customer_id: str | None,
    starting_after: str | None,
    limit: int,
) -> tuple[list[Row], bool]:
    table = T.automation_runs
    statement = sa.select(table).where(owned(table, platform_id))
    if automation_id is not None:
        statement = statement.where(table.c.automation_id == automation_id)
    if status is not None:
        statement = statement.where(table.c.status == status)
    if customer_id is not None:
        parties = T.automation_run_parties
        statement = statement.where(
            table.c.id.in_(sa.select(parties.c.run_id).where(parties.c.customer_id == customer_id))
        )
    if starting_after is not None:
        statement = statement.where(table.c.id < starting_after)
    rows = _all(connection, statement.order_by(table.c.id.desc()).limit(limit + 1))
    return rows[:limit], len(rows) > limit


def claim_runs(
    connection: sa.Connection, now: int, owner: str, lease_until: int, limit: int
) -> list[Row]:
    """Lease up to ``limit`` due runs to ``owner``: pending ones, waiting ones whose
    deadline came, and running ones whose worker's lease ran out (it died). A run leased
    elsewhere is left alone."""
    table = T.automation_runs
    free = sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now)
    due = sa.and_(
        table.c.status.in_(("pending", "running", "waiting")),
        table.c.next_run_at <= now,
        free,
    )
    candidates = sa.select(table.c.id).where(due).order_by(table.c.next_run_at).limit(limit)
    if connection.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = [row[0] for row in connection.execute(candidates)]
    if not ids:
        return []
    connection.execute(
        sa.update(table)
        .where(table.c.id.in_(ids), due)
        .values(
            lease_owner=owner,
            lease_until=lease_until,
            status="running",
            started_at=sa.func.coalesce(table.c.started_at, now),
            updated_at=now,
        )
    )
    return _all(
        connection,
        sa.select(table).where(
            table.c.id.in_(ids), table.c.lease_owner == owner, table.c.lease_until == lease_until
        ),
    )


def update_run(
    connection: sa.Connection,
    run_id: str,
    values: Mapping[str, Any],
    *,
    owner: str | None = None,
    status_in: Sequence[str] | None = None,
) -> bool:
    """Change a run; with ``owner`` only while that worker holds its lease, with
    ``status_in`` only from those states. True if the row changed."""
    table = T.automation_runs
    statement = sa.update(table).where(table.c.id == run_id)
    if owner is not None:
        statement = statement.where(table.c.lease_owner == owner)
    if status_in is not None:
        statement = statement.where(table.c.status.in_(list(status_in)))
    return (connection.execute(statement.values(**values)).rowcount or 0) == 1


def waiting_runs(connection: sa.Connection, event_types: Sequence[str]) -> list[Row]:
    table = T.automation_runs
    return _all(
        connection,
        sa.select(table).where(
            table.c.status == "waiting",
            table.c.wait_kind == "event",
            table.c.wait_event_type.in_(list(event_types)),
        ),
    )


def run_counts(connection: sa.Connection, automation_id: str) -> dict[str, int]:
    table = T.automation_runs
    rows = connection.execute(
        sa.select(table.c.status, sa.func.count())
        .where(table.c.automation_id == automation_id)
        .group_by(table.c.status)
    )
    return {status: int(count) for status, count in rows}


# -- steps ----------------------------------------------------------------------------------


def steps_of(connection: sa.Connection, run_id: str) -> list[Row]:
    table = T.automation_steps
    return _all(
        connection, sa.select(table).where(table.c.run_id == run_id).order_by(table.c.position)
    )


def step(connection: sa.Connection, run_id: str, step_key: str) -> Row | None:
    table = T.automation_steps
    return _one(
        connection, sa.select(table).where(table.c.run_id == run_id, table.c.step_key == step_key)
    )


def update_step(
    connection: sa.Connection,
    run_id: str,
    step_key: str,
    values: Mapping[str, Any],
    *,
    status_in: Sequence[str] | None = None,
) -> bool:
    table = T.automation_steps
    statement = sa.update(table).where(table.c.run_id == run_id, table.c.step_key == step_key)
    if status_in is not None:
        statement = statement.where(table.c.status.in_(list(status_in)))
    return (connection.execute(statement.values(**values)).rowcount or 0) == 1


# -- approvals ------------------------------------------------------------------------------


def approval(connection: sa.Connection, platform_id: str, approval_id: str) -> Row | None:
    table = T.automation_approvals
    return _one(
        connection,
        sa.select(table).where(table.c.id == approval_id, owned(table, platform_id)),
    )


def approvals_page(
    connection: sa.Connection,
    platform_id: str,
    *,
    status: str | None,
    run_id: str | None,
    starting_after: str | None,
    limit: int,
) -> tuple[list[Row], bool]:
    table = T.automation_approvals
    statement = sa.select(table).where(owned(table, platform_id))
    if status is not None:
        statement = statement.where(table.c.status == status)
    if run_id is not None:
        statement = statement.where(table.c.run_id == run_id)
    if starting_after is not None:
        statement = statement.where(table.c.id < starting_after)
    rows = _all(connection, statement.order_by(table.c.id.desc()).limit(limit + 1))
    return rows[:limit], len(rows) > limit


def update_approval(
    connection: sa.Connection, approval_id: str, values: Mapping[str, Any], *, updated_at: int
) -> bool:
    """Change a pending approval, if it is still as read (compare-and-set on updated_at)."""
    table = T.automation_approvals
    statement = (
        sa.update(table)
        .where(table.c.id == approval_id, table.c.updated_at == updated_at)
        .values(**values)
    )
    return (connection.execute(statement).rowcount or 0) == 1


def parties_of(connection: sa.Connection, run_id: str) -> list[str]:
    table = T.automation_run_parties
    rows = connection.execute(
        sa.select(table.c.customer_id).where(table.c.run_id == run_id).order_by(table.c.customer_id)
    )
    return [row[0] for row in rows]


# -- the event cursor -----------------------------------------------------------------------


def claim_cursor(
    connection: sa.Connection, name: str, owner: str, now: int, lease_until: int
) -> str | None:
    """Lease the cursor ``name`` to ``owner`` (one reader of the outbox at a time); its
    position, or None when another worker holds it."""
    table = T.automation_cursors
    insert_ignore(
        connection,
        table,
        [
            {
                "name": name,
                "position": "",
                "lease_owner": None,
                "lease_until": None,
                "updated_at": now,
            }
        ],
    )
    changed = connection.execute(
        sa.update(table)
        .where(
            table.c.name == name,
            sa.or_(
                table.c.lease_until.is_(None),
                table.c.lease_until < now,
                table.c.lease_owner == owner,
            ),
        )
        .values(lease_owner=owner, lease_until=lease_until)
    ).rowcount
    if not changed:
        return None
    row = _one(connection, sa.select(table).where(table.c.name == name))
    assert row is not None
    return str(row["position"])


def move_cursor(connection: sa.Connection, name: str, owner: str, position: str, now: int) -> bool:
    table = T.automation_cursors
    statement = (
        sa.update(table)
        .where(table.c.name == name, table.c.lease_owner == owner)
        .values(position=position, updated_at=now)
    )
    return (connection.execute(statement).rowcount or 0) == 1


def event_platforms(connection: sa.Connection, event_ids: Sequence[str]) -> dict[str, str]:
    """The platform of each of these outbox events (the wallets' events table)."""
    from coffer.wallets import tables as W

    if not event_ids:
        return {}
    rows = connection.execute(
        sa.select(W.events.c.id, W.events.c.platform_id).where(W.events.c.id.in_(list(event_ids)))
    )
    return {str(row.id): str(row.platform_id) for row in rows}
