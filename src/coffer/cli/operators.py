"""``coffer operators``: the console's operators (create, list, set-role, disable,
enable, reset-password, revoke-sessions). Every change is written to the audit log."""

from __future__ import annotations

from typing import Annotated

import typer

from coffer.cli.clients import opened
from coffer.cli.clients import operator as shell_actor
from coffer.cli.options import Database, echo_fields

app = typer.Typer(help="Operators of the web console (a platform's staff).", no_args_is_help=True)

Platform = Annotated[
    str,
    typer.Option("--platform", help="Platform id or name (default: the default platform)"),
]


def _platform_id(engine: object, value: str) -> str:
    from coffer.web.console.repository import platform_row

    row = platform_row(engine, value)  # type: ignore[arg-type]
    if row is None:
        typer.echo(f"error: no platform {value!r} (see coffer platforms list)", err=True)
        raise typer.Exit(2)
    return row[0]


@app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="The operator's email (their sign-in name)")],
    role: Annotated[
        str, typer.Option("--role", help="admin, analyst, support or viewer")
    ] = "viewer",
    platform: Platform = "plat_default",
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input (default: generate one and print it)",
        ),
    ] = False,
    database: Database = None,
) -> None:
    """Create an operator; prints the password once (generated unless --password-stdin).
    Admins and analysts set up TOTP at their first sign-in."""
    import sys

    from coffer.errors import CofferError
    from coffer.identity.operators.service import create_operator
    from coffer.web.settings import WebSettings

    settings = WebSettings()
    chosen = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with opened(database) as engine:
        platform_id = _platform_id(engine, platform)
        try:
            with engine.begin() as connection:
                operator, password = create_operator(
                    connection,
                    email=email,
                    role=role,
                    platform_id=platform_id,
                    password=chosen,
                    min_length=settings.password_min_length,
                    min_score=settings.password_min_score,
                    actor=shell_actor(),
                )
        except CofferError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(2) from None
    echo_fields(
        operator_id=operator.id,
        email=operator.email,
        role=operator.role,
        platform=operator.platform_id,
    )
    if chosen is None:
        typer.echo(f"password: {password}  (shown only once)")
    if operator.mfa_required:
        typer.echo("TOTP: required for this role; set up at the first sign-in")


@app.command("list")
def list_(platform: Platform = "plat_default", database: Database = None) -> None:
    """The platform's operators."""
    from coffer.identity.operators.service import list_operators

    with opened(database) as engine:
        platform_id = _platform_id(engine, platform)
        with engine.connect() as connection:
            rows = list_operators(connection, platform_id)
    for row in rows:
        typer.echo(f"{row.id}\t{row.email}\t{row.role}\t{row.status}")


def _change(platform: str, database: str | None, operator_id: str, **change: str) -> None:
    from coffer.errors import CofferError
    from coffer.identity.operators import service
    from coffer.web.sessions import Sessions
    from coffer.web.settings import WebSettings

    with opened(database) as engine:
        platform_id = _platform_id(engine, platform)
        try:
            with engine.begin() as connection:
                if "role" in change:
                    service.set_role(
                        connection, platform_id, operator_id, change["role"], actor=shell_actor()
                    )
                if "status" in change:
                    service.set_status(
                        connection, platform_id, operator_id, change["status"], actor=shell_actor()
                    )
                if change.get("status") == "disabled" or "revoke" in change:
                    service.get_operator(connection, platform_id, operator_id)
                    Sessions(engine, WebSettings()).revoke_all(connection, operator_id)
        except CofferError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"{operator_id}: done")


@app.command("set-role")
def set_role(
    operator_id: Annotated[str, typer.Argument(help="op_...")],
    role: Annotated[str, typer.Argument(help="admin, analyst, support or viewer")],
    platform: Platform = "plat_default",
    database: Database = None,
) -> None:
    """Change an operator's role."""
    _change(platform, database, operator_id, role=role)


@app.command("disable")
def disable(
    operator_id: Annotated[str, typer.Argument(help="op_...")],
    platform: Platform = "plat_default",
    database: Database = None,
) -> None:
    """Disable an operator and end their sessions."""
    _change(platform, database, operator_id, status="disabled")


@app.command("enable")
def enable(
    operator_id: Annotated[str, typer.Argument(help="op_...")],
    platform: Platform = "plat_default",
    database: Database = None,
) -> None:
    """Enable a disabled operator."""
    _change(platform, database, operator_id, status="active")


@app.command("revoke-sessions")
def revoke_sessions(
    operator_id: Annotated[str, typer.Argument(help="op_...")],
    platform: Platform = "plat_default",
    database: Database = None,
) -> None:
    """Sign an operator out everywhere."""
    _change(platform, database, operator_id, revoke="yes")
