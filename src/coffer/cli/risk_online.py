"""``coffer risk rules|cases|decisions ...``: the online path's rules, case queue and
decisions, from the command line (the same service as ``/api/risk/v1``).

coffer risk rules set NAME --expression CEL --action block|review|allow [--mode monitor]
coffer risk rules list
coffer risk decisions [--outcome block] [--limit 20]
coffer risk cases list [--status open] [--kind review]
coffer risk cases export CASE_ID
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from coffer.platforms import DEFAULT_PLATFORM_ID

Database = Annotated[
    str | None, typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)")
]
Platform = Annotated[str, typer.Option("--platform", help="The platform's id.")]

rules_app = typer.Typer(help="A platform's risk rules (CEL, versioned).", no_args_is_help=True)
cases_app = typer.Typer(help="The risk case queue.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
    app.add_typer(cases_app, name="cases")
    app.command("decisions")(decisions)


@contextmanager
def _risk(database: str | None) -> Iterator[Any]:
    import coffer
    from coffer.risk.online.service import RiskService
    from coffer.wallets import open_wallets

    with coffer.open(database) as book:
        # the service without registering its check: these commands move no money
        yield RiskService(open_wallets(book), book.settings)


def _echo(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _run(call: Any) -> Any:
    from coffer.errors import CofferError

    try:
        return call()
    except CofferError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None


@rules_app.command("set")
def set_rule(
    name: str,
    expression: Annotated[str, typer.Option("--expression", help="CEL over tx, score...")],
    action: Annotated[str, typer.Option("--action", help="block, review or allow")],
    mode: Annotated[str, typer.Option("--mode", help="enforce or monitor")] = "enforce",
    platform: Platform = DEFAULT_PLATFORM_ID,
    database: Database = None,
) -> None:
    """Save a new version of a rule (refused, exit 2, when the expression is invalid)."""
    with _risk(database) as risk:
        _echo(
            _run(
                lambda: risk.save_rule(
                    platform,
                    name=name,
                    expression=expression,
                    action=action,
                    mode=mode,
                    actor=f"cli:{getpass.getuser()}",
                )
            )
        )


@rules_app.command("list")
def list_rules(platform: Platform = DEFAULT_PLATFORM_ID, database: Database = None) -> None:
    """The newest version of each rule."""
    with _risk(database) as risk:
        _echo(risk.rules(platform))


def decisions(
    outcome: Annotated[str | None, typer.Option(help="allow, review or block")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    platform: Platform = DEFAULT_PLATFORM_ID,
    database: Database = None,
) -> None:
    """The newest risk decisions."""
    with _risk(database) as risk:
        _echo(risk.decisions(platform, outcome=outcome, limit=limit)[0])


@cases_app.command("list")
def list_cases(
    status: Annotated[str | None, typer.Option(help="open, in_progress or closed")] = None,
    kind: Annotated[str | None, typer.Option(help="review, aml_alert or sanctions")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    platform: Platform = DEFAULT_PLATFORM_ID,
    database: Database = None,
) -> None:
    """The case queue, newest first."""
    with _risk(database) as risk:
        _echo(risk.cases(platform, status=status, kind=kind, limit=limit)[0])


@cases_app.command("export")
def export_case(
    case_id: str, platform: Platform = DEFAULT_PLATFORM_ID, database: Database = None
) -> None:
    """A case as a suspicious activity report needs it (JSON)."""
    with _risk(database) as risk:
        _echo(_run(lambda: risk.export_case(platform, case_id)))
