"""What many ``coffer`` commands share: the ``--database`` option, and running an action
on a domain built over the wallets (automations, fx) with its errors as one line, the
exit on bad input, and reading JSON Lines input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:  # the domains are imported when a command runs, not at CLI start
    from coffer.wallets import WalletPlatform

Database = Annotated[
    str | None, typer.Option("--database", help="Database URL (default: COFFER_DATABASE_URL)")
]
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


def json_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """Each non-blank line of JSON Lines input as (line number, value); ValueError
    ``line N: not valid JSON (...)`` at the first line that is not JSON."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not valid JSON ({exc.msg})") from None
        yield number, value


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
