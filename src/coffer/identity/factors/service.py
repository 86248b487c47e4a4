"""Second factors of a subject (an operator or a customer's user), on the caller's
connection (services never commit; the request boundary does).

    start_totp(conn, subject=..., platform_id=..., sealer=...)  -> secret (unconfirmed)
    confirm_totp(conn, subject=..., code=..., sealer=...)       -> recovery codes (shown once)
    check_second_factor(conn, subject=..., code=..., sealer=...) -> "totp" | "recovery" | None

TOTP secrets are stored sealed by the master (PII) key, the ``sealer`` (the wallets'
cipher): a database reader cannot compute anyone's codes. Rows written before migration
0034 hold the secret in clear (the migration cannot reach the key): they are read as they
are and sealed at their first use (a code checked), and ``coffer keys rotate`` seals any
left (docs/security.md).
"""

from __future__ import annotations

import secrets
import time
from typing import Protocol

import sqlalchemy as sa

from coffer.errors import FactorInvalid
from coffer.identity.factors import repository as R
from coffer.identity.factors import totp
from coffer.identity.factors.tables import SECRET_CONTEXT, TOTP_SECRET


class Sealer(Protocol):
    """What seals the TOTP secrets: the master-key cipher (coffer.wallets.crypto.Cipher)."""

    def encrypt(self, plaintext: str | None, *, context: str) -> str | None: ...

    def decrypt(self, stored: str | None, *, context: str) -> str | None: ...


def seal_secret(sealer: Sealer, secret: str) -> str:
    sealed = sealer.encrypt(secret, context=SECRET_CONTEXT)
    assert sealed is not None
    return sealed


def _secret(
    connection: sa.Connection, sealer: Sealer, row: R.TotpRow, *, upgrade: bool = False
) -> str:
    """The row's secret in clear; with ``upgrade``, a row still in clear is sealed now."""
    if not TOTP_SECRET.plaintext(row.secret):
        secret = sealer.decrypt(row.secret, context=SECRET_CONTEXT)
        assert secret is not None
        return secret
    if upgrade:
        R.replace_totp_secret(connection, row.subject, row.secret, seal_secret(sealer, row.secret))
    return row.secret


def now_micros() -> int:
    return time.time_ns() // 1000


def has_totp(connection: sa.Connection, subject: str) -> bool:
    row = R.get_totp(connection, subject)
    return row is not None and row.confirmed_at is not None


def start_totp(connection: sa.Connection, *, subject: str, platform_id: str, sealer: Sealer) -> str:
    """A fresh secret for ``subject``, active once :func:`confirm_totp` saw a code of it.
    An existing confirmed TOTP stays in force until then (this replaces only an
    unconfirmed one)."""
    existing = R.get_totp(connection, subject)
    if existing is not None and existing.confirmed_at is not None:
        raise FactorInvalid("TOTP is set up already; remove it before setting up a new one.")
    secret = totp.new_secret()
    R.put_totp(
        connection,
        subject=subject,
        platform_id=platform_id,
        secret=seal_secret(sealer, secret),
        now=now_micros(),
    )
    return secret


def pending_totp_secret(connection: sa.Connection, subject: str, *, sealer: Sealer) -> str | None:
    row = R.get_totp(connection, subject)
    if row is None or row.confirmed_at is not None:
        return None
    return _secret(connection, sealer, row)


def confirm_totp(
    connection: sa.Connection, *, subject: str, code: str, sealer: Sealer
) -> list[str]:
    """Confirm the pending secret with a code from the app; returns new recovery codes."""
    row = R.get_totp(connection, subject)
    if row is None or row.confirmed_at is not None:
        raise FactorInvalid("There is no TOTP set-up in progress; start it again.")
    step = totp.matching_step(_secret(connection, sealer, row, upgrade=True), code)
    if step is None:
        raise FactorInvalid("That code is not right; enter the 6 digits the app shows now.")
    R.confirm_totp(connection, subject, step=step, now=now_micros())
    return new_recovery_codes(connection, subject=subject, platform_id=row.platform_id)


def new_recovery_codes(connection: sa.Connection, *, subject: str, platform_id: str) -> list[str]:
    codes = totp.new_recovery_codes()
    R.replace_recovery_codes(
        connection,
        subject=subject,
        platform_id=platform_id,
        hashes=[totp.recovery_code_hash(c) for c in codes],
        now=now_micros(),
    )
    return codes


def remaining_recovery_codes(connection: sa.Connection, subject: str) -> int:
    return R.count_recovery_codes(connection, subject)


def remove_totp(connection: sa.Connection, subject: str) -> None:
    R.delete_totp(connection, subject)


def check_second_factor(
    connection: sa.Connection, *, subject: str, code: str, sealer: Sealer
) -> str | None:
    """``"totp"`` or ``"recovery"`` if ``code`` is a current TOTP code (not used before) or
    an unused recovery code of ``subject`` (now used); None otherwise. Does the same work
    whether or not ``subject`` has TOTP."""
    row = R.get_totp(connection, subject)
    secret = None
    if row is not None and row.confirmed_at is not None:
        secret = _secret(connection, sealer, row, upgrade=True)
    step = totp.matching_step(secret or totp.new_secret(), code)
    if secret is not None and step is not None:
        return "totp" if R.use_totp_step(connection, subject, step) else None
    if totp.looks_like_recovery_code(code) and R.use_recovery_code(
        connection, subject, totp.recovery_code_hash(code), now_micros()
    ):
        return "recovery"
    return None


def new_passkey_id() -> str:
    return "pk_" + secrets.token_hex(12)
