"""``coffer clients``: OAuth2 clients of the HTTP API (create, list, disable, enable,
rotate-secret, delete). Every change is written to the audit log."""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from coffer.cli.options import Database, echo_fields, usage_error

if TYPE_CHECKING:
    import sqlalchemy as sa

app = typer.Typer(help="API clients (OAuth2 client credentials).", no_args_is_help=True)

ClientId = Annotated[str, typer.Argument(help="The client id (cl_...)")]


def operator() -> str:
    """The actor the audit log names for commands run from this shell."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@contextlib.contextmanager
def opened(database: str | None) -> Iterator[sa.Engine]:
    """The database's engine; a CofferError ends the command with its message (exit 2)."""
    import coffer
    from coffer.errors import CofferError
    from coffer.settings import Settings

    try:
        # fresh settings: read COFFER_* now, not a copy cached earlier in this process
        with coffer.open(database, settings=Settings()) as instance:
            yield instance.engine
    except CofferError as error:
        raise usage_error(error.message) from None


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A name to recognise the client by")],
    scopes: Annotated[
        str,
        typer.Option(
            "--scopes",
            help="Comma-separated, of: ledger:read (ledger GETs), ledger:write (ledger "
            "writes), ledger:force (force and overdraft grants), ledger:admin (writes to "
            "system ledgers, such as the wallets ledger), wallets:read (wallets API GETs), wallets:write (wallets API POSTs), "
            "assistant:read, assistant:write (the assistant API), admin (the audit log)",
        ),
    ] = "ledger:read,ledger:write",
    shell: Annotated[
        bool,
        typer.Option(
            "--shell",
            help='Print export lines for a shell: eval "$(coffer clients create NAME --shell)"',
        ),
    ] = False,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform",
            help="The platform (id or name) the client belongs to; default: the default "
            "platform (plat_default)",
        ),
    ] = None,
    database: Database = None,
) -> None:
    """Create a client and print its id and secret (the secret is shown only once)."""
    from coffer.api.clients import create_client, parse_scopes
    from coffer.platforms import DEFAULT_PLATFORM_ID
    from coffer.platforms.service import resolve_platform

    with opened(database) as engine:
        platform_id = (
            DEFAULT_PLATFORM_ID if platform is None else resolve_platform(engine, platform).id
        )
        credentials = create_client(
            engine, name, parse_scopes(scopes), actor=operator(), platform_id=platform_id
        )
    if shell:
        typer.echo(f"export COFFER_CLIENT_ID={credentials.client_id}")
        typer.echo(f"export COFFER_CLIENT_SECRET={credentials.client_secret}")
        return
    echo_fields(
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        scopes=" ".join(credentials.scopes),
        platform_id=credentials.platform_id,
    )


@app.command("list")
def list_(database: Database = None) -> None:
    """List the clients: id, platform, state, scopes, name."""
    from coffer.api.clients import list_clients

    with opened(database) as engine:
        rows = list_clients(engine)
    for row in rows:
        status = "disabled" if row.disabled else "enabled"
        scopes = " ".join(row.scopes)
        typer.echo(f"{row.id}  {row.platform_id:21}  {status:8}  {scopes:50}  {row.name}")


def _switch_command(name: str, disabled: bool, doc: str) -> None:
    """Register ``coffer clients disable|enable CLIENT_ID``."""

    def command(client_id: ClientId, database: Database = None) -> None:
        from coffer.api.clients import set_disabled

        with opened(database) as engine:
            set_disabled(engine, client_id, disabled, actor=operator())
        typer.echo(f"{name}d {client_id}")

    command.__doc__ = doc
    app.command(name)(command)


_switch_command(
    "disable", True, "Disable a client: it gets no new token and its tokens stop working."
)
_switch_command("enable", False, "Enable a disabled client again.")


@app.command("rotate-secret")
def rotate_secret(client_id: ClientId, database: Database = None) -> None:
    """Give a client a new secret (printed once); its old secret and tokens stop working."""
    from coffer.api.clients import rotate_secret as rotate

    with opened(database) as engine:
        credentials = rotate(engine, client_id, actor=operator())
    echo_fields(client_id=credentials.client_id, client_secret=credentials.client_secret)


@app.command("delete")
def delete(client_id: ClientId, database: Database = None) -> None:
    """Delete a client for good: its tokens stop working."""
    from coffer.api.clients import delete_client

    with opened(database) as engine:
        delete_client(engine, client_id, actor=operator())
    typer.echo(f"deleted {client_id}")
