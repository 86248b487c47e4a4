"""``coffer automations ...``: create, list, show, pause, resume, archive and run
automations; list, show, cancel and retry runs; decide approvals. Every command prints the
JSON of what it made or read (the API's shapes)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from coffer.cli.options import (
    CustomerFilter,
    Platform,
    StatusFilter,
    run_on_domain,
    usage_error,
    wallets_domain,
)
from coffer.cli.options import Database as Database

app = typer.Typer(help="Automations: schedules, triggers and workflows.", no_args_is_help=True)
runs_app = typer.Typer(help="Runs: list, show, cancel, retry.", no_args_is_help=True)
approvals_app = typer.Typer(help="Approvals: list and decide.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(approvals_app, name="approvals")

BodyT = TypeVar("BodyT", bound=BaseModel)

if TYPE_CHECKING:  # the domain is imported when a command runs, not at CLI start
    from coffer.automations import AutomationsPlatform
    from coffer.automations.schemas import AutomationUpdate
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


def _command(
    group: typer.Typer,
    name: str,
    first: list[tuple[str, Any]] | list[tuple[str, Any, Any]],
    command: Callable[..., None],
    doc: str | None,
) -> None:
    """Register ``command`` (which takes ``**values``) as ``name`` on ``group``, with the
    parameters ``first`` (names, annotated types and, for options, defaults) before its
    own parameters."""
    signature = inspect.signature(command, eval_str=True)
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [
        inspect.Parameter(
            arg, kind, annotation=annotation, default=rest[0] if rest else inspect.Parameter.empty
        )
        for arg, annotation, *rest in first
    ]
    params += [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    command.__doc__ = doc
    group.command(name)(command)


def id_command(
    group: typer.Typer,
    name: str,
    id_name: str,
    action: Callable[[AutomationsPlatform, str, str], BaseModel | list[Any]],
    doc: str | None = None,
) -> None:
    """Register the command ``name`` on ``group``: one argument, the id ``id_name``, with
    ``--database`` and ``--platform``; it prints the JSON of ``action(domain, platform's
    id, the id)`` (see :func:`_do_on`). ``doc`` is its help."""

    def command(database: Database = None, platform: Platform = "", **values: str) -> None:
        key = values[id_name]
        _do_on(database, platform, lambda domain, owner: action(domain, owner, key))

    _command(group, name, [(id_name, str)], command, doc)


def list_command(
    group: typer.Typer,
    name: str,
    lister: Callable[[AutomationsPlatform], Callable[..., BaseModel]],
    filters: list[tuple[str, Any, Any]],
) -> None:
    """Register ``name`` on ``group``: the options ``filters`` (names, annotated types and
    defaults), then ``--limit`` (20), ``--database`` and ``--platform``; it prints the JSON of
    ``lister(domain)(platform's id, **filters, limit=limit)``."""

    def command(
        limit: int = 20, database: Database = None, platform: Platform = "", **values: Any
    ) -> None:
        _do_on(
            database, platform, lambda domain, owner: lister(domain)(owner, **values, limit=limit)
        )

    _command(group, name, filters, command, None)


def update_command(
    group: typer.Typer,
    id_name: str,
    file_help: str,
    model: Callable[[], type[BodyT]],
    action: Callable[[AutomationsPlatform, str, str, BodyT], BaseModel],
    doc: str,
) -> None:
    """Register ``update`` on ``group``: the id ``id_name`` and a JSON file (the body, as
    ``model()``; ``file_help`` says its fields), with ``--database`` and ``--platform``;
    it prints the JSON of ``action(domain, platform's id, the id, body)``."""

    def command(database: Database = None, platform: Platform = "", **values: Any) -> None:
        key, body = values[id_name], _read_body(values["file"], model())
        _do_on(database, platform, lambda domain, owner: action(domain, owner, key, body))

    file_param = Annotated[Path, typer.Argument(help=file_help)]
    _command(group, "update", [(id_name, str), ("file", file_param)], command, doc)


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


def _automation_update() -> type[AutomationUpdate]:
    from coffer.automations import schemas as S

    return S.AutomationUpdate


update_command(
    app,
    "automation_id",
    "JSON: {name?, definition?, consent?}",
    _automation_update,
    lambda a, p, key, body: a.update(p, key, body),
    "Edit an automation: a new definition becomes a new version.",
)


list_command(
    app,
    "list",
    attrgetter("automations"),
    [("status", Annotated[str | None, typer.Option(help="active, paused or archived")], None)],
)


for _name, _action in (
    ("show", lambda a, p, key: a.automation(p, key)),
    ("versions", lambda a, p, key: a.versions(p, key)),
):
    id_command(app, _name, "automation_id", _action)


def _set_status(status: str) -> Callable[[AutomationsPlatform, str, str], BaseModel]:
    return lambda a, p, key: a.set_status(p, key, status)


for _name, _status in (("pause", "paused"), ("resume", "active"), ("archive", "archived")):
    id_command(
        app, _name, "automation_id", _set_status(_status), f"{_name.capitalize()} an automation."
    )


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


list_command(
    runs_app,
    "list",
    attrgetter("runs"),
    [
        ("automation_id", Annotated[str | None, typer.Option("--automation")], None),
        ("status", StatusFilter, None),
        ("customer_id", CustomerFilter, None),
    ],
)


id_command(
    runs_app, "show", "run_id", lambda a, p, key: a.run(p, key), "A run with its step history."
)
id_command(runs_app, "cancel", "run_id", lambda a, p, key: a.cancel_run(p, key))
id_command(
    runs_app,
    "retry",
    "run_id",
    lambda a, p, key: a.retry_run(p, key),
    "Run a failed run again from its failed step.",
)


@approvals_app.command("list")
def approvals_list(
    status: StatusFilter = "pending",
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
