"""All SQL of the online risk path (SQLAlchemy Core). Every read of a platform's rows goes
through :func:`_owned`, the one place that filters by ``platform_id``. Functions take a
connection and never commit: the caller's unit does."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from coffer.db.reads import all_rows, first_row, newest_first
from coffer.errors import RiskNotFound
from coffer.risk.online import tables as T

Row = dict[str, Any]


def now_micros() -> int:
    return time.time_ns() // 1000


def new_id(prefix: str) -> str:
    """Sortable ids: prefix, 12 hex digits of milliseconds, 12 random hex digits."""
    return f"{prefix}_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=str)


def new_row(prefix: str, platform_id: str, values: Mapping[str, Any]) -> Row:
    """A new row of ``platform_id``: a fresh id starting with ``prefix``, ``values``, and
    now as ``created_at``."""
    return {"id": new_id(prefix), "platform_id": platform_id, **values, "created_at": now_micros()}


def dumps(value: Any) -> str:
    if isinstance(value, list) and not value:
        return "[]"  # most decisions' reasons and rules: no encoder call
    return _ENCODER.encode(value)


def _owned(table: sa.Table, platform_id: str) -> sa.ColumnElement[bool]:
    """The tenancy filter: rows of ``platform_id`` only."""
    return table.c.platform_id == platform_id


def _matching(table: sa.Table, platform_id: str, **equal: Any) -> sa.Select[Any]:
    """The rows of ``platform_id`` in ``table`` whose columns have the values ``equal``."""
    return sa.select(table).where(
        _owned(table, platform_id), *(table.c[column] == value for column, value in equal.items())
    )


def get(connection: sa.Connection, table: sa.Table, platform_id: str, object_id: str) -> Row | None:
    return first_row(connection, _matching(table, platform_id, id=object_id))


def get_or_404(
    connection: sa.Connection, table: sa.Table, platform_id: str, object_id: str, what: str
) -> Row:
    """The row, or RiskNotFound naming ``what`` (another platform's row is not found)."""
    row = get(connection, table, platform_id, object_id)
    if row is None:
        raise RiskNotFound(f"{what} {object_id!r} does not exist")
    return row


def page(
    connection: sa.Connection,
    table: sa.Table,
    platform_id: str,
    *,
    filters: Mapping[str, Any] | None = None,
    conditions: Sequence[sa.ColumnElement[bool]] = (),
    starting_after: str | None = None,
    limit: int = 50,
) -> tuple[list[Row], bool]:
    """Newest first by id; ``starting_after`` is the last id of the previous page."""
    statement = _matching(table, platform_id).where(*conditions)
    return newest_first(
        connection, statement, table, filters or {}, starting_after=starting_after, limit=limit
    )


def insert(connection: sa.Connection, table: sa.Table, values: Mapping[str, Any]) -> None:
    connection.execute(sa.insert(table).values(**values))


def update(
    connection: sa.Connection,
    table: sa.Table,
    platform_id: str,
    object_id: str,
    values: Mapping[str, Any],
    *,
    expect: Mapping[str, Sequence[Any]] | None = None,
) -> bool:
    statement = sa.update(table).where(table.c.id == object_id, _owned(table, platform_id))
    for column, allowed in (expect or {}).items():
        statement = statement.where(table.c[column].in_(list(allowed)))
    return connection.execute(statement.values(**values)).rowcount == 1


# -- rules and lists ------------------------------------------------------------------------


def rule_versions(connection: sa.Connection, platform_id: str, name: str) -> list[Row]:
    return all_rows(
        connection, _matching(T.rules, platform_id, name=name).order_by(T.rules.c.version.desc())
    )


def current_rules(connection: sa.Connection, platform_id: str) -> list[Row]:
    """The newest version of each rule of the platform."""
    newest = (
        sa.select(T.rules.c.name, sa.func.max(T.rules.c.version).label("version"))
        .where(_owned(T.rules, platform_id))
        .group_by(T.rules.c.name)
        .subquery()
    )
    return all_rows(
        connection,
        sa.select(T.rules)
        .join(
            newest,
            sa.and_(T.rules.c.name == newest.c.name, T.rules.c.version == newest.c.version),
        )
        .where(_owned(T.rules, platform_id))
        .order_by(T.rules.c.name),
    )


def list_entries(connection: sa.Connection, platform_id: str) -> list[Row]:
    return all_rows(connection, _matching(T.list_entries, platform_id))


def delete_list_entry(connection: sa.Connection, platform_id: str, entry_id: str) -> bool:
    statement = sa.delete(T.list_entries).where(
        T.list_entries.c.id == entry_id, _owned(T.list_entries, platform_id)
    )
    return connection.execute(statement).rowcount == 1


def find_list_entry(
    connection: sa.Connection, platform_id: str, list_name: str, kind: str, value: str
) -> Row | None:
    return first_row(
        connection, _matching(T.list_entries, platform_id, list=list_name, kind=kind, value=value)
    )


# -- cases, decisions, screening ------------------------------------------------------------


def update_case(
    connection: sa.Connection,
    row: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    expect: Sequence[str] | None = None,
) -> bool:
    """Change the case ``row`` (stamping ``updated_at``), only while its status is one of
    ``expect`` when given; whether it changed."""
    return update(
        connection,
        T.cases,
        row["platform_id"],
        row["id"],
        {**values, "updated_at": now_micros()},
        expect=None if expect is None else {"status": expect},
    )


def case_notes(connection: sa.Connection, platform_id: str, case_id: str) -> list[Row]:
    return all_rows(
        connection,
        _matching(T.case_notes, platform_id, case_id=case_id).order_by(
            T.case_notes.c.created_at, T.case_notes.c.id
        ),
    )


def decisions_of_movements(
    connection: sa.Connection, platform_id: str, movement_ids: Sequence[str]
) -> list[Row]:
    if not movement_ids:
        return []
    return all_rows(
        connection,
        _matching(T.decisions, platform_id)
        .where(T.decisions.c.movement_id.in_(list(movement_ids)))
        .order_by(T.decisions.c.created_at),
    )


def decided_events(
    connection: sa.Connection, movements: Sequence[tuple[str, str, str]]
) -> dict[tuple[str, str, str], str]:
    """The transaction (``event``) each decision of these movements (platform, movement
    type, movement id) scored, in one query; a movement without one is left out."""
    if not movements:
        return {}
    table = T.decisions
    statement = sa.select(
        table.c.platform_id, table.c.movement_type, table.c.movement_id, table.c.event
    ).where(
        sa.or_(*(_owned(table, platform_id) for platform_id in sorted({m[0] for m in movements}))),
        table.c.movement_type.in_(sorted({m[1] for m in movements})),
        table.c.movement_id.in_(sorted({m[2] for m in movements})),
    )
    wanted = set(movements)
    found: dict[tuple[str, str, str], str] = {}
    for row in connection.execute(statement.order_by(table.c.id)):
        key = (str(row.platform_id), str(row.movement_type), str(row.movement_id))
        if key in wanted:
            found.setdefault(key, str(row.event))
    return found


def overdue_reviews(connection: sa.Connection, now: int, limit: int) -> list[Row]:
    """Open review cases past their deadline (escalated ones wait for an analyst), every
    platform (the worker's task)."""
    return all_rows(
        connection,
        sa.select(T.cases)
        .where(
            T.cases.c.kind == "review",
            T.cases.c.status.in_(("open", "in_progress")),
            T.cases.c.due_at <= now,
        )
        .order_by(T.cases.c.due_at)
        .limit(limit),
    )


def whitelisted(
    connection: sa.Connection, platform_id: str, subject_id: str
) -> set[tuple[str, str]]:
    rows = connection.execute(
        sa.select(T.whitelist.c.list, T.whitelist.c.entry_id).where(
            _owned(T.whitelist, platform_id), T.whitelist.c.subject_id == subject_id
        )
    )
    return {(row[0], row[1]) for row in rows}


def open_hit(
    connection: sa.Connection, platform_id: str, subject_id: str, list_name: str, entry_id: str
) -> Row | None:
    return first_row(
        connection,
        _matching(
            T.screening_hits,
            platform_id,
            subject_id=subject_id,
            list=list_name,
            entry_id=entry_id,
            status="open",
        ),
    )


def screened_subjects(connection: sa.Connection, after: str | None, limit: int) -> list[Row]:
    """Customers screened before (their newest hit or clean record), for a re-screen."""
    statement = (
        sa.select(T.screening_hits.c.platform_id, T.screening_hits.c.subject_id)
        .where(T.screening_hits.c.subject_type == "customer")
        .group_by(T.screening_hits.c.platform_id, T.screening_hits.c.subject_id)
        .order_by(T.screening_hits.c.subject_id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(T.screening_hits.c.subject_id > after)
    return all_rows(connection, statement)


# -- observations, snapshots, cursors -------------------------------------------------------


def observations_after(connection: sa.Connection, seq: int, limit: int) -> list[Row]:
    return all_rows(
        connection,
        sa.select(T.observations)
        .where(T.observations.c.seq > seq)
        .order_by(T.observations.c.seq)
        .limit(limit),
    )


def last_observation(connection: sa.Connection) -> int:
    value = connection.execute(sa.select(sa.func.max(T.observations.c.seq))).scalar()
    return int(value or 0)


def snapshot(connection: sa.Connection, name: str) -> Row | None:
    return first_row(connection, sa.select(T.snapshots).where(T.snapshots.c.name == name))


def save_snapshot(connection: sa.Connection, values: Mapping[str, Any]) -> None:
    connection.execute(sa.delete(T.snapshots).where(T.snapshots.c.name == values["name"]))
    connection.execute(sa.insert(T.snapshots).values(**values))


def cursor(connection: sa.Connection, name: str) -> Row | None:
    return first_row(connection, sa.select(T.cursors).where(T.cursors.c.name == name))


def claim_cursor(connection: sa.Connection, name: str, now: int, lease_until: int) -> Row | None:
    """Lease the cursor ``name`` (created on first use); None while another worker holds it."""
    if cursor(connection, name) is None:
        try:
            with connection.begin_nested():
                connection.execute(
                    sa.insert(T.cursors).values(name=name, position="", lease_until=0)
                )
        except sa.exc.IntegrityError:
            pass
    changed = connection.execute(
        sa.update(T.cursors)
        .where(T.cursors.c.name == name, T.cursors.c.lease_until <= now)
        .values(lease_until=lease_until)
    ).rowcount
    return cursor(connection, name) if changed == 1 else None


def move_cursor(connection: sa.Connection, name: str, position: str, lease_until: int) -> None:
    connection.execute(
        sa.update(T.cursors)
        .where(T.cursors.c.name == name)
        .values(position=position, lease_until=lease_until)
    )


def platform_settings(connection: sa.Connection, platform_id: str) -> Row | None:
    return first_row(connection, _matching(T.platform_settings, platform_id))


def save_platform_settings(connection: sa.Connection, values: Mapping[str, Any]) -> None:
    platform_id = str(values["platform_id"])
    connection.execute(
        sa.delete(T.platform_settings).where(_owned(T.platform_settings, platform_id))
    )
    connection.execute(sa.insert(T.platform_settings).values(**values))


def model_versions(connection: sa.Connection, platform_id: str) -> list[Row]:
    """A platform's model versions, newest first."""
    return all_rows(
        connection,
        _matching(T.model_versions, platform_id).order_by(T.model_versions.c.version.desc()),
    )


def set_active_model(connection: sa.Connection, platform_id: str, version_id: str | None) -> None:
    """Make ``version_id`` the platform's only active version (none when None)."""
    connection.execute(
        sa.update(T.model_versions)
        .where(_owned(T.model_versions, platform_id), T.model_versions.c.active.is_(True))
        .values(active=False)
    )
    if version_id is not None:
        connection.execute(
            sa.update(T.model_versions)
            .where(_owned(T.model_versions, platform_id), T.model_versions.c.id == version_id)
            .values(active=True, activated_at=now_micros())
        )
