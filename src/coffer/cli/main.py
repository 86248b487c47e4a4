"""The ``coffer`` command."""

from __future__ import annotations

import typer

from coffer.cli import (
    assistant,
    audit,
    automations,
    clients,
    fx,
    keys,
    numscript,
    operators,
    payment_batches,
    platforms,
    privacy,
    risk,
    serve,
    settings,
    spending_policies,
    verify,
    wallets,
)

app = typer.Typer(help="Coffer: programmable wallet infrastructure.", no_args_is_help=True)
app.add_typer(numscript.app, name="numscript")
app.command("verify")(verify.verify)
app.command("serve")(serve.serve)
app.command("settings")(settings.settings)
app.add_typer(clients.app, name="clients")
app.add_typer(platforms.app, name="platforms")
app.add_typer(keys.app, name="keys")
app.add_typer(operators.app, name="operators")
app.command("audit")(audit.audit)
app.command("worker")(wallets.worker)
app.add_typer(wallets.sandbox_app, name="sandbox")
app.add_typer(risk.app, name="risk")
app.add_typer(assistant.app, name="assistant")
app.add_typer(fx.app, name="fx")
app.add_typer(privacy.customers_app, name="customers")
app.add_typer(privacy.privacy_app, name="privacy")
automations.app.add_typer(spending_policies.app, name="policies")
app.add_typer(automations.app, name="automations")
automations.app.add_typer(payment_batches.app, name="batches")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
