"""``coffer fx ...``: exchange rates, quotes, conversions and loyalty.

Every command prints the JSON of what it made or read (the API's shapes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import BaseModel

from coffer.cli.options import Database, run_on_domain

app = typer.Typer(help="Exchange rates, quotes, conversions and loyalty.", no_args_is_help=True)
rates_app = typer.Typer(help="Exchange rates: set, read, refresh.", no_args_is_help=True)
loyalty_app = typer.Typer(help="Loyalty programs: accounts and expiry.", no_args_is_help=True)
app.add_typer(rates_app, name="rates")
app.add_typer(loyalty_app, name="loyalty")


if TYPE_CHECKING:  # the domain is imported when a command runs, not at CLI start
    from coffer.fx import FxPlatform
    from coffer.wallets import WalletPlatform


def _open(wallets: WalletPlatform) -> FxPlatform:
    from coffer.fx import open_fx

    return open_fx(wallets)


def _run(database: str | None, action: Callable[[FxPlatform], object]) -> None:
    result = run_on_domain(database, _open, action)
    if isinstance(result, BaseModel):
        typer.echo(result.model_dump_json(indent=2))
    elif isinstance(result, list):
        for item in result:
            typer.echo(item.model_dump_json() if isinstance(item, BaseModel) else str(item))
    else:
        typer.echo(str(result))


def _utc(moment: datetime | None) -> datetime | None:
    """A time typed without a zone is UTC (the callback of the time options)."""
    from datetime import UTC

    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


When = Annotated[
    datetime | None,
    typer.Option("--at", help="A past time (ISO 8601, UTC); default now", callback=_utc),
]


@rates_app.command("set")
def rates_set(
    base: str,
    quote: str,
    rate: Annotated[str, typer.Argument(help="quote units per base unit, e.g. 1.0842")],
    as_of: When = None,
    database: Database = None,
) -> None:
    """Set a manual rate."""
    _run(database, lambda fx: fx.rates.set_manual(base, quote, Decimal(rate), as_of))


@rates_app.command("get")
def rates_get(base: str, quote: str, at: When = None, database: Database = None) -> None:
    """The rate a quote would use (preferred provider, fresh), now or at --at."""
    from coffer.fx.rates.service import rate_model

    _run(database, lambda fx: rate_model(fx.rates.rate(base, quote, at)))


@rates_app.command("list")
def rates_list(
    base: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    database: Database = None,
) -> None:
    """Stored rates (manual and live), newest first."""
    _run(database, lambda fx: fx.rates.stored(base=base, limit=limit))


@rates_app.command("refresh")
def rates_refresh(database: Database = None) -> None:
    """Fetch the live provider's rates (COFFER_FX_HTTP_URL) and store them."""
    _run(database, lambda fx: f"{fx.rates.refresh_http()} rates stored")


@app.command("pricing")
def pricing(
    spread_bps: Annotated[int, typer.Option(min=0, max=9999)],
    pair: Annotated[str, typer.Option(help="EUR/USD or *")] = "*",
    tier: Annotated[str, typer.Option(help="a customer tier or *")] = "*",
    fee_bps: Annotated[int, typer.Option(min=0, max=9999)] = 0,
    fee_fixed: Annotated[int, typer.Option(min=0, help="minor units of the sell currency")] = 0,
    database: Database = None,
) -> None:
    """Set the spread and fee of a pair for a tier."""
    from coffer.fx import schemas as S

    request = S.PricingSet(
        pair=pair, tier=tier, spread_bps=spread_bps, fee_bps=fee_bps, fee_fixed=fee_fixed
    )
    _run(database, lambda fx: fx.quotes.set_pricing(request))


@app.command("quote")
def quote(
    sell: Annotated[str, typer.Option(help="currency sold, e.g. EUR")],
    buy: Annotated[str, typer.Option(help="currency bought, e.g. USD")],
    sell_amount: Annotated[int | None, typer.Option(help="minor units sold, fee included")] = None,
    buy_amount: Annotated[int | None, typer.Option(help="minor units bought")] = None,
    customer: Annotated[str | None, typer.Option(help="customer id (its tier's pricing)")] = None,
    lifetime_seconds: Annotated[int | None, typer.Option(min=1, max=86_400)] = None,
    at: When = None,
    database: Database = None,
) -> None:
    """Quote `sell EUR 10000 for USD` (--sell-amount) or `buy USD 10000 with EUR`."""
    from coffer.fx import schemas as S

    request = S.QuoteCreate(
        sell_currency=sell,
        buy_currency=buy,
        sell_amount=sell_amount,
        buy_amount=buy_amount,
        customer_id=customer,
        lifetime_seconds=lifetime_seconds,
        at=at,
    )
    _run(database, lambda fx: fx.quotes.create(request))


@app.command("convert")
def convert(
    quote_id: str,
    from_wallet: str,
    to_wallet: str,
    idempotency_key: Annotated[str | None, typer.Option("--idempotency-key")] = None,
    database: Database = None,
) -> None:
    """Execute a quote between two wallets of its customer."""
    from coffer.fx import schemas as S

    request = S.ConversionCreate(
        quote_id=quote_id, from_wallet_id=from_wallet, to_wallet_id=to_wallet
    )
    _run(database, lambda fx: fx.conversions.convert(request, idempotency_key=idempotency_key))


@app.command("value")
def value(
    customer: str,
    currency: Annotated[str, typer.Option(help="reporting currency")],
    at: When = None,
    database: Database = None,
) -> None:
    """A customer's wallets valued in one currency at a date's rates."""
    _run(database, lambda fx: fx.reports.valuation(customer, currency, at))


@app.command("statement")
def statement(
    wallet: str,
    currency: Annotated[str, typer.Option(help="reporting currency")],
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    database: Database = None,
) -> None:
    """A wallet's statement, each line valued in one currency at its time."""
    _run(database, lambda fx: fx.reports.statement(wallet, currency, limit=limit))


@app.command("pnl")
def pnl(
    start: Annotated[datetime, typer.Option(help="period start (UTC)", callback=_utc)],
    end: Annotated[datetime, typer.Option(help="period end (UTC), excluded", callback=_utc)],
    currency: Annotated[str | None, typer.Option(help="default COFFER_FX_BASE_CURRENCY")] = None,
    database: Database = None,
) -> None:
    """FX P&L of a period: positions revalued, spread and fee revenue."""
    _run(database, lambda fx: fx.reports.pnl(start, end, currency))


@loyalty_app.command("programs")
def loyalty_programs(database: Database = None) -> None:
    """The loyalty programs."""
    _run(database, lambda fx: fx.loyalty.programs())


@loyalty_app.command("account")
def loyalty_account(program: str, customer: str, database: Database = None) -> None:
    """A customer's points, tier, and what expires when."""
    _run(database, lambda fx: fx.loyalty.account(program, customer))


@loyalty_app.command("expire")
def loyalty_expire(program: str, database: Database = None) -> None:
    """Expire the lots past their date (run it daily, e.g. from cron)."""
    _run(database, lambda fx: fx.loyalty.expire(program))
