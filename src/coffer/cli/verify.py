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
    """Exit 0 when every ledger is intact; otherwise name the first mismatch and exit 1."""
    import coffer

    with coffer.open(database) as c:
        report = c.verify()
    typer.echo(str(report))
    typer.echo(
        f"{report.entries} journal entries verified in {report.elapsed_seconds:.3f}s",
        err=True,
    )
    raise typer.Exit(0 if report.ok else 1)
