"""``coffer assistant ask|...``: questions, budgets, forecasts and goals."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``coffer assistant``."""
