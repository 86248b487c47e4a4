"""The ``coffer`` command."""

from __future__ import annotations

import typer

from coffer.cli import numscript, verify

app = typer.Typer(help="Coffer: programmable wallet infrastructure.", no_args_is_help=True)
app.add_typer(numscript.app, name="numscript")
app.command("verify")(verify.verify)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
