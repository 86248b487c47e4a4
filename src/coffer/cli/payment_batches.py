"""``coffer automations batches ...``: payment batches (payroll and supplier payments):
create or validate from a JSON or CSV file, list, show, lines, approve, reject, cancel,
the pain.001 file, and the platform's limits. Every command prints the API's JSON (the
pain.001 command the XML)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from coffer.cli.automations import _automations, _default_platform, _do, _do_on, id_command
from coffer.cli.options import Database, Platform, usage_error

if TYPE_CHECKING:
    from pydantic import BaseModel

    from coffer.automations.payroll.service import PaymentBatches

app = typer.Typer(help="Payment batches: payroll and supplier payments.", no_args_is_help=True)

Maker = Annotated[str, typer.Option("--maker", help="Who creates the batch (the maker)")]
Approver = Annotated[str, typer.Option("--approver", help="Who decides (not the maker)")]
IdempotencyKey = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key", help="Run again with the same key: the first answer, no new batch"
    ),
]


def _on_batches(
    database: str | None,
    platform: str,
    action: Callable[[PaymentBatches, str], BaseModel | list[Any]],
) -> None:
    """Run ``action`` on the payment batches of ``platform`` (the default one when empty)
    and print the JSON of its result (see :func:`coffer.cli.automations._do_on`)."""
    _do_on(
        database, platform, lambda automations, owner: action(automations.payment_batches, owner)
    )


def _body(file: Path, options: dict[str, Any], validate_only: bool) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise usage_error(f"cannot read {file}: {error}") from error
    if file.suffix.lower() == ".csv":
        body = {key: value for key, value in options.items() if value is not None}
        body["csv"] = text
    else:
        try:
            body = json.loads(text)
        except ValueError as error:
            raise usage_error(f"{file} is not JSON: {error}") from error
        if not isinstance(body, dict):
            raise usage_error(f"{file} must hold a JSON object")
        body.update({key: value for key, value in options.items() if value is not None})
    body["validate_only"] = validate_only
    return body


def _create(
    file: Path,
    options: dict[str, Any],
    validate_only: bool,
    maker: str,
    database: str | None,
    platform: str,
    idempotency_key: str | None = None,
) -> None:
    from pydantic import ValidationError

    from coffer.automations.payroll import schemas as S

    try:
        request = S.BatchCreate.model_validate(_body(file, options, validate_only))
    except ValidationError as error:
        raise usage_error(str(error)) from error
    _on_batches(
        database,
        platform,
        lambda b, p: b.create(p, request, maker=maker, idempotency_key=idempotency_key),
    )


def _options(
    source_wallet: str | None,
    currency: str | None,
    name: str | None,
    approvals: int | None,
    funding_policy: str | None,
    execute_on: str | None,
    calendar: str | None,
    convention: str,
) -> dict[str, Any]:
    options: dict[str, Any] = {
        "source_wallet_id": source_wallet,
        "currency": currency,
        "name": name,
        "approvals": approvals,
        "funding_policy": funding_policy,
        "execute_on": None if execute_on is None else date.fromisoformat(execute_on).isoformat(),
    }
    if calendar:
        options["business_days"] = {"country": calendar, "convention": convention}
    return options


SourceWallet = Annotated[str | None, typer.Option("--source-wallet", help="Wallet paying")]
Currency = Annotated[str | None, typer.Option("--currency")]
Name = Annotated[str | None, typer.Option("--name")]
Approvals = Annotated[int | None, typer.Option("--approvals", help="Approvers needed")]
Funding = Annotated[str | None, typer.Option("--funding-policy", help="wait or partial")]
ExecuteOn = Annotated[str | None, typer.Option("--execute-on", help="YYYY-MM-DD")]
Calendar = Annotated[str | None, typer.Option("--calendar", help="Holidays: FR, TARGET, ...")]
Convention = Annotated[str, typer.Option("--convention", help="following, preceding, ...")]
FileArgument = Annotated[Path, typer.Argument(help="JSON (the API's body) or CSV (lines)")]


@app.command("create")
def create(
    file: FileArgument,
    source_wallet: SourceWallet = None,
    currency: Currency = None,
    name: Name = None,
    approvals: Approvals = None,
    funding_policy: Funding = None,
    execute_on: ExecuteOn = None,
    calendar: Calendar = None,
    convention: Convention = "following",
    maker: Maker = "cli",
    idempotency_key: IdempotencyKey = None,
    database: Database = None,
    platform: Platform = "",
) -> None:
    """Create a batch (pending approval); options override the JSON file's."""
    options = _options(
        source_wallet, currency, name, approvals, funding_policy, execute_on, calendar, convention
    )
    _create(file, options, False, maker, database, platform, idempotency_key)


