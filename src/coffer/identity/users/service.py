"""The users service: a wallet app user's account (:mod:`.accounts`) and money
(:mod:`.money`), one object. Each public method is its own unit of work."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from coffer.identity.factors.throttle import ThrottlePolicy
from coffer.identity.users.accounts import PasswordPolicy, UserAccounts
from coffer.identity.users.base import Categories
from coffer.identity.users.money import UserMoney
from coffer.identity.users.settings import AppSettings

if TYPE_CHECKING:
    from coffer.wallets import WalletPlatform


class Users(UserAccounts, UserMoney):
    """Customers' users: sign-up, sign-in, second factors, step-up, and what they do with
    their own money."""

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
        super().__init__(
            engine, wallets, settings, categories=categories, issuer=issuer, clock=clock
        )
        self.throttle_policy = throttle_policy
        self.password_policy = password_policy
