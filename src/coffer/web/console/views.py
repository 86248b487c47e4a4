"""Rendering of console pages: the layout's navigation, :func:`page`, the paged tables of
:func:`list_page` (a :class:`Table` holds one's fixed parts) and the tabbed pages of a
:class:`Section`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode

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


PAGE_SIZE = 25  # rows of a console list page
T = TypeVar("T")


def platform_page(
    ctx: ConsoleContext, lister: Callable[..., T], cursor: str | None, **filters: str | None
) -> T:
    """A page of the operator's platform's rows from a service's list method:
    ``PAGE_SIZE`` rows after ``cursor``, filtered by ``filters`` (an empty one filters
    nothing)."""
    chosen = {name: value or None for name, value in filters.items()}
    return lister(ctx.operator.platform_id, starting_after=cursor, limit=PAGE_SIZE, **chosen)


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


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    link: Callable[[Any], str] | None = None
    numeric: bool = False


def link_column(header: str, attr: str, path: str) -> Column:
    """A column of the rows' ``attr`` (an id) linking to its page ``{path}/{id}``."""
    return Column(header, attrgetter(attr), lambda row: f"{path}/{getattr(row, attr)}")


@dataclass(frozen=True, slots=True)
class Rows:
    """A page of rows and whether more follow (what the services' list pages hold)."""

    data: list[Any]
    has_more: bool = False


class Paged(Protocol):
    @property
    def data(self) -> Sequence[Any]: ...

    @property
    def has_more(self) -> bool: ...


def list_page(
    ctx: ConsoleContext,
    listing: Paged,
    *,
    title: str,
    active: str,
    columns: list[Column],
    statuses: list[str] | None = None,
    status: str | None = None,
    extra: dict[str, Any] | None = None,
    base: str,
    status_code: int = 200,
) -> Response:
    """A paged table of ``rows`` (``console/list.html``); ``base`` is its URL with the
    filters kept (from :func:`coffer.web.console.views.list_base`)."""
    query = base.partition("?")[2]
    rows, more = list(listing.data), listing.has_more
    table = [
        [(c.value(row), c.link(row) if c.link else None, c.numeric) for c in columns]
        for row in rows
    ]
    return page(
        ctx,
        "console/list.html",
        {
            "headers": [(c.header, c.numeric) for c in columns],
            "table": table,
            "more": more,
            "next_cursor": rows[-1].id if more and rows else None,
            "statuses": statuses,
            "status": status or "",
            "base": base,
            "hidden": [] if (extra or {}).get("filters") else parse_qsl(query),
            **(extra or {}),
        },
        title=title,
        active=active,
        status_code=status_code,
    )


@dataclass(frozen=True, slots=True)
class Table:
    """A list page's fixed parts: its ``title``, its URL ``base``, the navigation entry it
    marks (``active``: ``base`` when empty), its ``columns`` and the ``statuses`` it filters
    by; ``table(ctx, listing, status)`` is its :func:`list_page`."""

    title: str
    base: str
    columns: list[Column]
    statuses: list[str] | None = None
    active: str = ""

    def __call__(
        self,
        ctx: ConsoleContext,
        listing: Paged,
        status: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Response:
        return list_page(
            ctx,
            listing,
            title=self.title,
            active=self.active or self.base,
            columns=self.columns,
            statuses=self.statuses,
            status=status,
            extra=extra,
            base=self.base,
        )


@dataclass(frozen=True, slots=True)
class Section:
    """A console section with tabs: the navigation entry its pages mark ``active`` and its
    tab list; its pages are :func:`page` and :func:`list_page` with the ``tab`` marked."""

    active: str
    tabs: Tabs

    def page(
        self,
        ctx: ConsoleContext,
        template: str,
        context: dict[str, Any],
        *,
        tab: str,
        title: str,
        status_code: int = 200,
    ) -> HTMLResponse:
        values = {**context, "tabs": self.tabs(tab)}
        return page(ctx, template, values, title=title, active=self.active, status_code=status_code)

    def list_page(
        self,
        ctx: ConsoleContext,
        listing: Paged,
        *,
        tab: str,
        extra: dict[str, Any] | None = None,
        **table: Any,
    ) -> Response:
        """:func:`list_page` (``title``, ``base``, ``columns``...) with the tab marked."""
        values = {"tabs": self.tabs(tab), **(extra or {})}
        return list_page(ctx, listing, active=self.active, extra=values, **table)


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
