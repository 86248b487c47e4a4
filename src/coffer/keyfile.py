"""Secret keys kept in files that are created once, safely under concurrent start-ups."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The text of the key file at ``path`` (stripped); if there is none, one holding
    ``make()`` is created first (mode 0600).

    The new key is written whole to a file of its own, then linked into place: of several
    processes starting at the same moment one links first, and every one of them reads the
    complete key it linked (never an empty or partial file).
    """
    if not path.exists():
        partial = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(make() + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(partial, path)
        finally:
            partial.unlink()
    return path.read_text().strip()


def replace(path: Path, text: str) -> None:
    """Write ``text`` to the key file at ``path`` (mode 0600), replacing it atomically:
    a reader sees the old file or the new one, never a partial one."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text.rstrip("\n") + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
