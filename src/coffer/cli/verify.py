"""``coffer verify``: recompute the journal, checkpoints and balances from stored rows."""

from __future__ import annotations

from typing import Annotated

import typer


def verify(
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)"),
    ] = None,
) -> None:
    """Exit 0 when every ledger and the audit log are intact; otherwise name the first
    mismatch and exit 1."""
    import coffer
    from coffer.identity.audit import verify_audit_chain

    with coffer.open(database) as c:
        report = c.verify()
        audit = verify_audit_chain(c.engine)
    typer.echo(str(report))
    typer.echo(str(audit))
    typer.echo(
        f"{report.entries} journal entries verified in {report.elapsed_seconds:.3f}s",
        err=True,
    )
    raise typer.Exit(0 if report.ok and audit.ok else 1)
