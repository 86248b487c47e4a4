"""Witnesses: places outside the database that keep every signed checkpoint.

A database writer can delete checkpoints, rewrite the journal and recompute its hash
chain consistently; what it cannot do is change what was already handed to a witness.
``coffer verify --witness`` then checks that the database's history extends what the
witness holds (see :mod:`coffer.ledger.verify.witnessed`).

:class:`Witness` is the plug-in interface (publish one signed checkpoint, read back what
was published); :class:`DirectoryWitness` is the embedded default: one append-only file
of JSON lines per ledger, in a folder named after the database's id
(``<COFFER_WITNESS_DIR>/<database id>/<ledger>.checkpoints.jsonl``). Other backends (object
storage with retention locks, a transparency log, a public chain) implement the same two
methods.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

from coffer.errors import ValidationError
from coffer.ledger.models import Checkpoint, from_micros, to_micros

__all__ = [
    "AUDIT_LOG_STREAM",
    "DirectoryWitness",
    "Witness",
    "WitnessConflict",
    "adopt_legacy_files",
    "checkpoint_from_json",
    "checkpoint_to_json",
]

log = logging.getLogger("coffer.witness")

# A witness line is small (about 400 bytes); a longer one is not ours.
MAX_LINE_BYTES = 4096
FILE_SUFFIX = ".checkpoints.jsonl"
# The audit log's signed heads are published as the checkpoints of this name (not a valid
# ledger name, so no ledger can take it): ``tree_size`` is the number of entries and
# ``root`` the hash of the last one (coffer.identity.audit.witness).
AUDIT_LOG_STREAM = "@audit-log"


class WitnessConflict(Exception):
    """The witness already holds a different checkpoint of that size: the history forked."""


@runtime_checkable
class Witness(Protocol):
    """Where signed checkpoints are published, outside the database."""

    def publish(self, checkpoint: Checkpoint) -> None:
        """Keep ``checkpoint`` for good. Publishing one already held is a no-op; one of a
        size already held with another root raises :class:`WitnessConflict`."""
        ...

    def published(self, ledger: str) -> list[Checkpoint]:
        """Every checkpoint of ``ledger`` the witness holds, by increasing tree size."""
        ...

    def ledgers(self) -> list[str]:
        """The ledgers the witness holds checkpoints of."""
        ...


def checkpoint_to_json(checkpoint: Checkpoint) -> str:
    return json.dumps(
        {
            "ledger": checkpoint.ledger,
            "tree_size": checkpoint.tree_size,
            "root": checkpoint.root.hex(),
            "created_at": to_micros(checkpoint.created_at),
            "public_key": checkpoint.public_key.hex(),
            "signature": base64.b64encode(checkpoint.signature).decode(),
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def checkpoint_from_json(text: str) -> Checkpoint:
    """A checkpoint from its witness line; :class:`ValueError` if the line is malformed."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("a witness line is a JSON object")
    try:
        return Checkpoint(
            ledger=str(data["ledger"]),
            tree_size=int(data["tree_size"]),
            root=bytes.fromhex(data["root"]),
            created_at=from_micros(int(data["created_at"])),
            public_key=bytes.fromhex(data["public_key"]),
            signature=base64.b64decode(data["signature"], validate=True),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"a witness line lacks a field: {exc}") from exc


def _file_name(ledger: str) -> str:
    """Ledger names are letters, digits, ``_`` and ``-``; anything else is escaped."""
    safe = "".join(c if c.isalnum() or c in "_-" else f"%{ord(c):02x}" for c in ledger)
    return safe + FILE_SUFFIX


