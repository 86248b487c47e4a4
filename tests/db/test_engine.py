"""Database files are private to their owner; write units take SQLite's write lock."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

import coffer
from coffer import Posting
from coffer.db.engine import SQLITE_IMMEDIATE, create_engine, for_writes, normalize_url


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


def test_for_writes_takes_sqlite_write_lock_at_begin(tmp_path: Path) -> None:
    """A unit from :func:`for_writes` holds the write lock from its start: a second
    writer's BEGIN IMMEDIATE waits (here: fails at once, with no busy timeout)."""
    engine = create_engine(normalize_url(f"sqlite:///{tmp_path}/w.db"))
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    writes = for_writes(engine)
    assert writes.get_execution_options()[SQLITE_IMMEDIATE] is True
    other = sqlite3.connect(tmp_path / "w.db", timeout=0, isolation_level=None)
    try:
        with writes.begin() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM t").scalar()  # only a read so far
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        with engine.connect() as connection:
            assert for_writes(connection) is connection
            assert connection.get_execution_options()[SQLITE_IMMEDIATE] is True
    finally:
        other.close()
        engine.dispose()
