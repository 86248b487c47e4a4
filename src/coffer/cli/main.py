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
for _name, _command in (
    ("verify", verify.verify),
    ("serve", serve.serve),
    ("settings", settings.settings),
    ("audit", audit.audit),
    ("worker", wallets.worker),
):
    app.command(_name)(_command)
automations.app.add_typer(spending_policies.app, name="policies")
automations.app.add_typer(payment_batches.app, name="batches")
for _name, _group in (
    ("numscript", numscript.app),
    ("clients", clients.app),
    ("platforms", platforms.app),
    ("keys", keys.app),
    ("operators", operators.app),
    ("sandbox", wallets.sandbox_app),
    ("risk", risk.app),
    ("assistant", assistant.app),
    ("fx", fx.app),
    ("customers", privacy.customers_app),
    ("privacy", privacy.privacy_app),
    ("automations", automations.app),
):
    app.add_typer(_group, name=_name)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
