"""``coffer keys``: the keys Coffer keeps outside the database."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Keys kept outside the database.", no_args_is_help=True)
# rotate-jwt: the token signing key; rotate: the master key of personal data


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


@app.command("rotate")
def rotate(
    drop_old: Annotated[
        bool,
        typer.Option(
            "--drop-old",
            help="Remove the retired master keys from the key file once nothing is sealed "
            "by them (backups made before then need them to be read)",
        ),
    ] = False,
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)"),
    ] = None,
) -> None:
    """Rotate the master key of personal data (COFFER_PII_KEY_FILE): make a new key and
    re-wrap every customer's data key (and re-seal webhook secrets and stored answers)
    under it. Data stays readable; running servers follow within a second."""
    from coffer.cli.clients import operator
    from coffer.cli.privacy import wallets_of
    from coffer.identity.audit import Actor
    from coffer.wallets.privacy.rotation import rotate as rotate_master_key

    with wallets_of(database) as platform:
        if not platform.core.settings.keys_in_file and len(platform.core.cipher.key_ids) == 1:
            typer.echo(
                "error: COFFER_PII_KEY is set, so the key is not Coffer's to change: put the "
                "new key in COFFER_PII_KEY with a new COFFER_PII_KEY_ID, the old one in "
                "COFFER_PII_OLD_KEYS, and run this again to re-seal everything under it",
                err=True,
            )
            raise typer.Exit(2)
        report = rotate_master_key(platform.privacy, actor=Actor(operator()), drop_old=drop_old)
    typer.echo(f"current master key: {report.key_id}")
    typer.echo(f"customer data keys re-wrapped: {report.customer_keys_rewrapped}")
    typer.echo(f"other values re-sealed: {report.values_reencrypted}")
    typer.echo(f"customers upgraded to data keys: {report.customers_upgraded}")
    if report.retired_key_ids:
        typer.echo(
            f"retired keys kept in the key file: {', '.join(report.retired_key_ids)} "
            "(run again with --drop-old to remove them)"
        )
