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
from coffer.db.reads import all_rows as _all
from coffer.db.reads import first_row as _one
from coffer.db.reads import newest_first

Row = dict[str, Any]
IN_CHUNK = 500  # ids per IN (...) list
# a run's columns once it ended: nothing due, no lease, no wait
ENDED: dict[str, Any] = {
    "next_run_at": None,
    "lease_owner": None,
    "lease_until": None,
    "wait_kind": None,
    "wait_event_type": None,
}


def new_id(prefix: str) -> str:
    """Sortable ids: prefix, 12 hex digits of milliseconds, 12 random hex digits."""
    return f"{prefix}_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def dumps_or_none(value: Any) -> str | None:
    """:func:`dumps`, or None for a None value (a nullable JSON column)."""
    return None if value is None else dumps(value)


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


def page(
    connection: sa.Connection,
    table: sa.Table,
    platform_id: str,
    equal: Mapping[str, Any],
    *where: sa.ColumnElement[bool],
    starting_after: str | None,
    limit: int,
) -> tuple[list[Row], bool]:
    """A page of ``platform_id``'s rows of ``table``, newest first (ids sort by time)
    and after ``starting_after``: those whose columns hold ``equal``'s values (a None value
    filters nothing) and match ``where``. Also: whether more rows follow."""
    statement = sa.select(table).where(owned(table, platform_id), *where)
    return newest_first(
        connection, statement, table, equal, starting_after=starting_after, limit=limit
    )


def insert(connection: sa.Connection, table: sa.Table, values: Mapping[str, Any]) -> None:
    connection.execute(sa.insert(table).values(**values))


def insert_many(
    connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert ``rows`` (the same columns each) in one statement."""
    if rows:
        connection.execute(sa.insert(table), [dict(row) for row in rows])


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


def insert_ignore_many(
    connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
) -> set[Any]:
    """Insert ``rows`` in one statement per batch, skipping those that collide with a
    unique key; the primary keys of those that went in."""
    if not rows:
        return set()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    key = next(iter(table.primary_key.columns))
    statement = dialect.insert(table).on_conflict_do_nothing().returning(key)
    result = connection.execute(statement, [dict(row) for row in rows])
    return {row[0] for row in result}


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


def automations_by_ids(connection: sa.Connection, automation_ids: Sequence[str]) -> dict[str, Row]:
    table = T.automations
    found: dict[str, Row] = {}
    for start in range(0, len(automation_ids), IN_CHUNK):
        chunk = list(automation_ids[start : start + IN_CHUNK])
        for row in _all(connection, sa.select(table).where(table.c.id.in_(chunk))):
            found[row["id"]] = row
    return found


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


def advance_schedules(
    connection: sa.Connection, moves: Sequence[tuple[str, int, int | None, int]]
) -> set[str]:
    """Move many schedules' next occurrences on at once; ``moves`` are (automation id,
    expected next_fire_at, new next_fire_at, last fired). Only the schedules still at the
    expected occurrence move (read under the write lock on SQLite, ``FOR UPDATE`` on
    PostgreSQL: no other worker moves them meanwhile); the ids of those that moved."""
    if not moves:
        return set()
    table = T.automations
    current = sa.select(table.c.id, table.c.next_fire_at).where(
        table.c.id.in_([move[0] for move in moves])
    )
    if connection.dialect.name == "postgresql":
        current = current.order_by(table.c.id).with_for_update()
    found = {row[0]: row[1] for row in connection.execute(current)}
    mine = [move for move in moves if move[1] is not None and found.get(move[0]) == move[1]]
    if mine:
        connection.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"))
            .values(next_fire_at=sa.bindparam("b_next"), last_fire_at=sa.bindparam("b_last")),
            [
                {"b_id": automation_id, "b_next": following, "b_last": fired}
                for automation_id, _, following, fired in mine
            ],
        )
    return {move[0] for move in mine}


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


def party_to(customer_id: str | None) -> tuple[sa.ColumnElement[bool], ...]:
    """The condition "runs ``customer_id`` is a party to" (none for None), for :func:`page`."""
    if customer_id is None:
        return ()
    parties = T.automation_run_parties
    return (
        T.automation_runs.c.id.in_(
            sa.select(parties.c.run_id).where(parties.c.customer_id == customer_id)
        ),
    )


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


def runs_leased_to(connection: sa.Connection, run_ids: Sequence[str], owner: str) -> set[str]:
    """Which of ``run_ids`` ``owner`` still holds (locked until the transaction ends on
    PostgreSQL; SQLite's write transaction holds the lock already)."""
    table = T.automation_runs
    held: set[str] = set()
    for start in range(0, len(run_ids), IN_CHUNK):
        statement = sa.select(table.c.id).where(
            table.c.id.in_(list(run_ids[start : start + IN_CHUNK])), table.c.lease_owner == owner
        )
        if connection.dialect.name == "postgresql":
            statement = statement.order_by(table.c.id).with_for_update()
        held.update(row[0] for row in connection.execute(statement))
    return held


def update_runs(
    connection: sa.Connection, changes: Sequence[tuple[str, str, Mapping[str, Any]]]
) -> None:
    """Change many runs (run id, lease owner, values: the same columns for all) in one
    statement, each only while that owner holds its lease."""
    if not changes:
        return
    table = T.automation_runs
    names = list(changes[0][2])
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"), table.c.lease_owner == sa.bindparam("b_owner"))
        .values({name: sa.bindparam("b_" + name) for name in names})
    )
    connection.execute(
        statement,
        [
            {"b_id": run_id, "b_owner": owner, **{"b_" + name: values[name] for name in names}}
            for run_id, owner, values in changes
        ],
    )


def waits_for_events(connection: sa.Connection) -> bool:
    """Whether a run waits for an event (of any type)."""
    table = T.automation_runs
    statement = sa.select(table.c.id).where(
        table.c.status == "waiting", table.c.wait_kind == "event"
    )
    return connection.execute(statement.limit(1)).first() is not None


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


def steps_of_runs(connection: sa.Connection, run_ids: Sequence[str]) -> dict[str, list[Row]]:
    """The step histories of many runs (each in order; an empty list for a run without)."""
    table = T.automation_steps
    found: dict[str, list[Row]] = {run_id: [] for run_id in run_ids}
    for start in range(0, len(run_ids), IN_CHUNK):
        chunk = list(run_ids[start : start + IN_CHUNK])
        statement = sa.select(table).where(table.c.run_id.in_(chunk)).order_by(table.c.position)
        for row in _all(connection, statement):
            found[row["run_id"]].append(row)
    return found


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


def newest_event_id(connection: sa.Connection) -> str:
    """The id of the outbox's newest event ("" when it is empty)."""
    from coffer.wallets import tables as W

    return str(connection.execute(sa.select(sa.func.max(W.events.c.id))).scalar() or "")


def event_platforms(connection: sa.Connection, event_ids: Sequence[str]) -> dict[str, str]:
    """The platform of each of these outbox events (the wallets' events table)."""
    from coffer.wallets import tables as W

    if not event_ids:
        return {}
    rows = connection.execute(
        sa.select(W.events.c.id, W.events.c.platform_id).where(W.events.c.id.in_(list(event_ids)))
    )
    return {str(row.id): str(row.platform_id) for row in rows}
