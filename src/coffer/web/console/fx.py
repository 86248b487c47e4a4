"""Console pages of the fx domain (``coffer.fx``): rates (the newest per pair and source,
with its age; admins of the default platform set manual rates: rates are market data
shared by every platform), quotes and conversions of the operator's platform, the FX P&L
report for a period, and loyalty programs with their earn rules and a customer's points
lots. Reads and writes go through the fx services of the operator's platform."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Annotated, Any

from fastapi import Depends, Form, Query
from starlette.responses import Response

from coffer.errors import PermissionDenied, ValidationError
from coffer.fx.endpoints import fx_for
from coffer.fx.platform import FxPlatform
from coffer.fx.rates.providers import decimal_text
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.web.console.deps import PREFIX, ConsoleContext, console_context, console_router
from coffer.web.console.repository import quotes_page
from coffer.web.console.views import (
    PAGE_SIZE,
    Column,
    Rows,
    Section,
    Tabs,
    link_column,
    list_base,
    redirect,
    text_filter,
)
from coffer.web.console.wallets import Cursor, Id, _audit, money_of

router = console_router()
Reader = Annotated[ConsoleContext, Depends(console_context("fx.read"))]
Manager = Annotated[ConsoleContext, Depends(console_context("fx.manage"))]
Currency = Annotated[str, Form(pattern=r"^[A-Za-z]{3}$")]
RATES_READ = 500  # newest stored rates read to find the newest of each pair


def fx_of(ctx: ConsoleContext) -> FxPlatform:
    return fx_for(ctx.request.app, ctx.operator.platform_id)


_section = Section(
    "/console/fx",
    Tabs(
        (
            ("/console/fx", "Rates"),
            ("/console/fx/quotes", "Quotes"),
            ("/console/fx/conversions", "Conversions"),
            ("/console/fx/pnl", "P&L"),
            ("/console/loyalty", "Loyalty"),
        )
    ),
)  # the section: its navigation entry and tab list


# the units of an age: (shown below this many seconds, seconds in the unit, its name)
AGE_UNITS = ((120, 1, "s"), (7200, 60, "min"), (172_800, 3600, "h"), (math.inf, 86_400, "days"))


def age_text(seconds: float) -> str:
    """``seconds`` in whole units: seconds up to 2 minutes, then minutes, hours, days."""
    _, size, unit = next(row for row in AGE_UNITS if seconds < row[0])
    return f"{int(seconds / size)} {unit}"


def _may_set_rates(ctx: ConsoleContext) -> bool:
    return ctx.can("fx.manage") and ctx.operator.platform_id == DEFAULT_PLATFORM_ID


def _rates_page(
    ctx: ConsoleContext, *, error: str | None = None, status_code: int = 200
) -> Response:
    fx = fx_of(ctx)
    newest: dict[tuple[str, str, str], Any] = {}
    for rate in fx.rates.stored(limit=RATES_READ):  # newest first
        newest.setdefault((rate.base, rate.quote, rate.source), rate)
    now = fx.clock()
    max_age = fx.settings.fx_max_rate_age_seconds
    rows = [
        {
            "rate": rate,
            "value": decimal_text(Fraction(rate.rate)),  # stored exactly, as a fraction
            "age": age_text((now - rate.as_of).total_seconds()),
            "stale": (now - rate.as_of).total_seconds() > max_age,
        }
        for _, rate in sorted(newest.items())
    ]
    return _section.page(
        ctx,
        "console/fx_rates.html",
        {
            "rates": rows,
            "providers": fx.settings.fx_providers,
            "max_age": max_age,
            "can_set": _may_set_rates(ctx),
            "error": error,
        },
        tab="/console/fx",
        title="Exchange rates",
        status_code=status_code,
    )


@router.get("/fx")
def rates(ctx: Reader) -> Response:
    return _rates_page(ctx)


@router.post("/fx/rates")
def set_rate(
    ctx: Manager,
    base: Currency,
    quote: Currency,
    rate: Annotated[str, Form(min_length=1, max_length=40)],
) -> Response:
    """A manual rate (source ``manual``); a bad one re-shows the page with the message."""
    if not _may_set_rates(ctx):
        raise PermissionDenied(
            "Exchange rates are shared by every platform: an admin of the default"
            " platform sets them."
        )
    try:
        saved = fx_of(ctx).rates.set_manual(base.upper(), quote.upper(), rate.strip())
    except ValidationError as exc:
        return _rates_page(ctx, error=exc.message, status_code=400)
    _audit(ctx, "fx_rate.set", f"{saved.base}/{saved.quote}", rate=saved.rate)
    return redirect(f"{PREFIX}/fx")


@router.get("/fx/quotes")
def quotes(ctx: Reader, cursor: Cursor = None) -> Response:
    fx = fx_of(ctx)
    rows, more = quotes_page(fx.quotes.engine, limit=PAGE_SIZE, starting_after=cursor)
    return _section.list_page(
        ctx,
        Rows([fx.quotes.model(row) for row in rows], more),
        tab="/console/fx/quotes",
        title="FX quotes",
        base="/console/fx/quotes",
        columns=[
            Column("Quote", lambda q: q.id),
            Column("Customer", lambda q: q.customer_id or ""),
            Column("Sell", lambda q: money_of(q.sell_amount, q.sell_currency), numeric=True),
            Column("Buy", lambda q: money_of(q.buy_amount, q.buy_currency), numeric=True),
            Column("Rate", lambda q: q.customer_rate, numeric=True),
            Column("Mid", lambda q: q.mid_rate, numeric=True),
            Column("Fee", lambda q: money_of(q.fee, q.sell_currency), numeric=True),
            Column("Source", lambda q: q.rate_source),
            Column("Status", lambda q: q.status),
            Column("Expires", lambda q: q.expires_at),
        ],
    )


@router.get("/fx/conversions")
def conversions(
    ctx: Reader,
    cursor: Cursor = None,
    wallet: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    listing = fx_of(ctx).conversions.list(
        wallet_id=wallet or None, limit=PAGE_SIZE, starting_after=cursor
    )
    return _section.list_page(
        ctx,
        listing,
        tab="/console/fx/conversions",
        title="FX conversions",
        base=list_base("/console/fx/conversions", wallet=wallet),
        columns=[
            Column("Conversion", lambda c: c.id),
            Column("Kind", lambda c: c.kind),
            link_column("From", "from_wallet_id", "/console/wallets"),
            link_column("To", "to_wallet_id", "/console/wallets"),
            Column("Sold", lambda c: money_of(c.sell_amount, c.sell_currency), numeric=True),
            Column("Bought", lambda c: money_of(c.buy_amount, c.buy_currency), numeric=True),
            Column("Fee", lambda c: money_of(c.fee, c.sell_currency), numeric=True),
            Column("Status", lambda c: c.status),
            Column("Created", lambda c: c.created_at),
        ],
        extra={
            "filters": [text_filter("wallet", "Wallet", wallet)],
        },
    )


def _day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not a date (YYYY-MM-DD).") from exc


@router.get("/fx/pnl")
def pnl(
    ctx: Reader,
    start: Annotated[str | None, Query(max_length=10)] = None,
    end: Annotated[str | None, Query(max_length=10)] = None,
    currency: Annotated[str | None, Query(pattern=r"^([A-Za-z]{3})?$")] = None,
) -> Response:
    """The FX P&L of [start, end) (days, UTC; by default the last 30 days)."""
    fx = fx_of(ctx)
    today = fx.clock().astimezone(UTC).date()
    first = _day(start, today - timedelta(days=30))
    last = _day(end, today + timedelta(days=1))
    if last <= first:
        raise ValidationError("The end of the period must come after its start.")
    report = fx.reports.pnl(
        datetime.combine(first, time(), UTC),
        datetime.combine(last, time(), UTC),
        currency.upper() if currency else None,
    )
    return _section.page(
        ctx,
        "console/fx_pnl.html",
        {
            "report": report,
            "start": first.isoformat(),
            "end": last.isoformat(),
            "currency": (currency or "").upper(),
            "money": money_of,
        },
        tab="/console/fx/pnl",
        title="FX P&L",
    )


# -- loyalty -------------------------------------------------------------------------------


@router.get("/loyalty")
def programs(ctx: Reader) -> Response:
    return _section.page(
        ctx,
        "console/loyalty.html",
        {"programs": fx_of(ctx).loyalty.programs()},
        tab="/console/loyalty",
        title="Loyalty programs",
    )


@router.get("/loyalty/{program_id}")
def program(
    ctx: Reader,
    program_id: str,
    customer: Id = None,
) -> Response:
    loyalty = fx_of(ctx).loyalty
    found = loyalty.program(program_id)
    account = lots = None
    if customer:
        if not ctx.can("customers.read"):
            raise PermissionDenied("Your role does not show customers' points.")
        account = loyalty.account(program_id, customer)
        lots = loyalty.lots(program_id, customer)
    return _section.page(
        ctx,
        "console/loyalty_program.html",
        {
            "program": found,
            "customer": customer or "",
            "account": account,
            "lots": lots,
        },
        tab="/console/loyalty",
        title=f"Loyalty program {found.name}",
    )
