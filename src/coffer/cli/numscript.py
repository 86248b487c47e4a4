"""``coffer numscript``: check, run and test Numscript programs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from coffer.errors import CofferError
from coffer.numscript import check as check_text
from coffer.numscript import execute, parse
from coffer.numscript.specs import MemoryStore, balance_rows, load_json, run_paths

app = typer.Typer(
    help="Check, run and test Numscript programs (the money language of the ledger).",
    no_args_is_help=True,
)

FeatureOption = Annotated[
    list[str] | None,
    typer.Option("--feature", "-f", help="Enable an experimental feature flag (repeatable)."),
]


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except OSError as error:
        typer.echo(f"{path}: cannot read: {error.strerror or error}", err=True)
        raise typer.Exit(2) from None


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Numscript files to check.")],
    feature: FeatureOption = None,
) -> None:
    """Report syntax and type errors and warnings; exit 1 when there is an error."""
    flags = frozenset(feature or ())
    errors = 0
    for path in files:
        for diagnostic in check_text(_read(path), flags):
            typer.echo(
                f"{path}:{diagnostic.line}:{diagnostic.column}: "
                f"{diagnostic.severity}: {diagnostic.message}"
            )
            errors += diagnostic.severity == "error"
    if errors:
        typer.echo(f"{errors} error{'s' if errors != 1 else ''}", err=True)
        raise typer.Exit(1)


def _parse_vars(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"expected name=value, got {pair!r}", param_hint="--var")
        out[name.lstrip("$")] = value
    return out


def _print_postings(postings: list[Any]) -> None:
    if not postings:
        typer.echo("no postings")
        return
    rows = [(p.source, p.destination, str(p.amount), p.asset) for p in postings]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for source, destination, amount, asset in rows:
        typer.echo(
            f"{source.ljust(widths[0])} -> {destination.ljust(widths[1])} "
            f"{amount.rjust(widths[2])} {asset}"
        )


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="The Numscript file to run.")],
    var: Annotated[
        list[str] | None, typer.Option("--var", "-v", help="A variable as name=value.")
    ] = None,
    database: Annotated[
        str | None, typer.Option("--database", help="Database URL of a Coffer ledger.")
    ] = None,
    ledger: Annotated[str | None, typer.Option("--ledger", help="Ledger name.")] = None,
    balances: Annotated[
        Path | None,
        typer.Option("--balances", help="JSON balances (specs format) to run in memory."),
    ] = None,
    metadata: Annotated[
        Path | None,
        typer.Option("--metadata", help="JSON account metadata {account: {key: value}}."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Do not commit.")] = False,
    feature: FeatureOption = None,
) -> None:
    """Run a program and print its postings (commits only with --ledger and no --dry-run)."""
    text = _read(file)
    variables = _parse_vars(var or [])
    if (database is None) != (ledger is None):
        raise typer.BadParameter("--database and --ledger go together")
    if database is not None and balances is not None:
        raise typer.BadParameter("use either --database/--ledger or --balances")
    try:
        if database is not None and ledger is not None:
            import coffer

            with coffer.open(database) as client:
                result = client.ledger(ledger).run(
                    text, vars=variables, dry_run=dry_run, feature_flags=feature or ()
                )
            _print_postings(list(result.postings))
            if not dry_run:
                typer.echo("committed")
            return
        rows = balance_rows(load_json(balances)) if balances is not None else []
        meta = load_json(metadata) if metadata is not None else {}
        outcome = execute(parse(text), variables, MemoryStore(rows, meta), frozenset(feature or ()))
    except CofferError as error:
        typer.echo(f"error [{error.formance_code}]: {error.message}", err=True)
        raise typer.Exit(1) from None
    _print_postings(outcome.postings)
    for key, value in outcome.tx_metadata.items():
        typer.echo(f"tx metadata {key} = {value}")
    for account, values in outcome.account_metadata.items():
        for key, value in values.items():
            typer.echo(f"account metadata @{account} {key} = {value}")


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@app.command()
def test(
    paths: Annotated[list[Path], typer.Argument(help="Specs files or folders (recursive).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Run *.num.specs.json test cases against their .num scripts."""
    try:
        report = run_paths(paths)
    except FileNotFoundError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        for case in report.cases:
            if case.status != "failed":
                continue
            typer.echo(f"FAIL {case.file}: {case.it}")
            if case.error:
                typer.echo(f"  error: {case.error}")
            for mismatch in case.mismatches:
                typer.echo(f"  {mismatch.expectation}")
                typer.echo(f"    expected: {_show(mismatch.expected)}")
                typer.echo(f"    actual:   {_show(mismatch.actual)}")
        typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(1)
