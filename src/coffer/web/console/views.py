"""Rendering of console pages: the layout's navigation and :func:`page`."""

from __future__ import annotations

from typing import Any

from starlette.responses import HTMLResponse

from coffer.web.console.deps import ConsoleContext
from coffer.web.templating import render

NAV_ITEMS: list[tuple[str, str, str | None]] = [
    ("/console/", "Overview", None),
    ("/console/ledgers", "Ledgers", "ledger.read"),
    ("/console/transactions", "Transactions", "ledger.read"),
    ("/console/holds", "Holds", "ledger.read"),
    ("/console/customers", "Customers & KYC", "customers.read"),
    ("/console/wallets", "Wallets", "wallets.read"),
    ("/console/payments", "Payments", "wallets.read"),
    ("/console/payouts", "Payouts", "wallets.read"),
    ("/console/risk", "Risk", "risk.read"),
    ("/console/automations", "Automations", "automations.read"),
    ("/console/fx", "FX & loyalty", "fx.read"),
    ("/console/webhooks", "Webhooks", "webhooks.read"),
    ("/console/clients", "API clients", "clients.read"),
    ("/console/operators", "Operators", "operators.read"),
    ("/console/audit", "Audit log", "audit.read"),
    ("/console/security", "My security", None),
]


def page(
    ctx: ConsoleContext,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    title: str,
    active: str,
    status_code: int = 200,
) -> HTMLResponse:
    values = {
        "ctx": ctx,
        "title": title,
        "active": active,
        "nav_items": NAV_ITEMS,
        **(context or {}),
    }
    return render(ctx.request, template, values, session=ctx.session, status_code=status_code)
