"""What many ``coffer`` commands share: the ``--database`` option, the ``--platform`` option
and list filters of the automations commands, and running an action on a domain built over
the wallets (automations, fx) with its errors as one line, the exit on bad input."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:  # the domains are imported when a command runs, not at CLI start
    from coffer.wallets import WalletPlatform

Database = Annotated[
    str | None, typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)")
]
Platform = Annotated[str, typer.Option("--platform", help="The platform's id")]
CustomerFilter = Annotated[str | None, typer.Option("--customer")]  # a list's filter
StatusFilter = Annotated[str | None, typer.Option()]
DomainT = TypeVar("DomainT")
ResultT = TypeVar("ResultT")


def echo_fields(**fields: object) -> None:
    """Print one ``name: value`` line per field, in order (what a command made)."""
    for name, value in fields.items():
        typer.echo(f"{name}: {value}")


def usage_error(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr; the exit to raise (code 2: bad input)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def wallets_domain(
    database: str | None, open_domain: Callable[[WalletPlatform], DomainT]
) -> Iterator[DomainT]:
    """The domain ``open_domain`` builds over the wallets of the database ``database``."""
    import coffer
    from coffer.wallets import open_wallets

    with coffer.open(database) as instance:
        yield open_domain(open_wallets(instance))


def run_on_domain(
    database: str | None,
    open_domain: Callable[[WalletPlatform], DomainT],
    action: Callable[[DomainT], ResultT],
) -> ResultT:
    """``action``'s result on the domain; a CofferError ends the command with its code and
    message (exit 1)."""
    from coffer.errors import CofferError

    with wallets_domain(database, open_domain) as domain:
        try:
            return action(domain)
        except CofferError as error:
            typer.echo(f"error: {error.code}: {error.message}", err=True)
            raise typer.Exit(1) from None
