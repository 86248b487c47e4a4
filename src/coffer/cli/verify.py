"""``coffer verify``: recompute the journal, checkpoints and balances from stored rows."""

from __future__ import annotations

from typing import Annotated

import typer

from coffer.cli.options import usage_error


def verify(
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)"),
    ] = None,
    witness: Annotated[
        str | None,
        typer.Option(
            "--witness",
            help="Witness directory whose checkpoints the database's history must extend "
            "(default: COFFER_WITNESS_DIR when it exists; '' for none)",
        ),
    ] = None,
) -> None:
    """Exit 0 when every ledger, the money-state tables and the audit log are intact;
    otherwise name the first mismatch and exit 1 (2: verify could not run).

    Read-only: the database is opened read-only, never migrated, and no key is created;
    checkpoints are checked against the public key from COFFER_SIGNING_PUBLIC_KEY(_FILE)
    (or the signing key's files if they exist)."""
    from pathlib import Path

    from coffer.db.identity import database_id
    from coffer.db.readonly import open_read_only
    from coffer.errors import CofferError
    from coffer.identity.audit import verify_audit_chain
    from coffer.ledger.signing import public_key_from_settings
    from coffer.ledger.verify import verify_database
    from coffer.ledger.witness import DirectoryWitness
    from coffer.settings import get_settings
    from coffer.trust import verify_money_state

    settings = get_settings()
    try:
        public_key = public_key_from_settings(settings)
        directory = settings.witness_dir if witness is None else witness
        chosen = None
        if witness and not Path(witness).expanduser().is_dir():
            raise usage_error(f"the witness directory {witness} does not exist")
        opened = open_read_only(database or settings.database_url)
        try:
            if directory and Path(directory).expanduser().is_dir():
                chosen = DirectoryWitness.for_reading(directory, database_id(opened.engine))
            connection = opened.raw_connection()
            try:
                report = verify_database(connection, opened.backend, public_key, witness=chosen)
            finally:
                connection.close()
            money = verify_money_state(opened.engine) if report.ok else None
            audit = verify_audit_chain(opened.engine, witness=chosen, public_key=public_key)
        finally:
            opened.close()
    except CofferError as error:
        raise usage_error(error.message) from None
    typer.echo(str(report))
    if money is not None:
        typer.echo(str(money))
    typer.echo(str(audit))
    if chosen is None:
        typer.echo("no witness: a consistent rewrite of the database cannot be told", err=True)
    typer.echo(
        f"{report.entries} journal entries verified in {report.elapsed_seconds:.3f}s",
        err=True,
    )
    ok = report.ok and audit.ok and (money is None or money.ok)
    raise typer.Exit(0 if ok else 1)
