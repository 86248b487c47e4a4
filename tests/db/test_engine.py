"""Database files are private to their owner."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import coffer
from coffer import Posting


def test_sqlite_files_are_created_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, under which files are 0644 by default
    try:
        with coffer.open(f"sqlite:///{tmp_path}/coffer.db") as instance:
            instance.ledger("main").post([Posting("world", "a", 1, "USD")])
            names = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    finally:
        os.umask(old)
    for name in ("coffer.db", "coffer.db-wal", "coffer.db-shm", "coffer.db.migrate.lock"):
        assert names[name] == 0o600, (name, oct(names[name]))
