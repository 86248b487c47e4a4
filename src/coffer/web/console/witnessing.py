"""The overview's witness status: the last checkpoint a ledger's witness holds (from
:mod:`coffer.ledger.witness`), compared with the database's last checkpoint."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from coffer.ledger.witness import DirectoryWitness, Witness, _last_line, checkpoint_from_json

logger = logging.getLogger("coffer.web")


@dataclass(frozen=True, slots=True)
class Witnessed:
    tree_size: int | None  # None: the witness holds nothing of this ledger
    created_at: object | None
    error: str | None = None

    def state(self, database_size: int | None) -> str:
        """``in_step``, ``behind`` (the database has newer checkpoints), ``ahead`` (the
        witness holds a checkpoint the database lacks: checkpoints were removed),
        ``none`` or ``error``."""
        if self.error is not None:
            return "error"
        if self.tree_size is None:
            return "none" if not database_size else "behind"
        if database_size is None or self.tree_size > database_size:
            return "ahead"
        return "in_step" if self.tree_size == database_size else "behind"


def last_witnessed(witness: Witness, ledger: str) -> Witnessed:
    """The newest checkpoint ``witness`` holds for ``ledger`` (a directory witness's last
    line is read from the file's end, whatever its length)."""
    try:
        if isinstance(witness, DirectoryWitness):
            path = witness.path(ledger)
            if not path.exists():
                return Witnessed(None, None)
            descriptor = os.open(path, os.O_RDONLY)
            try:
                line = _last_line(descriptor)
            finally:
                os.close(descriptor)
            if line is None:
                return Witnessed(None, None)
            checkpoint = checkpoint_from_json(line)
        else:
            held = witness.published(ledger)
            if not held:
                return Witnessed(None, None)
            checkpoint = held[-1]
    except Exception as exc:  # an unreadable witness is shown, not a broken page
        logger.warning("witness of %s unreadable: %s", ledger, exc)
        return Witnessed(None, None, error=str(exc)[:200])
    return Witnessed(checkpoint.tree_size, checkpoint.created_at)
