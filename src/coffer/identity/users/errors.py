"""Errors of the end-user API's own objects (the shared tree is in :mod:`coffer.errors`)."""

from __future__ import annotations

from coffer.errors import NotFound


class PasskeyNotFound(NotFound, code="passkey_not_found"):
    """No passkey of the signed-in user has that id (another user's is not found either)."""

    hint = "List your passkeys (GET /api/me/v1/security/passkeys) and use one of their ids."


class NotificationNotFound(NotFound, code="notification_not_found"):
    """No notification of the signed-in user has that id."""

    hint = "List your notifications (GET /api/me/v1/notifications) and use one of their ids."
