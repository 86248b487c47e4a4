"""Operators: a platform's staff who sign in to the console.

Services take the caller's connection and never commit. Sign-in is in two steps: the
password (:func:`check_password_step`), then, for an operator with TOTP, a code or a
passkey (the web layer's sign-in flow). Every sign-in, failure and change is written to
the audit log (``coffer.identity.audit``), actor the operator's id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from coffer.db.rows import row_values
from coffer.errors import (
    CofferError,
    OperatorExists,
    OperatorNotFound,
    SignInFailed,
    ValidationError,
)
from coffer.identity.audit import record, record_sign_in
from coffer.identity.factors import passwords, throttle
from coffer.identity.factors.service import has_totp, now_micros
from coffer.identity.operators import repository as R
from coffer.identity.operators.roles import ROLES, requires_mfa
from coffer.platforms import DEFAULT_PLATFORM_ID

REALM = "console"
MAX_EMAIL_LENGTH = 254
MAX_OPERATORS_LISTED = 1000
SIGN_IN_FAILED = "Email, password or code is incorrect."


@dataclass(frozen=True, slots=True)
class Operator:
    id: str
    platform_id: str
    email: str
    role: str
    status: str
    created_at: int
    last_sign_in_at: int | None

    @property
    def mfa_required(self) -> bool:
        return requires_mfa(self.role)


@dataclass(frozen=True, slots=True)
class PasswordStep:
    """What the password step found: the operator (None on failure) and the error to show."""

    operator: Operator | None
    error: CofferError | None


def _public(row: R.OperatorRow) -> Operator:
    """The operator as shown: its row without the password hash."""
    values = row_values(row)
    del values["password_hash"]
    return Operator(**values)


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if (
        not value
        or "@" not in value
        or len(value) > MAX_EMAIL_LENGTH
        or any(c.isspace() for c in value)
    ):
        raise ValidationError(f"{email!r} is not an email address.")
    return value


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    return role


def generate_password() -> str:
    """A random password that passes any policy (20 characters, ~120 bits)."""
    return secrets.token_urlsafe(15)


def create_operator(
    connection: sa.Connection,
    *,
    email: str,
    role: str,
    platform_id: str = DEFAULT_PLATFORM_ID,
    password: str | None = None,
    min_length: int = 12,
    min_score: int = 3,
    actor: str = "system",
) -> tuple[Operator, str]:
    """Create an operator; returns it with its password (generated when not given: show
    it once). Raises :class:`OperatorExists`, :class:`WeakPassword`, ValidationError."""
    address = normalize_email(email)
    check_role(role)
    chosen = password if password is not None else generate_password()
    passwords.check_password(
        chosen, min_length=min_length, min_score=min_score, user_inputs=[address]
    )
    if R.by_email(connection, address) is not None:
        raise OperatorExists(f"An operator with email {address} exists already.")
    row = R.OperatorRow(
        id="op_" + secrets.token_hex(10),
        platform_id=platform_id,
        email=address,
        role=role,
        password_hash=passwords.hash_password(chosen),
        status="active",
        created_at=now_micros(),
        last_sign_in_at=None,
    )
    R.insert(connection, row)
    record(
        connection,
        actor=actor,
        action="operator.created",
        target=row.id,
        details={"platform_id": platform_id, "email": address, "role": role},
    )
    return _public(row), chosen


def get_operator(connection: sa.Connection, platform_id: str, operator_id: str) -> Operator:
    row = R.by_id(connection, platform_id, operator_id)
    if row is None:
        raise OperatorNotFound(f"No operator {operator_id} on this platform.")
    return _public(row)


def list_operators(connection: sa.Connection, platform_id: str) -> list[Operator]:
    return [_public(r) for r in R.listing(connection, platform_id, limit=MAX_OPERATORS_LISTED)]


def operator_ids(connection: sa.Connection, platform_id: str) -> list[str]:
    return R.ids_of_platform(connection, platform_id, limit=MAX_OPERATORS_LISTED)


def count_operators(connection: sa.Connection) -> int:
    return R.count(connection)


def check_password_step(
    connection: sa.Connection,
    *,
    email: str,
    password: str,
    policy: throttle.ThrottlePolicy,
    address: str | None,
) -> PasswordStep:
    """Check an email and password. Same message, and the same Argon2 work, whether the
    email is unknown, the operator disabled or the password wrong; failures count toward
    the name's lockout (known or not) and the address's rate; every outcome is audited.
    The caller commits whatever the outcome (the counts must stay)."""
    now = now_micros()
    name = email.strip().lower()[:MAX_EMAIL_LENGTH]
    account = throttle.account_key(REALM, name)
    try:
        throttle.count_attempt(connection, policy, throttle.address_key(REALM, address), now)
        throttle.check(connection, policy, [account], now)
    except CofferError as locked:
        record(
            connection,
            actor=name or "anonymous",
            action="operator.sign_in_refused",
            address=address,
            details={"reason": "locked"},
        )
        return PasswordStep(None, locked)
    row = R.by_email(connection, name)
    matches = passwords.verify_password(row.password_hash if row else None, password)
    if row is None or not matches or row.status != "active":
        newly_locked = throttle.record_failure(connection, policy, account, now)
        record(
            connection,
            actor=row.id if row else (name or "anonymous"),
            action="operator.sign_in_failed",
            target=row.id if row else None,
            address=address,
            details={"step": "password", "locked": newly_locked},
        )
        return PasswordStep(None, SignInFailed(SIGN_IN_FAILED))
    if passwords.needs_rehash(row.password_hash):
        R.update(
            connection, row.platform_id, row.id, password_hash=passwords.hash_password(password)
        )
    return PasswordStep(_public(row), None)


def second_factor_failed(
    connection: sa.Connection,
    operator: Operator,
    *,
    policy: throttle.ThrottlePolicy,
    address: str | None,
    method: str,
) -> CofferError:
    now = now_micros()
    account = throttle.account_key(REALM, operator.email)
    newly_locked = throttle.record_failure(connection, policy, account, now)
    record(
        connection,
        actor=operator.id,
        action="operator.sign_in_failed",
        target=operator.id,
        address=address,
        details={"step": method, "locked": newly_locked},
    )
    return SignInFailed(SIGN_IN_FAILED)


def signed_in(
    connection: sa.Connection, operator: Operator, *, address: str | None, method: str
) -> None:
    """Record a completed sign-in (``method``: password, password+totp, passkey, ...)."""
    throttle.record_success(connection, throttle.account_key(REALM, operator.email))
    R.update(connection, operator.platform_id, operator.id, last_sign_in_at=now_micros())
    record_sign_in(
        connection,
        "operator",
        operator.id,
        operator.id,
        operator.platform_id,
        method=method,
        address=address,
    )


def needs_totp_enrolment(connection: sa.Connection, operator: Operator) -> bool:
    return operator.mfa_required and not has_totp(connection, operator.id)


def set_role(
    connection: sa.Connection, platform_id: str, operator_id: str, role: str, *, actor: str
) -> None:
    check_role(role)
    if not R.update(connection, platform_id, operator_id, role=role):
        raise OperatorNotFound(f"No operator {operator_id} on this platform.")
    record(
        connection,
        actor=actor,
        action="operator.role_changed",
        target=operator_id,
        details={"role": role, "platform_id": platform_id},
    )


def set_status(
    connection: sa.Connection, platform_id: str, operator_id: str, status: str, *, actor: str
) -> None:
    if status not in ("active", "disabled"):
        raise ValidationError("status must be active or disabled.")
    if not R.update(connection, platform_id, operator_id, status=status):
        raise OperatorNotFound(f"No operator {operator_id} on this platform.")
    record(
        connection,
        actor=actor,
        action=f"operator.{'enabled' if status == 'active' else 'disabled'}",
        target=operator_id,
        details={"platform_id": platform_id},
    )


def change_password(
    connection: sa.Connection,
    operator: Operator,
    *,
    current: str,
    new: str,
    min_length: int,
    min_score: int,
) -> None:
    row = R.by_id(connection, operator.platform_id, operator.id)
    if row is None or not passwords.verify_password(row.password_hash, current):
        raise SignInFailed("The current password is incorrect.")
    passwords.check_password(
        new, min_length=min_length, min_score=min_score, user_inputs=[row.email]
    )
    R.update(connection, row.platform_id, row.id, password_hash=passwords.hash_password(new))
    record(connection, actor=operator.id, action="operator.password_changed", target=operator.id)
