"""Reading JSON-lines input (one JSON value a line) in the commands that take a file of
records: blank lines are skipped, a line that is not JSON stops the reading with its
number."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


class NotJsonLine(ValueError):
    """A line of the input is not JSON (the message names its number)."""


class JsonLines:
    """The JSON values of the non-blank lines of ``source`` with their line numbers (from
    1); ``number`` is the last line read (a line that cannot be decoded is the next one).
    A line that is not JSON raises :class:`NotJsonLine` ``line N: not valid JSON (...)``."""

    def __init__(self, source: Iterable[str]) -> None:
        self.source = source
        self.number = 0

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        for number, text in enumerate(self.source, start=1):
            self.number = number
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise NotJsonLine(f"line {number}: not valid JSON ({exc.msg})") from None
            yield number, value
