"""All SQL of the sign-in factors and the sign-in throttle (SQLAlchemy Core)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coffer.db.rows import first_where, insert_row, row_of, row_values
from coffer.identity.factors.tables import passkeys, recovery_codes, sign_in_throttle, totp_factors


@dataclass(frozen=True, slots=True)
class TotpRow:
    subject: str
    platform_id: str
    secret: str
    confirmed_at: int | None
    last_step: int


@dataclass(frozen=True, slots=True)
class PasskeyRow:
    id: str
    subject: str
    platform_id: str
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: str
    name: str
    created_at: int
    last_used_at: int | None


@dataclass(frozen=True, slots=True)
class ThrottleRow:
    key: str
    failures: int
    window_started_at: int
    locked_until: int


# -- TOTP --


def get_totp(connection: sa.Connection, subject: str) -> TotpRow | None:
    m = first_where(connection, totp_factors, totp_factors.c.subject == subject)
    return None if m is None else row_of(TotpRow, m)


def put_totp(
    connection: sa.Connection, *, subject: str, platform_id: str, secret: str, now: int
) -> None:
    """A new, unconfirmed TOTP secret for ``subject`` (replacing any earlier one)."""
    connection.execute(totp_factors.delete().where(totp_factors.c.subject == subject))
    connection.execute(
        totp_factors.insert().values(
            subject=subject,
            platform_id=platform_id,
            secret=secret,
            confirmed_at=None,
            last_step=0,
            created_at=now,
        )
    )


def replace_totp_secret(connection: sa.Connection, subject: str, old: str, new: str) -> None:
    connection.execute(
        totp_factors.update()
        .where(totp_factors.c.subject == subject, totp_factors.c.secret == old)
        .values(secret=new)
    )


def confirm_totp(connection: sa.Connection, subject: str, *, step: int, now: int) -> None:
    connection.execute(
        totp_factors.update()
        .where(totp_factors.c.subject == subject)
        .values(confirmed_at=now, last_step=step)
    )


def use_totp_step(connection: sa.Connection, subject: str, step: int) -> bool:
    """Record that the code of ``step`` was used; False if it (or a later one) was used
    already (a replayed code)."""
    result = connection.execute(
        totp_factors.update()
        .where(totp_factors.c.subject == subject, totp_factors.c.last_step < step)
        .values(last_step=step)
    )
    return result.rowcount == 1


def delete_totp(connection: sa.Connection, subject: str) -> None:
    connection.execute(totp_factors.delete().where(totp_factors.c.subject == subject))
    connection.execute(recovery_codes.delete().where(recovery_codes.c.subject == subject))


# -- recovery codes --


def replace_recovery_codes(
    connection: sa.Connection, *, subject: str, platform_id: str, hashes: list[bytes], now: int
) -> None:
    connection.execute(recovery_codes.delete().where(recovery_codes.c.subject == subject))
    if hashes:
        connection.execute(
            recovery_codes.insert(),
            [
                {"subject": subject, "platform_id": platform_id, "code_hash": h, "created_at": now}
                for h in hashes
            ],
        )


def use_recovery_code(connection: sa.Connection, subject: str, code_hash: bytes, now: int) -> bool:
    result = connection.execute(
        recovery_codes.update()
        .where(
            recovery_codes.c.subject == subject,
            recovery_codes.c.code_hash == code_hash,
            recovery_codes.c.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return result.rowcount == 1


def count_recovery_codes(connection: sa.Connection, subject: str) -> int:
    return int(
        connection.execute(
            sa.select(sa.func.count()).where(
                recovery_codes.c.subject == subject, recovery_codes.c.used_at.is_(None)
            )
        ).scalar_one()
    )


# -- passkeys --


def _passkey(row: sa.Row[tuple[object, ...]]) -> PasskeyRow:
    return row_of(PasskeyRow, row._mapping)


def add_passkey(connection: sa.Connection, row: PasskeyRow) -> None:
    insert_row(connection, passkeys, row)


def passkeys_of(connection: sa.Connection, subject: str) -> list[PasskeyRow]:
    statement = (
        sa.select(passkeys).where(passkeys.c.subject == subject).order_by(passkeys.c.created_at)
    )
    return [_passkey(row) for row in connection.execute(statement)]


def passkey_by_credential(connection: sa.Connection, credential_id: bytes) -> PasskeyRow | None:
    row = connection.execute(
        sa.select(passkeys).where(passkeys.c.credential_id == credential_id)
    ).first()
    return None if row is None else _passkey(row)


def touch_passkey(connection: sa.Connection, passkey_id: str, sign_count: int, now: int) -> None:
    connection.execute(
        passkeys.update()
        .where(passkeys.c.id == passkey_id)
        .values(sign_count=sign_count, last_used_at=now)
    )


def delete_passkey(connection: sa.Connection, subject: str, passkey_id: str) -> bool:
    result = connection.execute(
        passkeys.delete().where(passkeys.c.subject == subject, passkeys.c.id == passkey_id)
    )
    return result.rowcount == 1


# -- throttle --


def get_throttle(connection: sa.Connection, key: str) -> ThrottleRow | None:
    m = first_where(connection, sign_in_throttle, sign_in_throttle.c.key == key)
    return None if m is None else row_of(ThrottleRow, m)


def put_throttle(connection: sa.Connection, row: ThrottleRow) -> None:
    values = row_values(row)
    key = values.pop("key")
    updated = connection.execute(
        sign_in_throttle.update().where(sign_in_throttle.c.key == key).values(values)
    )
    if updated.rowcount == 0:
        insert_row(connection, sign_in_throttle, row)


def clear_throttle(connection: sa.Connection, key: str) -> None:
    connection.execute(sign_in_throttle.delete().where(sign_in_throttle.c.key == key))
