"""All SQL of the audit log (SQLAlchemy Core)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from coffer.db.rows import insert_row, row_of
from coffer.identity.audit.tables import audit_head, audit_log


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    created_at: int
    actor: str
    action: str
    target: str | None
    address: str | None
    details: str
    hash: bytes


def _row(row: sa.Row[tuple[object, ...]]) -> AuditRow:
    return row_of(AuditRow, row._mapping)


def claim_next(connection: sa.Connection) -> tuple[int, bytes]:
    """Take the next sequence number (locking the head row until the transaction ends)
    and return it with the hash of the entry before it."""
    connection.execute(
        audit_head.update().where(audit_head.c.id == 1).values(next_seq=audit_head.c.next_seq + 1)
    )
    row = connection.execute(
        sa.select(audit_head.c.next_seq, audit_head.c.head_hash).where(audit_head.c.id == 1)
    ).one()
    return int(row.next_seq) - 1, bytes(row.head_hash)


def append(connection: sa.Connection, entry: AuditRow) -> None:
    insert_row(connection, audit_log, entry)
    connection.execute(audit_head.update().where(audit_head.c.id == 1).values(head_hash=entry.hash))


def head(connection: sa.Connection) -> tuple[int, bytes] | None:
    row = connection.execute(
        sa.select(audit_head.c.next_seq, audit_head.c.head_hash).where(audit_head.c.id == 1)
    ).first()
    return None if row is None else (int(row.next_seq), bytes(row.head_hash))


def rows_from(connection: sa.Connection, after_seq: int, limit: int) -> list[AuditRow]:
    statement = (
        sa.select(audit_log).where(audit_log.c.seq > after_seq).order_by(audit_log.c.seq)
    ).limit(limit)
    return [_row(row) for row in connection.execute(statement)]


def iterate(connection: sa.Connection, page_size: int = 2000) -> Iterator[AuditRow]:
    after = -1
    while True:
        page = rows_from(connection, after, page_size)
        yield from page
        if len(page) < page_size:
            return
        after = page[-1].seq


def search(
    connection: sa.Connection,
    *,
    before_seq: int | None,
    action: str | None,
    actor: str | None,
    since: int | None,
    until: int | None,
    limit: int,
    actors: list[str] | None = None,
    target: str | None = None,
) -> list[AuditRow]:
    """Entries newest first, those matching every filter given (``actors``: any of them)."""
    statement = sa.select(audit_log)
    if actors is not None:
        statement = statement.where(audit_log.c.actor.in_(actors))
    if target is not None:
        statement = statement.where(audit_log.c.target == target)
    if before_seq is not None:
        statement = statement.where(audit_log.c.seq < before_seq)
    if action is not None:
        if action.endswith("*"):
            statement = statement.where(audit_log.c.action.startswith(action[:-1]))
        else:
            statement = statement.where(audit_log.c.action == action)
    if actor is not None:
        statement = statement.where(audit_log.c.actor == actor)
    if since is not None:
        statement = statement.where(audit_log.c.created_at >= since)
    if until is not None:
        statement = statement.where(audit_log.c.created_at < until)
    statement = statement.order_by(audit_log.c.seq.desc()).limit(limit)
    return [_row(row) for row in connection.execute(statement)]
