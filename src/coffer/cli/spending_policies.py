"""``coffer automations policies ...``: spending policies on wallets (create, list, show,
update, disable, enable, delete, usage, decisions). Every command prints the JSON of what
it made or read (the API's shapes)."""

from __future__ import annotations

from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coffer.cli.automations import _do_on, _read_body, id_command, list_command, update_command
from coffer.cli.options import CustomerFilter, Database, Platform

if TYPE_CHECKING:
    from coffer.automations.policies.schemas import SpendingPolicyUpdate

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


def _policy_update() -> type[SpendingPolicyUpdate]:
    from coffer.automations.policies import schemas as S

    return S.SpendingPolicyUpdate


update_command(
    app,
    "policy_id",
    "JSON: {name?, mode?, rules?}",
    _policy_update,
    lambda a, p, key, body: a.spending_policies.update(p, key, body),
    "New rules or mode make a new version (the usage counted so far stays).",
)


list_command(
    app,
    "list",
    attrgetter("spending_policies.policies"),
    [
        ("wallet_id", Annotated[str | None, typer.Option("--wallet")], None),
        ("customer_id", CustomerFilter, None),
    ],
)


for _name, _action, _doc in (
    ("show", lambda a, p, key: a.spending_policies.policy(p, key), None),
    (
        "disable",
        lambda a, p, key: a.spending_policies.set_status(p, key, "disabled"),
        "No longer check the policy (its usage stays).",
    ),
    ("enable", lambda a, p, key: a.spending_policies.set_status(p, key, "active"), None),
    (
        "delete",
        lambda a, p, key: a.spending_policies.delete(p, key),
        "Delete the policy, its versions and usage (its decisions stay).",
    ),
    (
        "usage",
        lambda a, p, key: a.spending_policies.usage(p, key),
        "What is spent in the policy's current day, week and month windows.",
    ),
):
    id_command(app, _name, "policy_id", _action, _doc)


@app.command("decisions")
def decisions(
    policy_id: str, limit: int = 20, database: Database = None, platform: Platform = ""
) -> None:
    """Refusals and monitored would-be refusals, newest first."""
    _do_on(
        database, platform, lambda a, p: a.spending_policies.decisions(p, policy_id, limit=limit)
    )
