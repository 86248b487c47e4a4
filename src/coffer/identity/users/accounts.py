"""A user's account: sign-up (a Coffer customer with a wallet), sign-in (password, then a
TOTP code or a passkey; or a passkey alone), second factors, step-up checks, password,
language and notifications.

Sign-in answers one message whatever was wrong (unknown email, wrong password, wrong code)
and spends the same Argon2 work for an unknown email, so it tells no one which accounts
exist; failures count toward the lockout of the email (known or not) and the rate of the
address (:mod:`coffer.identity.factors.throttle`). Sessions (a user's devices) belong to
the HTTP layer (:mod:`coffer.web.sessions`): this service says who signed in and how.
Every sign-in, failure and security change goes to the audit log (actor the user's id).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from coffer.errors import (
    CofferError,
    EmailTaken,
    FactorInvalid,
    SignInFailed,
    SignUpClosed,
    StepUpRequired,
    ValidationError,
)
from coffer.identity.audit import record, record_sign_in
from coffer.identity.factors import passkeys as P
from coffer.identity.factors import passwords, throttle
from coffer.identity.factors import repository as FR
from coffer.identity.factors import service as F
from coffer.identity.factors import totp as T
from coffer.identity.users import repository as R
from coffer.identity.users import schemas as U
from coffer.identity.users.base import (
    MICROS,
    REALM,
    Actor,
    UsersBase,
    email_digest,
    normalize_email,
)
from coffer.identity.users.errors import NotificationNotFound, PasskeyNotFound
from coffer.wallets import schemas as S

SIGN_IN_FAILED = "Email, password or code is incorrect."
MAX_NOTIFICATIONS = 100


def _account(platform_id: str, email: str) -> str:
    """The sign-in lockout's key of a user's account: its platform and email."""
    return throttle.account_key(REALM, f"{platform_id}:{email}")


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who passed a sign-in step, and the second factors they still may use."""

    user_id: str
    customer_id: str
    platform_id: str
    email: str
    methods: tuple[str, ...]  # "totp", "passkey": empty when the password is enough


