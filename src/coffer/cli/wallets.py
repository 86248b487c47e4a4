"""``coffer worker`` and ``coffer sandbox ...``: the wallets domain on the command line.

Wire into ``cli/main.py`` with::

    app.command("worker")(wallets.worker)
    app.add_typer(wallets.sandbox_app, name="sandbox")

``coffer serve`` starts the same worker in a thread: ``coffer.wallets.webhooks.Worker``
(``start()`` at startup, ``stop()`` at shutdown).
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from typing import Annotated, Any

import typer

from coffer.cli.options import Database

sandbox_app = typer.Typer(
    help="Sandbox helpers: simulate what banks and networks do.", no_args_is_help=True
)
logger = logging.getLogger("coffer.wallets.worker")


def worker(
    database: Database = None,
    interval: Annotated[float, typer.Option(help="Seconds between polls when idle.")] = 1.0,
    once: Annotated[bool, typer.Option(help="Run one round and exit.")] = False,
) -> None:
    """Deliver webhooks (with retries), expire card authorizations, finish interrupted
    money movements; the risk tasks (AML monitor, screening, review deadlines); publish the
    assistant's alerts; and run automations (schedules, event triggers, due runs). Stops on
    SIGINT/SIGTERM."""
    import coffer
    from coffer.automations import Worker as AutomationsWorker
    from coffer.automations import open_automations
    from coffer.settings import owned_process_settings
    from coffer.wallets import open_wallets
    from coffer.wallets.webhooks import Worker

    with coffer.open(database, settings=owned_process_settings()) as c:
        from coffer.assistant.tasks import AlertsTask

        risk_worker = None
        if c.settings.risk_checks_enabled:
            from coffer.risk.online import open_risk
            from coffer.risk.online.tasks import RiskWorker

            # one risk service for every platform: it follows every platform's outbox
            risk_worker = RiskWorker(
                open_risk(open_wallets(c), c.settings), interval_seconds=interval
            )
        runner = Worker(
            every_platform(c, open_wallets),
            interval_seconds=interval,
            tasks=[AlertsTask(c.settings)],
        )
        automations = AutomationsWorker(open_automations(open_wallets(c)))
        if once:
            runner._last_housekeeping = 0.0
            work = runner.run_once() + automations.run_until_idle()
            if risk_worker is not None:
                work += risk_worker.tasks.run_once()
            typer.echo(f"{work} items processed")
            automations.stop()
            return

        def stop(*_: object) -> None:
            runner._stop.set()
            if risk_worker is not None:
                risk_worker._stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, stop)
        if risk_worker is not None:
            risk_worker.start()
        typer.echo("coffer worker running (wallets, risk, automations); Ctrl-C to stop", err=True)
        automations.start()
        try:
            runner.run_forever(on_error=lambda exc: logger.error("worker round failed: %s", exc))
        finally:
            automations.stop()


def every_platform(c: Any, open_wallets: Any) -> Callable[[], list[Any]]:
    """A source of the wallets domain of every platform of the database (new platforms
    join as they are created)."""
    from coffer.platforms.service import list_platforms

    opened: dict[str, Any] = {}

    def platforms() -> list[Any]:
        for row in list_platforms(c.engine):
            if row.id not in opened:
                opened[row.id] = open_wallets(c, platform_id=row.id)
        return list(opened.values())

    return platforms


@sandbox_app.command("bank-transfer")
def bank_transfer(
    reference: Annotated[str, typer.Argument(help="The wallet's bank reference (CFR...).")],
    amount: Annotated[int, typer.Argument(help="Amount in minor units (cents).")],
    currency: Annotated[str, typer.Argument(help="ISO 4217 code, e.g. EUR.")],
    idempotency_key: Annotated[str | None, typer.Option("--idempotency-key")] = None,
    platform: Annotated[
        str | None,
        typer.Option("--platform", help="The sandbox platform (id or name); default: plat_default"),
    ] = None,
    database: Database = None,
) -> None:
    """The sandbox bank receives a transfer quoting REFERENCE and credits that wallet
    (sandbox platforms only)."""
    import coffer
    from coffer.errors import CofferError, SandboxOnly
    from coffer.platforms import DEFAULT_PLATFORM_ID
    from coffer.platforms.service import resolve_platform
    from coffer.wallets import open_wallets
    from coffer.wallets import schemas as S

    with coffer.open(database) as c:
        try:
            platform_id = (
                DEFAULT_PLATFORM_ID if platform is None else resolve_platform(c.engine, platform).id
            )
            wallets = open_wallets(c, platform_id=platform_id)
            if wallets.live:
                raise SandboxOnly("the sandbox bank exists only for sandbox platforms")
            payin = wallets.payins.bank_transfer(
                S.BankTransferSimulate(reference=reference, amount=amount, currency=currency),
                idempotency_key=idempotency_key,
            )
        except CofferError as error:
            typer.echo(f"error: {error.code}: {error.message}", err=True)
            raise typer.Exit(1) from error
    typer.echo(payin.model_dump_json(indent=2))
