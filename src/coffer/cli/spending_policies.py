"""``coffer automations policies ...``: spending policies on wallets (create, list, show,
update, disable, enable, delete, usage, decisions). Every command prints the JSON of what
it made or read (the API's shapes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coffer.cli.automations import Platform, _do_on, _read_body
from coffer.cli.options import Database

app = typer.Typer(help="Spending policies on wallets.", no_args_is_help=True)


@app.command("create")
def create(
    file: Annotated[
        Path,
        typer.Argument(help="JSON: {name, wallet_id | customer_id, mode?, rules}"),
    ],
    database: Database = None,
    platform: Platform = "",
) -> None:
    """Create a policy from a JSON file (the API's request body)."""
    from coffer.automations.policies import schemas as S

    body = _read_body(file, S.SpendingPolicyCreate)
    _do_on(database, platform, lambda a, p: a.spending_policies.create(p, body))


@app.command("update")
def update(
    policy_id: str,
    file: Annotated[Path, typer.Argument(help="JSON: {name?, mode?, rules?}")],
    database: Database = None,
    platform: Platform = "",
) -> None:
    """New rules or mode make a new version (the usage counted so far stays)."""
    from coffer.automations.policies import schemas as S

    body = _read_body(file, S.SpendingPolicyUpdate)
    _do_on(database, platform, lambda a, p: a.spending_policies.update(p, policy_id, body))


@app.command("list")
def list_policies(
    wallet_id: Annotated[str | None, typer.Option("--wallet")] = None,
    customer_id: Annotated[str | None, typer.Option("--customer")] = None,
    limit: int = 20,
    database: Database = None,
    platform: Platform = "",
) -> None:
    _do_on(
        database,
        platform,
        lambda a, p: a.spending_policies.policies(
            p,
            wallet_id=wallet_id,
            customer_id=customer_id,
            limit=limit,
        ),
    )


@app.command("show")
def show(policy_id: str, database: Database = None, platform: Platform = "") -> None:
    _do_on(database, platform, lambda a, p: a.spending_policies.policy(p, policy_id))


@app.command("disable")
def disable(policy_id: str, database: Database = None, platform: Platform = "") -> None:
    """No longer check the policy (its usage stays)."""
    _do_on(
        database, platform, lambda a, p: a.spending_policies.set_status(p, policy_id, "disabled")
    )


@app.command("enable")
def enable(policy_id: str, database: Database = None, platform: Platform = "") -> None:
    _do_on(database, platform, lambda a, p: a.spending_policies.set_status(p, policy_id, "active"))


@app.command("delete")
def delete(policy_id: str, database: Database = None, platform: Platform = "") -> None:
    """Delete the policy, its versions and usage (its decisions stay)."""
    _do_on(database, platform, lambda a, p: a.spending_policies.delete(p, policy_id))


@app.command("usage")
def usage(policy_id: str, database: Database = None, platform: Platform = "") -> None:
    """What is spent in the policy's current day, week and month windows."""
    _do_on(database, platform, lambda a, p: a.spending_policies.usage(p, policy_id))


@app.command("decisions")
def decisions(
    policy_id: str, limit: int = 20, database: Database = None, platform: Platform = ""
) -> None:
    """Refusals and monitored would-be refusals, newest first."""
    _do_on(
        database, platform, lambda a, p: a.spending_policies.decisions(p, policy_id, limit=limit)
    )
