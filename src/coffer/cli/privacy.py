"""``coffer customers`` (erase, export) and ``coffer privacy`` (retention, upgrade): a
customer's personal data on the command line. Every action is written to the audit log
with the operator as actor."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coffer.cli.options import Database, usage_error

if TYPE_CHECKING:
    from coffer.identity.audit import Actor
    from coffer.wallets import WalletPlatform

customers_app = typer.Typer(help="Customers' personal data: erase, export.", no_args_is_help=True)
privacy_app = typer.Typer(
    help="Personal data: retention periods, upgrade of rows to data keys.", no_args_is_help=True
)

CustomerId = Annotated[str, typer.Argument(help="The customer id (cus_...)")]


@contextlib.contextmanager
def wallets_of(database: str | None) -> Iterator[WalletPlatform]:
    """The wallets domain of the database, with settings read now; a CofferError ends the
    command with its message (exit 2)."""
    import coffer
    from coffer.errors import CofferError
    from coffer.settings import Settings
    from coffer.wallets import WalletSettings, open_wallets

    try:
        with coffer.open(database, settings=Settings()) as instance:
            yield open_wallets(instance, WalletSettings())
    except CofferError as error:
        raise usage_error(f"{error.code}: {error.message}") from None


def _operator() -> Actor:
    from coffer.cli.clients import operator
    from coffer.identity.audit import Actor

    return Actor(operator())


@customers_app.command("erase")
def erase(
    customer_id: CustomerId,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
    database: Database = None,
) -> None:
    """Erase a customer's personal data (crypto-shredding: its data key is destroyed, for
    good) and close its wallets. Refused while money is held or moving for it."""
    if not yes:
        typer.confirm(f"Erase the personal data of {customer_id} for good?", abort=True)
    with wallets_of(database) as platform:
        actor = _operator()
        customer = platform.privacy.erase(customer_id, actor=actor)
    typer.echo(f"customer {customer.id} erased at {customer.erased_at}")


@customers_app.command("export")
def export(
    customer_id: CustomerId,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (mode 0600)")
    ] = None,
    database: Database = None,
) -> None:
    """Print (or write) everything held about a customer as one JSON document."""
    import os

    with wallets_of(database) as platform:
        actor = _operator()
        document = platform.privacy.export(customer_id, actor=actor)
    text = document.model_dump_json(indent=2)
    if output is None:
        typer.echo(text)
        return
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text + "\n")
    typer.echo(f"export of {customer_id} written to {output}", err=True)


@privacy_app.command("retention")
def retention(
    apply: Annotated[
        bool, typer.Option("--apply", help="Do it (without: only say what would be done)")
    ] = False,
    database: Database = None,
) -> None:
    """Apply the retention periods set (COFFER_RETENTION_*): erase customers whose
    relationship ended long enough ago, delete old events and idempotency records."""
    with wallets_of(database) as platform:
        actor = _operator()
        settings = platform.core.settings
        report = platform.privacy.apply_retention(apply=apply, actor=actor)
    periods = {
        "customers": settings.retention_closed_customer_days,
        "events": settings.retention_events_days,
        "idempotency": settings.retention_idempotency_days,
    }
    for name, days in periods.items():
        typer.echo(f"{name}: " + ("kept (no period set)" if days is None else f"{days} days"))
    verb = "erased" if apply else "to erase"
    typer.echo(f"customers {verb}: {len(report.customers_erased)}")
    for customer_id in report.customers_erased:
        typer.echo(f"  {customer_id}")
    verb = "deleted" if apply else "to delete"
    typer.echo(f"events {verb}: {report.events_deleted}")
    typer.echo(f"idempotency records {verb}: {report.idempotency_keys_deleted}")
    if not apply:
        typer.echo("dry run: add --apply to do it")


@privacy_app.command("upgrade")
def upgrade(database: Database = None) -> None:
    """Re-seal, under each customer's own data key, the personal data written before data
    keys existed (the worker also does it in the background)."""
    with wallets_of(database) as platform:
        report = platform.privacy.upgrade()
    typer.echo(f"customers upgraded: {report.customers_upgraded}")
