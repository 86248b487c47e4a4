"""``coffer assistant ...``: the personal finance assistant."""

from __future__ import annotations

import typer

from coffer.cli import assistant_ask, assistant_categorize

app = typer.Typer(help="The personal finance assistant for wallet holders.", no_args_is_help=True)
assistant_categorize.register(app)
assistant_ask.register(app)
