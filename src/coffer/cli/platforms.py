"""``coffer platforms``: tenants (create, list). Every creation is written to the audit
log; API clients join a platform with ``coffer clients create --platform``."""

from __future__ import annotations

from typing import Annotated

import typer

from coffer.cli.clients import opened, operator
from coffer.cli.options import Database, echo_fields

app = typer.Typer(
    help="Platforms (tenants): each owns its clients, customers, wallets and ledgers.",
    no_args_is_help=True,
)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A unique name for the platform")],
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            help="sandbox (test money: sandbox bank, test cards, 3-D Secure test page) or "
            "live (real money: a real card gateway only)",
        ),
    ] = "sandbox",
    database: Database = None,
) -> None:
    """Create a platform and print its id."""
    from coffer.platforms.service import create_platform

    with opened(database) as engine:
        row = create_platform(engine, name, mode, actor=operator())
    echo_fields(platform_id=row.id, name=row.name, mode=row.mode)


@app.command("list")
def list_(database: Database = None) -> None:
    """List the platforms: id, mode, name."""
    from coffer.platforms.service import list_platforms

    with opened(database) as engine:
        rows = list_platforms(engine)
    for row in rows:
        typer.echo(f"{row.id:24}  {row.mode:7}  {row.name}")
