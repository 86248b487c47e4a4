"""``coffer keys``: the keys Coffer keeps outside the database."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Keys kept outside the database.", no_args_is_help=True)


@app.command("rotate-jwt")
def rotate_jwt(
    database: Annotated[
        str | None,
        typer.Option(
            "--database", help="Database URL, for the audit log (default: COFFER_DATABASE_URL)"
        ),
    ] = None,
) -> None:
    """Make a new token signing key in COFFER_JWT_KEY_FILE. Tokens signed by the old key
    keep working until they expire; running servers sign with the new key within a second."""
    from coffer.api.jwt_keys import Keyring, adopt_stored_secret, rotate
    from coffer.api.settings import ApiSettings
    from coffer.cli.clients import opened, operator
    from coffer.errors import CofferError
    from coffer.identity.audit import record_now

    settings = ApiSettings()
    with opened(database) as engine:
        try:
            keyring = Keyring.from_settings(settings.jwt_secret, settings.jwt_key_file)
            adopt_stored_secret(engine, keyring)
            key, dropped = rotate(keyring)
        except CofferError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(2) from None
        record_now(
            engine,
            actor=operator(),
            action="keys.jwt_rotated",
            target=key.kid,
            details={"dropped": dropped, "file": str(keyring.path)},
        )
    typer.echo(f"new signing key {key.kid} in {keyring.path}")
    if dropped:
        typer.echo(f"dropped expired keys: {', '.join(dropped)}")
