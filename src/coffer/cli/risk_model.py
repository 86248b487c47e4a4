"""``coffer risk simulate|train|backtest``: the fraud model and AML detectors offline."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``coffer risk``."""
