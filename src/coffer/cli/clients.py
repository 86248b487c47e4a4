"""``coffer clients``: OAuth2 clients of the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="API clients (OAuth2 client credentials).", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A name to recognise the client by")],
    scopes: Annotated[
        str,
        typer.Option(
            "--scopes",
            help="Comma-separated, of: ledger:read (ledger GETs), ledger:write (ledger "
            "writes), wallets:read (wallets API GETs), wallets:write (wallets API POSTs)",
        ),
    ] = "ledger:read,ledger:write",
    shell: Annotated[
        bool,
        typer.Option(
            "--shell",
            help='Print export lines for a shell: eval "$(coffer clients create NAME --shell)"',
        ),
    ] = False,
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)"),
    ] = None,
) -> None:
    """Create a client and print its id and secret (the secret is shown only once)."""
    import coffer
    from coffer.api.auth import create_client, parse_scopes
    from coffer.errors import CofferError
    from coffer.settings import Settings

    try:
        wanted = parse_scopes(scopes)
        # fresh settings: read COFFER_* now, not a copy cached earlier in this process
        with coffer.open(database, settings=Settings()) as instance:
            credentials = create_client(instance.engine, name, wanted)
    except CofferError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    if shell:
        typer.echo(f"export COFFER_CLIENT_ID={credentials.client_id}")
        typer.echo(f"export COFFER_CLIENT_SECRET={credentials.client_secret}")
        return
    typer.echo(f"client_id: {credentials.client_id}")
    typer.echo(f"client_secret: {credentials.client_secret}")
    typer.echo(f"scopes: {' '.join(credentials.scopes)}")
