"""``coffer fx ...``: exchange rates, quotes, conversions and loyalty."""

from __future__ import annotations

import typer

app = typer.Typer(help="Exchange rates, quotes, conversions and loyalty.", no_args_is_help=True)
