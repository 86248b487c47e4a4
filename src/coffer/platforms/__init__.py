"""Tenants: every API client, customer, wallet, webhook endpoint, ledger and domain row
belongs to one platform; a client never sees another platform's objects.

The contract every domain codes against:

- rows a platform owns carry ``platform_id`` (a string, ``DEFAULT_PLATFORM_ID`` for a
  database that had a single platform), filtered in one place of the domain's repository;
- an HTTP handler gets the caller's platform with :func:`platform_id_of` (set on the
  request by the authorization dependency); a cross-platform read answers 404.

Platforms themselves (create, list, resolve) are in :mod:`coffer.platforms.service`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_PLATFORM_ID", "bind_caller", "platform_id_of"]

DEFAULT_PLATFORM_ID = "plat_default"


def platform_id_of(request: Any) -> str:
    """The platform of the authenticated caller of ``request`` (a Starlette request)."""
    return str(getattr(request.state, "platform_id", None) or DEFAULT_PLATFORM_ID)


def bind_caller(request: Any, principal: Any) -> None:
    """Remember on ``request`` the authorized caller (its ``principal``) and its platform:
    what every auth dependency does once the token is checked."""
    request.state.principal = principal
    request.state.platform_id = str(getattr(principal, "platform_id", None) or DEFAULT_PLATFORM_ID)
