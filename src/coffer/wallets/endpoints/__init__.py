"""The wallets HTTP API under ``/api/wallets/v1`` (mounted by :func:`coffer.api.create_app`).

Stripe/Mangopay conventions: amounts in minor units with a ``currency``, an
optional ``Idempotency-Key`` header on every POST (creations replay the resource, actions replay
their stored answer), cursor pagination with ``limit``/``starting_after``/``has_more``, and
typed error objects, for business refusals and malformed requests (422) alike::

    {"error": {"type": "invalid_request_error", "code": "currency_mismatch",
               "message": "...", "details": {...}}}

Every route documents each error status it can answer (``responses=``), so the OpenAPI
document is a complete contract (``tests/api/test_openapi_schema.py`` checks it).

Auth: the ledger API's OAuth2 bearer tokens, scopes ``wallets:read`` and ``wallets:write``.
The sandbox 3-D Secure page is public: it is what the paying customer's browser opens. So is
the Stripe webhook route, authenticated by its ``Stripe-Signature`` header instead.
"""

from __future__ import annotations

from fastapi import APIRouter

from coffer.wallets.endpoints import (
    customers,
    gateways,
    pages,
    payins,
    payments,
    payouts,
    privacy,
    transfers,
    wallets,
    webhooks,
)
from coffer.wallets.endpoints.deps import PREFIX, all_platforms, platform_for, platform_of
from coffer.wallets.endpoints.pages import returns
from coffer.wallets.http_errors import WalletRoute, error_type, render_error

router = APIRouter(prefix=PREFIX, tags=["wallets"], route_class=WalletRoute)
for _module in (
    customers,
    privacy,
    wallets,
    transfers,
    payments,
    payins,
    pages,
    gateways,
    payouts,
    webhooks,
):
    for _part in (_module.api.read, _module.api.write, _module.api.public):
        router.include_router(_part)

__all__ = [
    "PREFIX",
    "all_platforms",
    "error_type",
    "platform_for",
    "platform_of",
    "render_error",
    "returns",
    "router",
]
