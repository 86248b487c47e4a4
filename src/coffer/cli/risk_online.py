"""``coffer risk rules|cases|decisions ...``: the online path's rules, case queue and
decisions, from the command line (the same service as ``/api/risk/v1``).

coffer risk rules set NAME --expression CEL --action block|review|allow [--mode monitor]
coffer risk rules list
coffer risk decisions [--outcome block] [--limit 20]
coffer risk cases list [--status open] [--kind review]
coffer risk cases export CASE_ID
coffer risk models list|show VERSION_ID|register MODEL_DIR|activate VERSION_ID|rollback
coffer risk review-policy [--set approve|decline|escalate]
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from coffer.cli.options import Database, usage_error
from coffer.platforms import DEFAULT_PLATFORM_ID

Platform = Annotated[str, typer.Option("--platform", help="The platform's id.")]

rules_app = typer.Typer(help="A platform's risk rules (CEL, versioned).", no_args_is_help=True)
cases_app = typer.Typer(help="The risk case queue.", no_args_is_help=True)
models_app = typer.Typer(
    help="A platform's model versions (register, activate, roll back).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
    app.add_typer(cases_app, name="cases")
    app.add_typer(models_app, name="models")
    app.command("decisions")(decisions)
    app.command("review-policy")(review_policy)


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


def _show(database: str | None, call: Callable[[Any], Any]) -> None:
    """Print the JSON of ``call``'s answer on the risk service (a CofferError: its message,
    exit 2)."""
    with _risk(database) as risk:
        _echo(_run(lambda: call(risk)))


def _run(call: Any) -> Any:
    from coffer.errors import CofferError

    try:
        return call()
    except CofferError as error:
        raise usage_error(error.message) from None


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
    _show(database, lambda risk: risk.export_case(platform, case_id))


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@models_app.command("list")
def list_models(platform: Platform = DEFAULT_PLATFORM_ID, database: Database = None) -> None:
    """The platform's model versions, newest first (metrics on held-out data, window)."""
    with _risk(database) as risk:
        _echo(risk.model_versions(platform))


@models_app.command("show")
def show_model(
    version_id: str, platform: Platform = DEFAULT_PLATFORM_ID, database: Database = None
) -> None:
    _show(database, lambda risk: risk.model_version(platform, version_id))


@models_app.command("register")
def register_model(
    model_dir: str, platform: Platform = DEFAULT_PLATFORM_ID, database: Database = None
) -> None:
    """Register a folder `coffer risk train` wrote as the next version (not active yet):
    under COFFER_RISK_MODEL_ROOT when it is set (a relative path is taken from it), else any
    folder of this machine."""
    _show(
        database,
        lambda risk: risk.register_model(platform, model_dir, actor=_actor(), anywhere=True),
    )


@models_app.command("activate")
def activate_model(
    version_id: str, platform: Platform = DEFAULT_PLATFORM_ID, database: Database = None
) -> None:
    """Score the platform's movements with this version from now on."""
    _show(database, lambda risk: risk.activate_model(platform, version_id, actor=_actor()))


@models_app.command("rollback")
def rollback_model(platform: Platform = DEFAULT_PLATFORM_ID, database: Database = None) -> None:
    """Activate again the version active before the current one."""
    _show(database, lambda risk: risk.rollback_model(platform, actor=_actor()))


def review_policy(
    set_to: Annotated[
        str | None, typer.Option("--set", help="approve, decline or escalate")
    ] = None,
    platform: Platform = DEFAULT_PLATFORM_ID,
    database: Database = None,
) -> None:
    """What a review left past its deadline becomes on the platform (show, or --set)."""
    with _risk(database) as risk:
        if set_to is None:
            _echo(risk.risk_settings(platform))
        else:
            _echo(
                _run(
                    lambda: risk.set_risk_settings(
                        platform, review_expiry_policy=set_to, actor=_actor()
                    )
                )
            )
