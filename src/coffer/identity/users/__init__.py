"""Customers' users: the people who sign in to the wallet app (``/app``) and the end-user
API (``/api/me/v1``), each linked to one Coffer customer whose money they move.

Sign-in with a password and a TOTP code, or with a passkey alone; sessions are the user's
devices (listed, revocable); sensitive actions (payout, new beneficiary, transfer above the
platform's threshold, changing the password or second factors) need a second factor
checked within ``COFFER_APP_STEP_UP_SECONDS``, enforced by the service itself.
"""

from coffer.identity.users.accounts import SignedIn
from coffer.identity.users.base import STEP_UP_ACTIONS, Actor, PasswordPolicy
from coffer.identity.users.service import Users
from coffer.identity.users.settings import AppSettings, get_app_settings

__all__ = [
    "STEP_UP_ACTIONS",
    "Actor",
    "AppSettings",
    "PasswordPolicy",
    "SignedIn",
    "Users",
    "get_app_settings",
]
