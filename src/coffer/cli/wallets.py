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
from typing import Annotated

import typer

sandbox_app = typer.Typer(
    help="Sandbox helpers: simulate what banks and networks do.", no_args_is_help=True
)
logger = logging.getLogger("coffer.wallets.worker")

Database = Annotated[
    str | None, typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)")
]


def worker(
    database: Database = None,
    interval: Annotated[float, typer.Option(help="Seconds between polls when idle.")] = 1.0,
    once: Annotated[bool, typer.Option(help="Run one round and exit.")] = False,
) -> None:
    """Deliver webhooks (with retries), expire card authorizations, finish interrupted
    money movements, and run automations (schedules, event triggers, due runs). Stops on
    SIGINT/SIGTERM."""
    import coffer
    from coffer.automations import Worker as AutomationsWorker
    from coffer.automations import open_automations
    from coffer.settings import owned_process_settings
    from coffer.wallets import open_wallets
    from coffer.wallets.webhooks import Worker

    with coffer.open(database, settings=owned_process_settings()) as c:
        wallets = open_wallets(c)
        runner = Worker(wallets, interval_seconds=interval)
        automations = AutomationsWorker(open_automations(wallets))
        if once:
            runner._last_housekeeping = 0.0
            done = runner.run_once() + automations.run_until_idle()
            typer.echo(f"{done} items processed")
            automations.stop()
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: runner._stop.set())
        typer.echo("coffer worker running (wallets and automations); Ctrl-C to stop", err=True)
        automations.start()
        try:
            runner.run_forever(on_error=lambda exc: logger.error("worker round failed: %s", exc))
        finally:
            automations.stop()


@sandbox_app.command("bank-transfer")
def bank_transfer(
    reference: Annotated[str, typer.Argument(help="The wallet's bank reference (CFR...).")],
    amount: Annotated[int, typer.Argument(help="Amount in minor units (cents).")],
    currency: Annotated[str, typer.Argument(help="ISO 4217 code, e.g. EUR.")],
    idempotency_key: Annotated[str | None, typer.Option("--idempotency-key")] = None,
    database: Database = None,
) -> None:
    """The sandbox bank receives a transfer quoting REFERENCE and credits that wallet."""
    import coffer
    from coffer.errors import CofferError
    from coffer.wallets import open_wallets
    from coffer.wallets import schemas as S

    with coffer.open(database) as c:
        try:
            payin = open_wallets(c).payins.bank_transfer(
                S.BankTransferSimulate(reference=reference, amount=amount, currency=currency),
                idempotency_key=idempotency_key,
            )
        except CofferError as error:
            typer.echo(f"error: {error.code}: {error.message}", err=True)
            raise typer.Exit(1) from error
    typer.echo(payin.model_dump_json(indent=2))
