"""Options that many ``coffer`` commands share."""

from __future__ import annotations

from typing import Annotated

import typer

Database = Annotated[
    str | None, typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)")
]
