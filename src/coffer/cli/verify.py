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
    from coffer.cli.clients import operator
    from coffer.identity.audit import record_now, verify_audit_chain

    with coffer.open(database) as c:
        report = c.verify()
        audit = verify_audit_chain(c.engine)
        # the console's overview shows the last verification and its outcome
        record_now(
            c.engine,
            actor=operator(),
            action="ledger.verified",
            details={
                "ok": bool(report.ok and audit.ok),
                "entries": report.entries,
                "report": str(report)[:500],
                "audit": str(audit)[:300],
                "seconds": round(report.elapsed_seconds, 3),
            },
        )
    typer.echo(str(report))
    typer.echo(str(audit))
    typer.echo(
        f"{report.entries} journal entries verified in {report.elapsed_seconds:.3f}s",
        err=True,
    )
    raise typer.Exit(0 if report.ok and audit.ok else 1)
