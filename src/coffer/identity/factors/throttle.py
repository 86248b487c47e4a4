"""Sign-in rate limits and lockout, kept in the database (every server process of one
database sees the same counts).

Two kinds of key:

- ``account:<realm>:<name>``: consecutive failures for an account name (an email), counted
  whether or not the account exists, so a lockout tells nothing about existence; after
  ``lockout_failures`` the name is locked for ``lockout_seconds``; a success clears it.
- ``address:<realm>:<ip>``: every attempt from one address; beyond ``rate_per_minute`` in a
  minute, refused until the minute ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa

from coffer.errors import SignInLocked
from coffer.identity.factors import repository as R

MICROS = 1_000_000


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    lockout_failures: int
    lockout_seconds: int
    rate_per_minute: int


def account_key(realm: str, name: str) -> str:
    return f"account:{realm}:{name.strip().lower()[:254]}"


def address_key(realm: str, address: str | None) -> str:
    return f"address:{realm}:{(address or 'unknown')[:64]}"


def _locked(message: str, until: int, now: int) -> SignInLocked:
    wait = max(1, math.ceil((until - now) / MICROS))
    minutes = math.ceil(wait / 60)
    when = f"{wait} seconds" if wait < 120 else f"{minutes} minutes"
    return SignInLocked(f"{message} Try again in {when}.", retry_after_seconds=wait)


def check(connection: sa.Connection, policy: ThrottlePolicy, keys: list[str], now: int) -> None:
    """Raise :class:`SignInLocked` if any key is locked now."""
    for key in keys:
        row = R.get_throttle(connection, key)
        if row is not None and row.locked_until > now:
            raise _locked("Too many sign-in attempts.", row.locked_until, now)


def count_attempt(
    connection: sa.Connection, policy: ThrottlePolicy, address_key_: str, now: int
) -> None:
    """Count one attempt from an address; raise :class:`SignInLocked` beyond the rate."""
    row = R.get_throttle(connection, address_key_)
    if row is None or now - row.window_started_at >= 60 * MICROS:
        row = R.ThrottleRow(address_key_, 0, now, 0)
    attempts = row.failures + 1
    locked_until = row.locked_until
    if attempts > policy.rate_per_minute:
        locked_until = row.window_started_at + 60 * MICROS
    R.put_throttle(
        connection, R.ThrottleRow(address_key_, attempts, row.window_started_at, locked_until)
    )
    if locked_until > now:
        raise _locked("Too many sign-in attempts from your address.", locked_until, now)


def record_failure(
    connection: sa.Connection, policy: ThrottlePolicy, account_key_: str, now: int
) -> bool:
    """Count a failure for an account name; True when this failure locked it."""
    row = R.get_throttle(connection, account_key_)
    if row is None or now - row.window_started_at >= policy.lockout_seconds * MICROS:
        row = R.ThrottleRow(account_key_, 0, now, 0)
    failures = row.failures + 1
    locked_until = row.locked_until
    newly = False
    if failures >= policy.lockout_failures and locked_until <= now:
        locked_until = now + policy.lockout_seconds * MICROS
        newly = True
        failures = 0
        row = R.ThrottleRow(account_key_, 0, now, locked_until)
    R.put_throttle(
        connection, R.ThrottleRow(account_key_, failures, row.window_started_at, locked_until)
    )
    return newly


def record_success(connection: sa.Connection, account_key_: str) -> None:
    R.clear_throttle(connection, account_key_)
