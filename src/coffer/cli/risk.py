"""``coffer risk ...``: fraud scoring, AML monitoring and sanctions screening."""

from __future__ import annotations

import typer

from coffer.cli import risk_lists, risk_model, risk_online

app = typer.Typer(
    help="Risk and compliance: fraud scoring, AML monitoring, sanctions screening.",
    no_args_is_help=True,
)
risk_model.register(app)
risk_lists.register(app)
risk_online.register(app)