@app.command("validate")
def validate(
    file: FileArgument,
    source_wallet: SourceWallet = None,
    currency: Currency = None,
    database: Database = None,
    platform: Platform = "",
) -> None:
    """The line-by-line report of a batch, without storing anything."""
    options = _options(source_wallet, currency, None, None, None, None, None, "following")
    _create(file, options, True, "cli", database, platform)


@app.command("list")
def list_batches(
    status: Annotated[str | None, typer.Option()] = None,
    database: Database = None,
    platform: Platform = "",
) -> None:
    _on_batches(database, platform, lambda b, p: b.batches(p, status=status))


id_command(app, "show", "batch_id", lambda a, p, key: a.payment_batches.batch(p, key))


@app.command("lines")
def lines(
    batch_id: str,
    status: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    after: Annotated[int | None, typer.Option("--after", help="A line number")] = None,
    database: Database = None,
    platform: Platform = "",
) -> None:
    _on_batches(
        database,
        platform,
        lambda b, p: b.lines(p, batch_id, status=status, starting_after=after, limit=limit),
    )


def _decide(
    batch_id: str,
    approver: str,
    note: str | None,
    approve: bool,
    database: str | None,
    platform: str,
) -> None:
    from coffer.automations.payroll import schemas as S

    decision = S.Decision(approver=approver, note=note)
    _on_batches(
        database,
        platform,
        lambda b, p: b.approve(p, batch_id, decision, caller=approver, approve=approve),
    )


def _decision_command(name: str, approve: bool) -> None:
    def command(
        batch_id: str,
        approver: Approver,
        note: Annotated[str | None, typer.Option()] = None,
        database: Database = None,
        platform: Platform = "",
    ) -> None:
        _decide(batch_id, approver, note, approve, database, platform)

    command.__doc__ = "Approve the batch." if approve else "Reject the batch (it is cancelled)."
    app.command(name)(command)


_decision_command("approve", True)
_decision_command("reject", False)


id_command(app, "cancel", "batch_id", lambda a, p, key: a.payment_batches.cancel(p, key))


@app.command("pain001")
def pain001(
    batch_id: str,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write")] = None,
    database: Database = None,
    platform: Platform = "",
) -> None:
    """The pain.001 file of the batch's bank lines (to stdout, or to --output)."""
    from coffer.errors import CofferError

    with _automations(database) as automations:
        try:
            xml = automations.payment_batches.pain001(platform or _default_platform(), batch_id)
        except CofferError as error:
            typer.echo(f"error: {error.code}: {error.message}", err=True)
            raise typer.Exit(1) from error
    if output is None:
        typer.echo(xml)
    else:
        output.write_text(xml, encoding="utf-8")
        typer.echo(str(output))


@app.command("limits")
def limits(
    currency: Annotated[str | None, typer.Argument(help="One currency (default: all set)")] = None,
    database: Database = None,
    platform: Platform = "",
) -> None:
    """The platform's limits: of a currency (its own, or the defaults), or every one set."""
    from coffer.wallets.currencies import check_currency

    owner = platform or _default_platform()
    if currency is None:
        _do(database, lambda a: a.payment_batches.all_limits(owner))
    else:
        _do(database, lambda a: a.payment_batches.limits(owner, check_currency(currency.upper())))


@app.command("set-limits")
def set_limits(
    currency: str,
    max_lines: Annotated[int | None, typer.Option("--max-lines", min=1)] = None,
    max_line_amount: Annotated[
        int | None, typer.Option("--max-line-amount", min=1, help="Minor units")
    ] = None,
    max_batch_total: Annotated[
        int | None, typer.Option("--max-batch-total", min=1, help="Minor units")
    ] = None,
    actor: Annotated[str, typer.Option("--actor", help="Who sets them")] = "cli",
    database: Database = None,
    platform: Platform = "",
) -> None:
    """Set the platform's limits in a currency (a limit not given: the default setting)."""
    from coffer.automations.payroll import schemas as S

    request = S.LimitsSet(
        max_lines=max_lines, max_line_amount=max_line_amount, max_batch_total=max_batch_total
    )
    _on_batches(
        database, platform, lambda b, p: b.set_limits(p, currency.upper(), request, actor=actor)
    )


@app.command("reset-limits")
def reset_limits(currency: str, database: Database = None, platform: Platform = "") -> None:
    """Back to the default settings in a currency."""
    _on_batches(database, platform, lambda b, p: b.reset_limits(p, currency.upper()))
