"""``coffer automations ...``: create, list, show, pause, resume, archive and run
automations; list, show, cancel and retry runs; decide approvals. Every command prints the
JSON of what it made or read (the API's shapes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from coffer.cli.options import Database as Database
from coffer.cli.options import run_on_domain, usage_error, wallets_domain

app = typer.Typer(help="Automations: schedules, triggers and workflows.", no_args_is_help=True)
runs_app = typer.Typer(help="Runs: list, show, cancel, retry.", no_args_is_help=True)
approvals_app = typer.Typer(help="Approvals: list and decide.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(approvals_app, name="approvals")

Platform = Annotated[str, typer.Option("--platform", help="The platform's id")]
BodyT = TypeVar("BodyT", bound=BaseModel)

if TYPE_CHECKING:  # the domain is imported when a command runs, not at CLI start
    from coffer.automations import AutomationsPlatform
    from coffer.wallets import WalletPlatform


def _open(wallets: WalletPlatform) -> AutomationsPlatform:
    from coffer.automations import open_automations

    return open_automations(wallets)


def _automations(database: str | None) -> AbstractContextManager[AutomationsPlatform]:
    return wallets_domain(database, _open)


def _do(
    database: str | None, action: Callable[[AutomationsPlatform], BaseModel | list[Any]]
) -> None:
    """Run ``action`` on the domain; print the JSON of its result, or the error and exit 1."""
    result = run_on_domain(database, _open, action)
    if isinstance(result, list):
        typer.echo(json.dumps([item.model_dump(mode="json") for item in result], indent=2))
    else:
        typer.echo(result.model_dump_json(indent=2))


def _do_on(
    database: str | None,
    platform: str,
    action: Callable[[AutomationsPlatform, str], BaseModel | list[Any]],
) -> None:
    """:func:`_do` for the platform ``platform`` (the default one when it is empty):
    ``action`` gets the domain and the platform's id."""
    owner = platform or _default_platform()
    _do(database, lambda automations: action(automations, owner))


def _default_platform() -> str:
    from coffer.platforms import DEFAULT_PLATFORM_ID

    return DEFAULT_PLATFORM_ID


def _read_body(path: Path, model: type[BodyT]) -> BodyT:
    """The request body in the JSON file ``path``, as ``model`` (exit 2 when the file
    cannot be read or holds no JSON object)."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise usage_error(f"cannot read {path}: {error}") from error
    if not isinstance(document, dict):
        raise usage_error(f"{path} must hold a JSON object")
    return model.model_validate(document)


@app.command("create")
def create(
    file: Annotated[
        Path, typer.Argument(help="JSON: {name, definition, owner_customer_id?, consent?}")
    ],
    database: Database = None,
    platform: Platform = "",
) -> None:
    """Create an automation from a JSON file (the API's request body). Prints its secret once."""
    from coffer.automations import schemas as S

    body = _read_body(file, S.AutomationCreate)
    _do_on(database, platform, lambda a, p: a.create(p, body))


@app.command("update")
def update(
    automation_id: str,
    file: Annotated[Path, typer.Argument(help="JSON: {name?, definition?, consent?}")],
    database: Database = None,
    platform: Platform = "",
) -> None:
    """Edit an automation: a new definition becomes a new version."""
    from coffer.automations import schemas as S

    body = _read_body(file, S.AutomationUpdate)
    _do_on(database, platform, lambda a, p: a.update(p, automation_id, body))


@app.command("list")
def list_automations(
    status: Annotated[str | None, typer.Option(help="active, paused or archived")] = None,
    limit: int = 20,
    database: Database = None,
    platform: Platform = "",
) -> None:
    _do_on(database, platform, lambda a, p: a.automations(p, status=status, limit=limit))


@app.command("show")
def show(automation_id: str, database: Database = None, platform: Platform = "") -> None:
    _do_on(database, platform, lambda a, p: a.automation(p, automation_id))


@app.command("versions")
def versions(automation_id: str, database: Database = None, platform: Platform = "") -> None:
    _do_on(database, platform, lambda a, p: a.versions(p, automation_id))


def _status_command(name: str, status: str) -> None:
    def command(automation_id: str, database: Database = None, platform: Platform = "") -> None:
        _do_on(database, platform, lambda a, p: a.set_status(p, automation_id, status))

    command.__doc__ = f"{name.capitalize()} an automation."
    app.command(name)(command)


for _name, _status in (("pause", "paused"), ("resume", "active"), ("archive", "archived")):
    _status_command(_name, _status)


@app.command("run")
def run(
    automation_id: str,
    inputs: Annotated[str, typer.Option("--inputs", help="JSON object of inputs")] = "{}",
    idempotency_key: Annotated[str | None, typer.Option("--idempotency-key")] = None,
    database: Database = None,
    platform: Platform = "",
) -> None:
    """Start a run now (a worker executes it: coffer worker, or coffer serve)."""
    try:
        values = json.loads(inputs)
    except ValueError as error:
        raise usage_error(f"--inputs is not JSON: {error}") from error
    _do_on(
        database,
        platform,
        lambda a, p: a.start_run(p, automation_id, values, idempotency_key=idempotency_key),
    )


@runs_app.command("list")
def runs_list(
    automation_id: Annotated[str | None, typer.Option("--automation")] = None,
    status: Annotated[str | None, typer.Option()] = None,
    customer_id: Annotated[str | None, typer.Option("--customer")] = None,
    limit: int = 20,
    database: Database = None,
    platform: Platform = "",
) -> None:
    _do_on(
        database,
        platform,
        lambda a, p: a.runs(
            p,
            automation_id=automation_id,
            status=status,
            customer_id=customer_id,
            limit=limit,
        ),
    )


@runs_app.command("show")
def runs_show(run_id: str, database: Database = None, platform: Platform = "") -> None:
    """A run with its step history."""
    _do_on(database, platform, lambda a, p: a.run(p, run_id))


@runs_app.command("cancel")
def runs_cancel(run_id: str, database: Database = None, platform: Platform = "") -> None:
    _do_on(database, platform, lambda a, p: a.cancel_run(p, run_id))


@runs_app.command("retry")
def runs_retry(run_id: str, database: Database = None, platform: Platform = "") -> None:
    """Run a failed run again from its failed step."""
    _do_on(database, platform, lambda a, p: a.retry_run(p, run_id))


@approvals_app.command("list")
def approvals_list(
    status: Annotated[str | None, typer.Option()] = "pending",
    database: Database = None,
    platform: Platform = "",
) -> None:
    _do_on(database, platform, lambda a, p: a.approvals(p, status=status))


@approvals_app.command("decide")
def approvals_decide(
    approval_id: str,
    approver: Annotated[str, typer.Option("--approver", help="Who decides")],
    reject: Annotated[bool, typer.Option("--reject", help="Reject (default: approve)")] = False,
    note: Annotated[str | None, typer.Option()] = None,
    database: Database = None,
    platform: Platform = "",
) -> None:
    from coffer.automations import schemas as S

    decision = S.ApprovalDecision(approve=not reject, approver=approver, note=note)
    _do_on(database, platform, lambda a, p: a.decide(p, approval_id, decision))