class UserAccounts(UsersBase):
    """Sign-up, sign-in, second factors and the account's settings."""

    # -- sign-up -------------------------------------------------------------------------

    def sign_up(self, request: U.SignUp, *, address: str | None) -> SignedIn:
        """A new user: a Coffer customer (natural person, KYC level none) with a wallet in
        the default currency. Counts toward the address's sign-in rate."""
        if not self.settings.signup_open:
            raise SignUpClosed("Sign-up is closed on this platform; ask it for an account.")
        platform_id = self.settings.platform_id
        email = normalize_email(request.email)
        with self.unit() as connection:
            throttle.count_attempt(
                connection,
                self.throttle_policy,
                throttle.address_key(REALM, address),
                self.now_micros(),
            )
        passwords.check_password(
            request.password,
            min_length=self.password_policy.min_length,
            min_score=self.password_policy.min_score,
            user_inputs=[email, request.name],
        )
        digest = email_digest(email)
        with self.unit() as connection:
            if R.user_by_email(connection, platform_id, digest) is not None:
                raise EmailTaken("An account with this email exists: sign in instead.")
        customer = self.platform.wallets.create_customer(
            S.CustomerCreate(kind="natural", name=request.name, email=email)
        )
        self.platform.wallets.create_wallet(
            S.WalletCreate(customer_id=customer.id, currency=self.settings.default_currency)
        )
        user_id = R.new_id("usr")
        now = self.now_micros()
        with self.unit() as connection:
            R.insert_user(
                connection,
                {
                    "id": user_id,
                    "platform_id": platform_id,
                    "customer_id": customer.id,
                    "email_digest": digest,
                    "password_hash": passwords.hash_password(request.password),
                    "locale": request.locale,
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                },
            )
            self.notify(connection, platform_id, user_id, "welcome", name=request.name)
            record(
                connection,
                actor=user_id,
                action="user.signed_up",
                target=customer.id,
                address=address,
                details={"platform_id": platform_id},
            )
        return SignedIn(user_id, customer.id, platform_id, email, ())

    # -- sign-in -------------------------------------------------------------------------

    def sign_in_password(self, email: str, password: str, *, address: str | None) -> SignedIn:
        """Check an email and password (first step). Raises :class:`SignInFailed` (one
        message for every reason) or :class:`SignInLocked`; the counts are committed
        whatever the outcome."""
        platform_id = self.settings.platform_id
        name = normalize_email(email)[:254]
        account = _account(platform_id, name)
        error: CofferError | None = None
        found: SignedIn | None = None
        with self.unit() as connection:
            now = self.now_micros()
            try:
                throttle.count_attempt(
                    connection, self.throttle_policy, throttle.address_key(REALM, address), now
                )
                throttle.check(connection, self.throttle_policy, [account], now)
            except CofferError as locked:
                error = locked
            if error is None:
                row = R.user_by_email(connection, platform_id, email_digest(name))
                matches = passwords.verify_password(
                    str(row["password_hash"]) if row else None, password
                )
                if row is None or not matches or row["status"] != "active":
                    locked_now = throttle.record_failure(
                        connection, self.throttle_policy, account, now
                    )
                    record(
                        connection,
                        actor=str(row["id"]) if row else "anonymous",
                        action="user.sign_in_failed",
                        address=address,
                        details={"step": "password", "locked": locked_now},
                    )
                    error = SignInFailed(SIGN_IN_FAILED)
                else:
                    if passwords.needs_rehash(str(row["password_hash"])):
                        R.update_user(
                            connection,
                            platform_id,
                            row["id"],
                            {"password_hash": passwords.hash_password(password)},
                        )
                    found = self._signed_in(connection, row, name)
        if error is not None:
            raise error
        assert found is not None
        return found

    def _signed_in(self, connection: sa.Connection, row: Mapping[str, Any], email: str) -> SignedIn:
        methods: list[str] = []
        if F.has_totp(connection, row["id"]):
            methods.append("totp")
        if FR.passkeys_of(connection, row["id"]):
            methods.append("passkey")
        return SignedIn(
            str(row["id"]), str(row["customer_id"]), str(row["platform_id"]), email,
            tuple(methods),
        )  # fmt: skip

    def sign_in_code(self, pending: SignedIn, code: str, *, address: str | None) -> None:
        """The second step with a TOTP or recovery code; :class:`SignInFailed` otherwise."""
        account = _account(pending.platform_id, pending.email)
        failure = ("user.sign_in_failed", {"step": "totp"})
        if self._throttled_code(account, pending.user_id, code, address, failure) is None:
            raise SignInFailed(SIGN_IN_FAILED)

    def _throttled_code(
        self,
        account: str,
        subject: str,
        code: str,
        address: str | None,
        failure: tuple[str, dict[str, Any]],
    ) -> str | None:
        """Check ``subject``'s TOTP or recovery ``code`` under ``account``'s lockout: the
        method that passed, or None once the failure is counted and audited as ``failure``
        (action and details, to which ``locked`` says whether this failure locked the
        account)."""
        with self.unit() as connection:
            now = self.now_micros()
            throttle.check(connection, self.throttle_policy, [account], now)
            method = F.check_second_factor(
                connection, subject=subject, code=code, sealer=self.sealer
            )
            if method is not None:
                return method
            locked = throttle.record_failure(connection, self.throttle_policy, account, now)
            action, details = failure
            details = {**details, "locked": locked}
            record(connection, actor=subject, action=action, address=address, details=details)
        return None

    def pending_user(self, platform_id: str, user_id: str) -> SignedIn:
        """A user between the two sign-in steps (from the pending session's subject)."""
        with self.unit() as connection:
            row = R.user(connection, platform_id, user_id)
        if row is None or row["status"] != "active":
            raise SignInFailed(SIGN_IN_FAILED)
        return self._user_signing_in(row)

    def _user_signing_in(self, row: Mapping[str, Any]) -> SignedIn:
        # the wallets service is called outside this service's transactions: on SQLite
        # its own transaction would wait for the write lock of an open one here
        email = normalize_email(self.platform.wallets.customer(str(row["customer_id"])).email or "")
        with self.unit() as connection:
            return self._signed_in(connection, row, email)

    def sign_in_passkey(
        self, credential: dict[str, Any], *, challenge: str, rp_id: str, origin: str,
        address: str | None,
    ) -> SignedIn:  # fmt: skip
        """Sign in with a passkey alone (a discoverable credential: the browser offers the
        passkeys it holds for the site)."""
        passkey_id = P.credential_id_of(credential)
        with self.unit() as connection:
            key = FR.passkey_by_credential(connection, passkey_id)
            row = None if key is None else R.user(connection, key.platform_id, key.subject)
        if key is None or row is None or row["status"] != "active":
            raise SignInFailed("This passkey is not registered here; sign in with your password.")
        self._use_passkey(key, credential, challenge=challenge, rp_id=rp_id, origin=origin)
        return self._user_signing_in(row)

    def _use_passkey(
        self, key: FR.PasskeyRow, credential: dict[str, Any], *, challenge: str, rp_id: str,
        origin: str,
    ) -> None:  # fmt: skip
        """Verify ``credential`` (the user verified) against the registered passkey
        ``key``, then record the passkey's new signature count."""
        count = P.verify_authentication(
            credential,
            challenge=challenge,
            rp_id=rp_id,
            origin=origin,
            public_key=key.public_key,
            sign_count=key.sign_count,
            verify_user=True,
        )
        with self.unit() as connection:
            FR.touch_passkey(connection, key.id, count, self.now_micros())

    def signed_in(self, user: SignedIn, *, method: str, address: str | None) -> None:
        """Record a completed sign-in (``method``: password, password+totp, passkey)."""
        with self.unit() as connection:
            throttle.record_success(connection, _account(user.platform_id, user.email))
            self.notify(
                connection, user.platform_id, user.user_id, "signed_in", method=method,
                address=address or "",
            )  # fmt: skip
            record_sign_in(
                connection,
                "user",
                user.user_id,
                user.customer_id,
                user.platform_id,
                method=method,
                address=address,
            )

    # -- the account ---------------------------------------------------------------------

    def me(self, actor: Actor) -> U.Me:
        with self.unit() as connection:
            row = self.user_row(connection, actor)
            has_totp = F.has_totp(connection, actor.user_id)
            keys = len(FR.passkeys_of(connection, actor.user_id))
            codes = F.remaining_recovery_codes(connection, actor.user_id) if has_totp else 0
            unread = R.unread_count(connection, actor.platform_id, actor.user_id)
        customer = self.platform.wallets.customer(actor.customer_id)
        fresh = self.step_up_fresh(actor)
        until = None
        if fresh and actor.second_factor_at is not None:
            until = R.as_datetime(actor.second_factor_at + self.settings.step_up_seconds * MICROS)
        return U.Me(
            id=actor.user_id,
            customer_id=actor.customer_id,
            email=customer.email,
            name=customer.name,
            locale=row["locale"],
            kyc_level=customer.kyc_level,
            totp=has_totp,
            passkeys=keys,
            recovery_codes_left=codes,
            step_up=U.StepUp(fresh=fresh, valid_until=until),
            unread_notifications=unread,
            created_at=R.as_datetime(row["created_at"]),
        )

    def set_locale(self, actor: Actor, locale: str) -> None:
        if locale not in ("en", "zh"):
            raise ValidationError("choose the language en or zh")
        with self.unit() as connection:
            self.user_row(connection, actor)
            R.update_user(connection, actor.platform_id, actor.user_id, {"locale": locale})

    def has_second_factor(self, actor: Actor) -> bool:
        with self.unit() as connection:
            return F.has_totp(connection, actor.user_id) or bool(
                FR.passkeys_of(connection, actor.user_id)
            )

    def _require_mfa_step_up(self, actor: Actor) -> None:
        """Changing the second factors (or the password) needs a fresh one, unless the
        user has none yet (the first enrolment)."""
        if self.has_second_factor(actor):
            self.require_step_up(actor, "second_factors")

    def change_password(self, actor: Actor, current: str, new: str, *, address: str | None) -> None:
        if self.has_second_factor(actor):
            self.require_step_up(actor, "password")
        with self.unit() as connection:
            row = self.user_row(connection, actor)
        if not passwords.verify_password(str(row["password_hash"]), current):
            raise FactorInvalid("The current password is not right.")
        customer = self.platform.wallets.customer(actor.customer_id)
        passwords.check_password(
            new,
            min_length=self.password_policy.min_length,
            min_score=self.password_policy.min_score,
            user_inputs=[customer.email or "", customer.name],
        )
        with self.unit() as connection:
            R.update_user(
                connection,
                actor.platform_id,
                actor.user_id,
                {"password_hash": passwords.hash_password(new)},
            )
            self._security_event(connection, actor, "password_changed", address)

    def _security_event(
        self, connection: sa.Connection, actor: Actor, what: str, address: str | None,
        **details: Any,
    ) -> None:  # fmt: skip
        self.notify_actor(connection, actor, what, **details)
        record(
            connection,
            actor=actor.user_id,
            action=f"user.{what}",
            target=actor.customer_id,
            address=address,
            details={"session": actor.session_id, **details},
        )

    # -- step-up -------------------------------------------------------------------------

    def step_up_code(self, actor: Actor, code: str, *, address: str | None) -> str:
        """Check a TOTP (or recovery) code for step-up; returns the method. Failures count
        toward the account's lockout like sign-in failures."""
        customer_email = self.platform.wallets.customer(actor.customer_id).email or ""
        account = _account(actor.platform_id, normalize_email(customer_email))
        failure = ("user.step_up_failed", {"method": "code", "session": actor.session_id})
        method = self._throttled_code(account, actor.user_id, code, address, failure)
        if method is None:
            raise StepUpRequired(
                "That code is not right; enter the 6 digits your authenticator shows now.",
                action="step_up",
                step_up_seconds=self.settings.step_up_seconds,
            )
        return method

    def passkey_challenge(self, actor: Actor, *, rp_id: str) -> P.Challenge:
        """Options to confirm with one of the user's passkeys (step-up)."""
        with self.unit() as connection:
            keys = FR.passkeys_of(connection, actor.user_id)
        if not keys:
            raise FactorInvalid("You have no passkey: confirm with your authenticator code.")
        return P.authentication_challenge(
            rp_id=rp_id, allowed=[(k.credential_id, k.transports) for k in keys], verify_user=True
        )

    def step_up_passkey(
        self, actor: Actor, credential: dict[str, Any], *, challenge: str, rp_id: str,
        origin: str,
    ) -> None:  # fmt: skip
        credential_id = P.credential_id_of(credential)
        with self.unit() as connection:
            key = FR.passkey_by_credential(connection, credential_id)
        if key is None or key.subject != actor.user_id:
            raise StepUpRequired(
                "That passkey is not one of yours.", action="step_up",
                step_up_seconds=self.settings.step_up_seconds,
            )  # fmt: skip
        self._use_passkey(key, credential, challenge=challenge, rp_id=rp_id, origin=origin)

    # -- TOTP ----------------------------------------------------------------------------

    def start_totp(self, actor: Actor) -> U.TotpSetup:
        self._require_mfa_step_up(actor)
        customer = self.platform.wallets.customer(actor.customer_id)
        with self.unit() as connection:
            secret = F.start_totp(
                connection,
                subject=actor.user_id,
                platform_id=actor.platform_id,
                sealer=self.sealer,
            )
        return U.TotpSetup(
            secret=secret,
            uri=T.provisioning_uri(
                secret, account=customer.email or actor.user_id, issuer=self.issuer
            ),
        )

    def pending_totp(self, actor: Actor) -> U.TotpSetup | None:
        """The TOTP set-up in progress (secret not confirmed yet), if any."""
        with self.unit() as connection:
            secret = F.pending_totp_secret(connection, actor.user_id, sealer=self.sealer)
        if secret is None:
            return None
        customer = self.platform.wallets.customer(actor.customer_id)
        return U.TotpSetup(
            secret=secret,
            uri=T.provisioning_uri(
                secret, account=customer.email or actor.user_id, issuer=self.issuer
            ),
        )

    def confirm_totp(self, actor: Actor, code: str, *, address: str | None) -> list[str]:
        """Confirm the TOTP set-up with a code from the app; returns the recovery codes
        (shown once)."""
        with self.unit() as connection:
            codes = F.confirm_totp(connection, subject=actor.user_id, code=code, sealer=self.sealer)
            self._security_event(connection, actor, "totp_enabled", address)
        return codes

    def remove_totp(self, actor: Actor, *, address: str | None) -> None:
        self.require_step_up(actor, "second_factors")
        with self.unit() as connection:
            F.remove_totp(connection, actor.user_id)
            self._security_event(connection, actor, "totp_removed", address)

    def new_recovery_codes(self, actor: Actor, *, address: str | None) -> list[str]:
        self.require_step_up(actor, "second_factors")
        with self.unit() as connection:
            if not F.has_totp(connection, actor.user_id):
                raise FactorInvalid("Set up TOTP first: recovery codes stand in for its codes.")
            codes = F.new_recovery_codes(
                connection, subject=actor.user_id, platform_id=actor.platform_id
            )
            self._security_event(connection, actor, "recovery_codes_renewed", address)
        return codes

    # -- passkeys ------------------------------------------------------------------------

    def passkeys(self, actor: Actor) -> list[U.Passkey]:
        with self.unit() as connection:
            keys = FR.passkeys_of(connection, actor.user_id)
        return [
            U.Passkey(
                id=k.id,
                name=k.name,
                created_at=R.as_datetime(k.created_at),
                last_used_at=None if k.last_used_at is None else R.as_datetime(k.last_used_at),
            )
            for k in keys
        ]

    def passkey_registration(self, actor: Actor, *, rp_id: str, rp_name: str) -> P.Challenge:
        """Options to create a passkey (the device's platform authenticator: Touch ID,
        Windows Hello, Android). Needs a fresh second factor when the user has one."""
        self._require_mfa_step_up(actor)
        customer = self.platform.wallets.customer(actor.customer_id)
        with self.unit() as connection:
            keys = FR.passkeys_of(connection, actor.user_id)
        return P.registration_challenge(
            rp_id=rp_id,
            rp_name=rp_name,
            user_handle=actor.user_id.encode(),
            user_name=customer.email or actor.user_id,
            existing=[(k.credential_id, k.transports) for k in keys],
            discoverable=True,
        )

    def add_passkey(
        self, actor: Actor, credential: dict[str, Any], *, challenge: str, rp_id: str,
        origin: str, name: str, address: str | None,
    ) -> U.Passkey:  # fmt: skip
        self._require_mfa_step_up(actor)
        new = P.verify_registration(credential, challenge=challenge, rp_id=rp_id, origin=origin)
        passkey_id = F.new_passkey_id()
        now = self.now_micros()
        with self.unit() as connection:
            if FR.passkey_by_credential(connection, new.credential_id) is not None:
                raise FactorInvalid("This passkey is registered already.")
            FR.add_passkey(
                connection,
                FR.PasskeyRow(
                    id=passkey_id,
                    subject=actor.user_id,
                    platform_id=actor.platform_id,
                    credential_id=new.credential_id,
                    public_key=new.public_key,
                    sign_count=new.sign_count,
                    transports=new.transports,
                    name=name[:100],
                    created_at=now,
                    last_used_at=None,
                ),
            )
            self._security_event(connection, actor, "passkey_added", address, name=name[:100])
        return next(k for k in self.passkeys(actor) if k.id == passkey_id)

    def remove_passkey(self, actor: Actor, passkey_id: str, *, address: str | None) -> None:
        self.require_step_up(actor, "second_factors")
        with self.unit() as connection:
            if not FR.delete_passkey(connection, actor.user_id, passkey_id):
                raise PasskeyNotFound("No such passkey of yours.")
            self._security_event(connection, actor, "passkey_removed", address)

    # -- notifications -------------------------------------------------------------------

    def notifications(self, actor: Actor, *, limit: int = 50) -> list[U.Notification]:
        with self.unit() as connection:
            rows = R.notifications(
                connection, actor.platform_id, actor.user_id, limit=min(limit, MAX_NOTIFICATIONS)
            )
        return [
            U.Notification(
                id=row["id"],
                kind=row["kind"],
                params=json.loads(row["params"]),
                created_at=R.as_datetime(row["created_at"]),
                read=row["read_at"] is not None,
            )
            for row in rows
        ]

    def mark_read(self, actor: Actor, notification_id: str | None = None) -> int:
        """Mark one of the user's notifications (None: all of them) read; another user's
        answers 404 like an unknown id."""
        with self.unit() as connection:
            marked = R.mark_read(connection, actor.platform_id, actor.user_id, notification_id)
            if (
                notification_id is not None
                and not marked
                and not R.has_notification(
                    connection, actor.platform_id, actor.user_id, notification_id
                )
            ):
                raise NotificationNotFound("No such notification of yours.")
            return marked