class DirectoryWitness:
    """One append-only file per ledger in ``directory`` (in its sub-folder
    ``database_id`` when one is given): a JSON line per checkpoint.

    Appends take an exclusive lock on the file, check that the new checkpoint extends the
    last one held (a larger tree; the same size must have the same root), write one line
    and fsync it. Keep the directory on another disk or host than the database (a mounted
    share, a synced folder) and make it writable only by Coffer's user: whoever can
    rewrite these files can hide a rewrite of the database.
    """

    def __init__(self, directory: str | os.PathLike[str], database_id: str | None = None) -> None:
        self.root = Path(directory).expanduser()
        self.database_id = database_id
        # Ledger names repeat across databases (``main``): each database has its folder.
        self.directory = self.root / database_id if database_id else self.root

    @classmethod
    def for_reading(cls, directory: str | os.PathLike[str], database_id: str) -> DirectoryWitness:
        """The witness of database ``database_id`` in ``directory``: its folder, or, when
        there is none but files lie in ``directory`` itself (a witness of the layout of
        one folder for every database, not yet opened by a writer that moves them), those."""
        witness = cls(directory, database_id)
        if not witness.directory.is_dir() and any(witness.root.glob("*" + FILE_SUFFIX)):
            return cls(directory)
        return witness

    def __repr__(self) -> str:
        return f"DirectoryWitness({str(self.directory)!r})"

    def path(self, ledger: str) -> Path:
        return self.directory / _file_name(ledger)

    def publish(self, checkpoint: Checkpoint) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        line = checkpoint_to_json(checkpoint) + "\n"
        descriptor = os.open(
            self.path(checkpoint.ledger), os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600
        )
        with os.fdopen(descriptor, "r+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                last = _last_line(handle.fileno())
                if last is not None:
                    held = checkpoint_from_json(last)
                    if held.tree_size == checkpoint.tree_size:
                        if held.root != checkpoint.root:
                            raise WitnessConflict(
                                f"the witness holds another root for checkpoint "
                                f"{checkpoint.tree_size} of ledger {checkpoint.ledger!r}"
                            )
                        return
                    if held.tree_size > checkpoint.tree_size:
                        return  # older than what is held (published by another process)
                handle.seek(0, os.SEEK_END)
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def published(self, ledger: str) -> list[Checkpoint]:
        path = self.path(ledger)
        return _read_file(path) if path.exists() else []

    def ledgers(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        names: list[str] = []
        for path in sorted(self.directory.glob("*" + FILE_SUFFIX)):
            with path.open() as handle:
                first = handle.readline(MAX_LINE_BYTES)
            if first.strip():
                try:
                    names.append(checkpoint_from_json(first).ledger)
                except ValueError as exc:
                    raise ValidationError(f"{path}:1: unreadable witness line: {exc}") from exc
        return names


def _read_file(path: Path) -> list[Checkpoint]:
    """Every checkpoint of a witness file; :class:`ValidationError` on a line not ours."""
    out: list[Checkpoint] = []
    with path.open() as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            if len(line) > MAX_LINE_BYTES:
                raise ValidationError(f"{path}:{number}: the line is too long to be ours")
            try:
                out.append(checkpoint_from_json(line))
            except ValueError as exc:
                raise ValidationError(f"{path}:{number}: unreadable witness line: {exc}") from exc
    return out


def adopt_legacy_files(
    witness: DirectoryWitness, belongs: Callable[[list[Checkpoint]], bool]
) -> list[str]:
    """Move the files lying in ``witness.root`` itself (one folder for every database:
    the layout before each database had its own) into ``witness.directory`` when
    ``belongs`` says their checkpoints are this database's (the database stores each
    one, with the same root). Each file is moved under its lock, by a hard link that
    never replaces a file already there, then unlinked. Returns the moved ledgers' names."""
    if witness.database_id is None or not witness.root.is_dir():
        return []
    moved: list[str] = []
    for path in sorted(witness.root.glob("*" + FILE_SUFFIX)):
        try:
            handle = path.open()
        except FileNotFoundError:  # moved by another process meanwhile
            continue
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # no append is half done
            try:
                held = _read_file(path) if path.exists() else []
                if not held or not belongs(held):
                    continue
                witness.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.link(path, witness.directory / path.name)
                path.unlink()
                moved.append(held[0].ledger)
            except (OSError, ValidationError) as error:
                log.warning("witness file %s left in place: %s", path, error)
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return moved


def _last_line(fileno: int) -> str | None:
    """The last non-empty line of an open file (read from its end)."""
    size = os.fstat(fileno).st_size
    if size == 0:
        return None
    start = max(0, size - MAX_LINE_BYTES)
    data = os.pread(fileno, size - start, start).decode()
    lines = [line for line in data.split("\n") if line.strip()]
    return lines[-1] if lines else None
