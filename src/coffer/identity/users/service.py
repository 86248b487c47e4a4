"""The users service: a wallet app user's account (:mod:`.accounts`) and money
(:mod:`.money`), one object. Each public method is its own unit of work."""

from __future__ import annotations

from coffer.identity.users.accounts import UserAccounts
from coffer.identity.users.money import UserMoney


class Users(UserAccounts, UserMoney):
    """Customers' users: sign-up, sign-in, second factors, step-up, and what they do with
    their own money."""
