"""``coffer audit``: read the audit log, newest first."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def audit(
    action: Annotated[
        str | None,
        typer.Option("--action", help="Only this action (or a prefix ending in *: client.*)"),
    ] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this actor")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Most entries shown")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)"),
    ] = None,
) -> None:
    """Print audit log entries: seq, time, actor, action, target, address, details."""
    from coffer.cli.clients import opened
    from coffer.identity.audit import list_entries

    with opened(database) as engine:
        entries = list_entries(engine, action=action, actor=actor, limit=limit)
    for entry in entries:
        if as_json:
            typer.echo(json.dumps(entry.to_json(), ensure_ascii=False))
            continue
        when = entry.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        details = json.dumps(entry.details, ensure_ascii=False) if entry.details else ""
        typer.echo(
            f"{entry.seq:>6}  {when}  {entry.actor:24}  {entry.action:22}  "
            f"{entry.target or '-':28}  {entry.address or '-':15}  {details}"
        )
