"""Rendering of console pages: the layout's navigation and :func:`page`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.responses import HTMLResponse, RedirectResponse, Response

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
    ("/console/spending-policies", "Spending policies", "automations.read"),
    ("/console/payment-batches", "Payment batches", "automations.read"),
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


@dataclass(frozen=True, slots=True)
class Tabs:
    """A section's tab list (href, label); ``tabs(current)`` gives the links with the
    current one marked (href, label, is current) for ``console/_tabs.html``."""

    items: tuple[tuple[str, str], ...]

    def __call__(self, current: str) -> list[tuple[str, str, bool]]:
        return [(href, label, href == current) for href, label in self.items]


def pain001_file(xml: str, name: str) -> Response:
    """A pain.001 file to download as ``<name>.pain001.xml``."""
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}.pain001.xml"'},
    )


def redirect(location: str) -> RedirectResponse:
    """After a form's work: send the browser to ``location`` (303, a GET)."""
    return RedirectResponse(location, status_code=303)


def list_base(path: str, **kept: str | None) -> str:
    """A list page's base URL keeping its filters (the pager appends ``cursor=...``)."""
    query = urlencode({name: value for name, value in kept.items() if value})
    return f"{path}?{query}&" if query else path


def text_filter(name: str, label: str, value: str | None) -> dict[str, Any]:
    """A free-text filter of ``console/list.html``'s form."""
    return {"name": name, "label": label, "value": value or ""}


def choice_filter(
    name: str, label: str, value: str | None, options: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """A filter of ``console/list.html``'s form choosing one of ``options`` (value, label)."""
    return {"name": name, "label": label, "value": value or "", "options": list(options)}
