"""What every part of the users service shares: the signed-in :class:`Actor`, the
service's state (:class:`UsersBase`), step-up checks and notifications."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coffer.db.engine import for_writes
from coffer.errors import StepUpRequired, UserNotFound
from coffer.identity.factors.service import Sealer
from coffer.identity.factors.throttle import ThrottlePolicy
from coffer.identity.users import repository as R
from coffer.identity.users.settings import AppSettings

if TYPE_CHECKING:
    from coffer.wallets import WalletPlatform

MICROS = 1_000_000
REALM = "app"  # the realm of the users' sessions and sign-in throttles

# the sensitive actions that need a fresh second factor (the reason a step-up names)
STEP_UP_ACTIONS = (
    "payout",
    "beneficiary",
    "transfer_above_threshold",
    "password",
    "second_factors",
)


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in user, as a request's session (a device) knows them."""

    user_id: str
    customer_id: str
    platform_id: str
    session_id: str  # the session's public id (ses_...): the device
    # when this session last checked a second factor (microseconds), None: never
    second_factor_at: int | None


def email_digest(email: str) -> str:
    """What the users table keeps of an email: SHA-256 of it trimmed and lower-cased."""
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


# A categorizer of a customer's movements: customer id -> {transaction id: primary
# category}, where the id is "<wallet id>:<ledger transaction id>" (coffer.assistant's).
Categories = Callable[[str], Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    min_length: int
    min_score: int


class UsersBase:
    """The users service's state: database, wallets domain, settings and clock."""

    def __init__(
        self,
        engine: sa.Engine,
        wallets: WalletPlatform,
        settings: AppSettings,
        *,
        throttle_policy: ThrottlePolicy,
        password_policy: PasswordPolicy,
        categories: Categories | None = None,
        issuer: str = "Coffer",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.throttle_policy = throttle_policy
        self.password_policy = password_policy
        # units that write take SQLite's write lock at their start (see db/engine.py)
        self.writes = for_writes(engine)
        self.platform = wallets
        self.settings = settings
        self.categories = categories
        self.issuer = issuer  # the name authenticator apps and passkey prompts show
        self.clock = clock

    def now_micros(self) -> int:
        return int(self.clock() * MICROS)

    @property
    def sealer(self) -> Sealer:
        """What seals the users' TOTP secrets: the master-key cipher of the wallets."""
        return self.platform.core.cipher

    @contextmanager
    def unit(self) -> Iterator[sa.Connection]:
        """One database transaction (committed when the block ends without error)."""
        with self.writes.begin() as connection:
            yield connection

    # -- users -------------------------------------------------------------------------

    def user_row(self, connection: sa.Connection, actor: Actor) -> Mapping[str, Any]:
        row = R.user(connection, actor.platform_id, actor.user_id)
        if row is None or row["status"] != "active":
            raise UserNotFound("This account does not exist any more; sign up again.")
        return row

    # -- step-up -----------------------------------------------------------------------

    def step_up_fresh(self, actor: Actor) -> bool:
        """Whether the actor's session checked a second factor within the window."""
        at = actor.second_factor_at
        window = self.settings.step_up_seconds * MICROS
        return at is not None and self.now_micros() - at <= window

    def require_step_up(self, actor: Actor, action: str) -> None:
        """Refuse ``action`` (one of :data:`STEP_UP_ACTIONS`) unless the session checked a
        second factor within ``step_up_seconds``: the server-side guard every sensitive
        action calls."""
        assert action in STEP_UP_ACTIONS, action
        if not self.step_up_fresh(actor):
            raise StepUpRequired(
                "Confirm it is you with your authenticator code or passkey, then try again.",
                action=action,
                step_up_seconds=self.settings.step_up_seconds,
            )

    # -- notifications -------------------------------------------------------------------

    def notify(
        self,
        connection: sa.Connection,
        platform_id: str,
        user_id: str,
        kind: str,
        **params: Any,
    ) -> None:
        R.insert_notification(
            connection,
            platform_id,
            user_id,
            kind,
            params,
            keep=self.settings.notifications_kept,
        )

    def notify_actor(
        self, connection: sa.Connection, actor: Actor, kind: str, **params: Any
    ) -> None:
        """Notify the signed-in user ``actor`` (see :meth:`notify`)."""
        self.notify(connection, actor.platform_id, actor.user_id, kind, **params)
