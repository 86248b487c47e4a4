"""All SQL of the web sessions (SQLAlchemy Core)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import sqlalchemy as sa

from coffer.web.tables import web_sessions


@dataclass(slots=True)
class SessionFields:
    """What a session's row and the session a request sees
    (:class:`coffer.web.sessions.WebSession`) have alike."""

    public_id: str
    realm: str
    subject: str | None
    platform_id: str | None
    stage: str
    csrf_token: str
    created_at: int
    last_seen_at: int
    expires_at: int
    second_factor_at: int | None


@dataclass(slots=True)
class SessionRow(SessionFields):
    token_hash: bytes
    data: str
    revoked_at: int | None
    address: str | None
    user_agent: str | None


def shared_fields(row: SessionRow) -> dict[str, Any]:
    """The row's :class:`SessionFields`, by name."""
    return {field.name: getattr(row, field.name) for field in fields(SessionFields)}


def _row(row: sa.Row[tuple[object, ...]]) -> SessionRow:
    m = row._mapping

    def opt_int(name: str) -> int | None:
        return None if m[name] is None else int(m[name])

    def opt_str(name: str) -> str | None:
        return None if m[name] is None else str(m[name])

    return SessionRow(
        token_hash=bytes(m["token_hash"]),
        public_id=str(m["public_id"]),
        realm=str(m["realm"]),
        subject=opt_str("subject"),
        platform_id=opt_str("platform_id"),
        stage=str(m["stage"]),
        csrf_token=str(m["csrf_token"]),
        data=str(m["data"]),
        created_at=int(m["created_at"]),
        last_seen_at=int(m["last_seen_at"]),
        expires_at=int(m["expires_at"]),
        second_factor_at=opt_int("second_factor_at"),
        revoked_at=opt_int("revoked_at"),
        address=opt_str("address"),
        user_agent=opt_str("user_agent"),
    )


def insert(connection: sa.Connection, row: SessionRow) -> None:
    connection.execute(web_sessions.insert().values(**asdict(row)))


def by_token_hash(connection: sa.Connection, token_hash: bytes) -> SessionRow | None:
    row = connection.execute(
        sa.select(web_sessions).where(web_sessions.c.token_hash == token_hash)
    ).first()
    return None if row is None else _row(row)


def update(connection: sa.Connection, token_hash: bytes, **values: object) -> None:
    connection.execute(
        web_sessions.update().where(web_sessions.c.token_hash == token_hash).values(**values)
    )


def revoke_of_subject(
    connection: sa.Connection, subject: str, now: int, *, public_id: str | None = None
) -> int:
    statement = web_sessions.update().where(
        web_sessions.c.subject == subject, web_sessions.c.revoked_at.is_(None)
    )
    if public_id is not None:
        statement = statement.where(web_sessions.c.public_id == public_id)
    return int(connection.execute(statement.values(revoked_at=now)).rowcount)


def active_of_subject(
    connection: sa.Connection, subject: str, now: int, *, limit: int
) -> list[SessionRow]:
    statement = (
        sa.select(web_sessions)
        .where(
            web_sessions.c.subject == subject,
            web_sessions.c.revoked_at.is_(None),
            web_sessions.c.expires_at > now,
        )
        .order_by(web_sessions.c.created_at.desc())
        .limit(limit)
    )
    return [_row(row) for row in connection.execute(statement)]


def delete_expired(connection: sa.Connection, now: int, *, limit: int) -> int:
    """Delete up to ``limit`` sessions that ended (expired or revoked) a day ago or more."""
    cutoff = now - 86_400_000_000
    victims = (
        sa.select(web_sessions.c.token_hash)
        .where(sa.or_(web_sessions.c.expires_at < cutoff, web_sessions.c.revoked_at < cutoff))
        .limit(limit)
        .scalar_subquery()
    )
    result = connection.execute(web_sessions.delete().where(web_sessions.c.token_hash.in_(victims)))
    return int(result.rowcount)
