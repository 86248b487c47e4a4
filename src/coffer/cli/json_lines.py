"""Reading JSON-lines input (one JSON value a line) in the commands that take a file of
records: blank lines are skipped, a line that is not JSON stops the reading with its
number (or, with ``lenient``, is yielded as :class:`NotJsonLine`); opening the input and
output files of those commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

import typer

from coffer.cli.options import usage_error


class NotJsonLine(ValueError):
    """A line of the input is not JSON (the message names its number)."""


class JsonLines:
    """The JSON values of the non-blank lines of ``source`` with their line numbers (from
    1); ``number`` is the last line read (a line that cannot be decoded is the next one).
    A line that is not JSON raises :class:`NotJsonLine` ``line N: not valid JSON (...)``;
    with ``lenient`` that exception is yielded as the line's value instead."""

    def __init__(self, source: Iterable[str], *, lenient: bool = False) -> None:
        self.source = source
        self.number = 0
        self.lenient = lenient

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        for number, text in enumerate(self.source, start=1):
            self.number = number
            if number == 1:
                text = text.lstrip("\ufeff")
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                error = NotJsonLine(f"line {number}: not valid JSON ({exc.msg})")
                if not self.lenient:
                    raise error from None
                value = error
            yield number, value


@contextmanager
def open_input(path: str | Path) -> Iterator[IO[str]]:
    """The text of ``path`` (``-``: stdin), a leading byte order mark dropped; a path that
    is missing, a folder or unreadable ends the command (exit 2) with one line."""
    if str(path) == "-":
        yield _utf8(sys.stdin)
        return
    if Path(path).is_dir():
        raise usage_error(f"{path} is a folder, not a JSON Lines file")
    try:
        handle = open(path, encoding="utf-8-sig")  # noqa: SIM115
    except OSError as error:
        raise usage_error(f"cannot read {path}: {error.strerror}") from error
    with handle:
        yield handle


@contextmanager
def open_output(path: str | Path) -> Iterator[IO[str]]:
    """``path`` opened for writing (``-``: stdout), its missing parent folders created; a
    path that cannot be written ends the command (exit 2) with one line."""
    if str(path) == "-":
        yield _utf8(sys.stdout)
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        raise usage_error(f"cannot write {path}: {error.strerror}") from error
    with handle:
        yield handle


def _utf8(stream: IO[str]) -> IO[str]:
    """``stream`` reading or writing UTF-8 whatever the locale says (JSON Lines are UTF-8)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and getattr(stream, "encoding", "").lower() != "utf-8":
        with suppress(ValueError, OSError):  # already read from or written to: leave it
            reconfigure(encoding="utf-8")
    return stream


def warn(message: str) -> None:
    """One ``warning: ...`` line on stderr (a line of the input that was odd)."""
    typer.echo(f"warning: {message}", err=True)
