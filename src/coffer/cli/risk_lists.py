"""``coffer risk lists ...`` and ``coffer risk screen``: sanctions lists and screening."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``coffer risk``."""
