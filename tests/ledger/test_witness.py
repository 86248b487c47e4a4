"""Trust outside the database: timed checkpoints, the directory witness, and a read-only
``coffer verify --witness`` that tells a database's history from a rewrite of it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

import coffer
from coffer import Posting
from coffer.core import Coffer
from coffer.db.identity import database_id
from coffer.ledger import journal as J
from coffer.ledger.models import Checkpoint, to_micros
from coffer.ledger.witness import DirectoryWitness, WitnessConflict
from coffer.settings import Settings

USD = "USD/2"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


def _settings(tmp_path: Path, **changes: object) -> Settings:
    keys = tmp_path / "keys"
    keys.mkdir(exist_ok=True)
    values: dict[str, object] = {
        "signing_key_file": str(keys / "signing.key"),
        "witness_dir": str(tmp_path / "witness"),
        "checkpoint_interval": 8,
        **changes,
    }
    return Settings(**values)  # type: ignore[arg-type]


def _populate(c: Coffer) -> None:
    """20 transactions then 3 account metadata entries; checkpoints at 1, 9, 17 (entries),
    and at 23 by verify."""
    ledger = c.ledger("main")
    for index in range(20):
        ledger.post([Posting("world", f"users:{index % 4}", 100 + index, USD)])
    for index in range(3):
        ledger.set_account_metadata(f"tags:{index}", {"tier": "gold"})
    assert c.verify().ok


def _verify_cli(
    url: str, tmp_path: Path, *args: str, cwd: Path | None = None, public_key: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COFFER_")}
    env["COFFER_WITNESS_DIR"] = ""
    if public_key:
        env["COFFER_SIGNING_PUBLIC_KEY_FILE"] = str(tmp_path / "keys" / "signing.key.pub")
    command = [sys.executable, "-m", "coffer.cli.main", "verify", "--database", url, *args]
    return subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=cwd or tmp_path, env=env
    )


def _witness(tmp_path: Path, url: str) -> DirectoryWitness:
    """The directory witness ``_settings`` sets up, in the folder of the database at ``url``."""
    engine = sa.create_engine(url)
    try:
        return DirectoryWitness(tmp_path / "witness", database_id(engine))
    finally:
        engine.dispose()


def _witness_args(tmp_path: Path) -> list[str]:
    return ["--witness", str(tmp_path / "witness")]


def _checkpoint(size: int, root: bytes) -> Checkpoint:
    return Checkpoint(
        ledger="main",
        tree_size=size,
        root=root,
        created_at=datetime.now(UTC),
        public_key=bytes(32),
        signature=bytes(64),
    )


def test_directory_witness_appends_and_refuses_a_fork(tmp_path: Path) -> None:
    witness = DirectoryWitness(tmp_path / "w")
    assert witness.published("main") == [] and witness.ledgers() == []
    witness.publish(_checkpoint(4, b"a" * 32))
    witness.publish(_checkpoint(4, b"a" * 32))  # the same again: kept once
    witness.publish(_checkpoint(9, b"b" * 32))
    witness.publish(_checkpoint(6, b"c" * 32))  # older than what is held: ignored
    with pytest.raises(WitnessConflict):
        witness.publish(_checkpoint(9, b"d" * 32))
    held = witness.published("main")
    assert [(c.tree_size, c.root) for c in held] == [(4, b"a" * 32), (9, b"b" * 32)]
    assert witness.ledgers() == ["main"]
    assert (os.stat(witness.path("main")).st_mode & 0o777) == 0o600


def test_timed_checkpoints_with_an_injected_clock(database_url: str, tmp_path: Path) -> None:
    clock = Clock()
    settings = _settings(tmp_path, checkpoint_interval=1024, checkpoint_seconds=60)
    with coffer.open(database_url, settings=settings, clock=clock) as c:
        ledger = c.ledger("main")
        ledger.post([Posting("world", "users:1", 100, USD)])
        # a new ledger gets its first checkpoint at once, however small
        assert [cp.tree_size for cp in ledger.checkpoints()] == [1]
        clock.now += 30
        ledger.post([Posting("world", "users:1", 100, USD)])
        ledger.post([Posting("world", "users:2", 100, USD)])
        assert [cp.tree_size for cp in ledger.checkpoints()] == [1]
        clock.now += 31  # 61 seconds since the last one
        ledger.post([Posting("world", "users:3", 100, USD)])
        assert [cp.tree_size for cp in ledger.checkpoints()] == [4, 1]
        clock.now += 59
        ledger.set_account_metadata("users:3", {"a": "b"})
        assert len(ledger.checkpoints()) == 2
        clock.now += 1
        ledger.set_account_metadata("users:3", {"a": "c"})
        assert [cp.tree_size for cp in ledger.checkpoints()] == [6, 4, 1]
        # every one of them published to the witness (in the background), as signed
        assert c.flush_witness()
        held = _witness(tmp_path, database_url).published("main")
        assert [(cp.tree_size, cp.root) for cp in held] == [
            (1, held[0].root),
            *[(cp.tree_size, cp.root) for cp in reversed(ledger.checkpoints()[:2])],
        ]
        assert all(cp.public_key == c.signer.public_key for cp in held)
    with coffer.open(database_url, settings=settings, clock=clock) as c:
        # a restarted process knows when the last checkpoint was made
        ledger = c.ledger("main")
        clock.now += 1
        ledger.post([Posting("world", "users:1", 1, USD)])
        assert ledger.checkpoints()[0].tree_size == 6


def test_a_quiet_ledger_gets_its_tail_checkpointed(database_url: str, tmp_path: Path) -> None:
    """The worker's round checkpoints the entries written since the last checkpoint once
    it is checkpoint_seconds old, even when nothing is written any more."""
    clock = Clock()
    settings = _settings(tmp_path, checkpoint_interval=1024, checkpoint_seconds=60)
    with coffer.open(database_url, settings=settings, clock=clock) as c:
        ledger = c.ledger("main")
        assert not ledger.checkpoint_if_due()  # an empty ledger
        for index in range(3):
            ledger.post([Posting("world", "users:1", 1 + index, USD)])
        assert [cp.tree_size for cp in ledger.checkpoints()] == [1]
        clock.now += 59
        assert not ledger.checkpoint_if_due()
        clock.now += 1
        assert ledger.checkpoint_if_due()
        assert [cp.tree_size for cp in ledger.checkpoints()] == [3, 1]
        clock.now += 600
        assert not ledger.checkpoint_if_due()  # nothing new
    held = _witness(tmp_path, database_url).published("main")
    assert [cp.tree_size for cp in held] == [1, 3]


def test_verify_on_an_intact_database_from_another_folder(
    database_url: str, tmp_path: Path
) -> None:
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        _populate(c)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    intact = _verify_cli(database_url, tmp_path, *_witness_args(tmp_path), cwd=elsewhere)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "witnessed up to 23: ok" in intact.stdout and "\nintact" in intact.stdout
    # without a public key it refuses, clearly, and creates none
    refused = _verify_cli(database_url, tmp_path, cwd=elsewhere, public_key=False)
    assert refused.returncode == 2
    assert "no checkpoint public key" in refused.stderr
    assert "TAMPERED" not in refused.stdout
    assert list(elsewhere.iterdir()) == []


def test_verify_neither_migrates_nor_creates_keys(database_url: str, tmp_path: Path) -> None:
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        _populate(c)
        with c.engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '0019_platforms'"))
    env_key = tmp_path / "nowhere" / "signing.key"
    result = subprocess.run(
        [sys.executable, "-m", "coffer.cli.main", "verify", "--database", database_url],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("COFFER_")},
            "COFFER_SIGNING_KEY_FILE": str(env_key),
            "COFFER_SIGNING_PUBLIC_KEY_FILE": str(tmp_path / "keys" / "signing.key.pub"),
        },
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "verify does not migrate" in result.stderr
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        assert version.scalar_one() == "0019_platforms"
    engine.dispose()
    assert not env_key.parent.exists()
    # a database that is not there is not created
    missing = tmp_path / "missing.db"
    result = _verify_cli(f"sqlite:///{missing}", tmp_path)
    assert result.returncode == 2 and "there is no database" in result.stderr
    assert not missing.exists()


def test_verify_writes_nothing_to_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/coffer.db"
    with coffer.open(url, settings=_settings(tmp_path)) as c:
        _populate(c)
    before = (tmp_path / "coffer.db").read_bytes()
    os.chmod(tmp_path / "coffer.db", 0o400)  # read-only to its owner (root ignores it)
    result = _verify_cli(url, tmp_path, *_witness_args(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "coffer.db").read_bytes() == before


def test_deleted_checkpoints_are_caught_by_the_witness(database_url: str, tmp_path: Path) -> None:
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        _populate(c)
        with c.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM checkpoints"))
    assert _verify_cli(database_url, tmp_path).returncode == 0  # the database alone: no trace
    result = _verify_cli(database_url, tmp_path, *_witness_args(tmp_path))
    assert result.returncode == 1
    assert (
        "TAMPERED: ledger 'main': checkpoint of size 1, published to the witness, is missing"
        in result.stdout
    )


def test_history_rewritten_with_hashes_recomputed_is_caught(
    database_url: str, tmp_path: Path
) -> None:
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        _populate(c)
        lid = c.ledger_info("main").id
        with c.engine.begin() as connection:
            # transaction 3 (entry 3) gets another time, its hash and every later one
            # recomputed, the checkpoints the writer cannot sign again removed
            for table, column in (("transactions", "id"), ("postings", "tx_id")):
                connection.execute(
                    sa.text(f"UPDATE {table} SET timestamp = timestamp - 1000 WHERE {column} = 3")
                )
            connection.execute(sa.text("DELETE FROM checkpoints"))
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        entries = c.ledger("main").journal(limit=1000)
        previous = J.GENESIS_HASH
        with c.engine.begin() as connection:
            for entry in entries:
                digest = J.entry_hash(
                    previous,
                    entry.seq,
                    entry.kind,
                    entry.ref_id,
                    to_micros(entry.created_at),
                    entry.body,
                )
                connection.execute(
                    sa.text("UPDATE journal SET hash = :h WHERE ledger_id = :l AND seq = :s"),
                    {"h": digest, "l": lid, "s": entry.seq},
                )
                previous = digest
            connection.execute(
                sa.text("UPDATE ledgers SET head_hash = :h WHERE id = :l"),
                {"h": previous, "l": lid},
            )
    assert _verify_cli(database_url, tmp_path).returncode == 0  # consistent, to the database
    result = _verify_cli(database_url, tmp_path, *_witness_args(tmp_path))
    assert result.returncode == 1
    assert (
        "TAMPERED: ledger 'main': the journal's first 9 entries differ from the witness's "
        "checkpoint of size 9: history was rewritten between entry 1 and entry 8" in result.stdout
    )


def test_a_truncated_tail_is_caught(database_url: str, tmp_path: Path) -> None:
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        _populate(c)
        lid = c.ledger_info("main").id
        with c.engine.begin() as connection:
            last = connection.execute(
                sa.text("SELECT hash FROM journal WHERE ledger_id = :l AND seq = 19"), {"l": lid}
            ).scalar_one()
            connection.execute(sa.text("DELETE FROM journal WHERE seq >= 20"))
            connection.execute(sa.text("UPDATE accounts SET metadata = '{}'"))
            connection.execute(sa.text("DELETE FROM checkpoints WHERE tree_size > 20"))
            connection.execute(
                sa.text("UPDATE ledgers SET next_seq = 20, head_hash = :h WHERE id = :l"),
                {"h": last, "l": lid},
            )
    assert _verify_cli(database_url, tmp_path).returncode == 0
    result = _verify_cli(database_url, tmp_path, *_witness_args(tmp_path))
    assert result.returncode == 1
    assert (
        "TAMPERED: ledger 'main': the witness holds a checkpoint of size 23 but the journal "
        "has 20 entries: entries 20 to 22 were removed" in result.stdout
    )


def test_a_witness_line_not_signed_by_the_key_is_reported(
    database_url: str, tmp_path: Path
) -> None:
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        _populate(c)
    path = _witness(tmp_path, database_url).path("main")
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace('"tree_size":1', '"tree_size":2')
    path.write_text("\n".join(lines) + "\n")
    result = _verify_cli(database_url, tmp_path, *_witness_args(tmp_path))
    assert result.returncode == 1
    assert "the witness's checkpoint of size 2 is not signed by the checkpoint key" in result.stdout


def test_in_process_verify_checkpoints_what_it_verified(database_url: str, tmp_path: Path) -> None:
    with coffer.open(database_url, settings=_settings(tmp_path, checkpoint_interval=1000)) as c:
        ledger = c.ledger("main")
        for index in range(5):
            ledger.post([Posting("world", "users:1", 1 + index, USD)])
        assert [cp.tree_size for cp in ledger.checkpoints()] == [1]
        assert c.verify().ok
        assert ledger.checkpoints()[0].tree_size == 5
        held = _witness(tmp_path, database_url).published("main")
        assert [cp.tree_size for cp in held] == [1, 5]
        # nothing is signed over a database that does not verify
        with c.engine.begin() as connection:
            connection.execute(sa.text("UPDATE postings SET amount = 2 WHERE tx_id = 4"))
        ledger.post([Posting("world", "users:1", 1, USD)])
        assert not c.verify().ok
        assert [cp.tree_size for cp in _witness(tmp_path, database_url).published("main")] == [
            1,
            5,
        ]


def test_an_unreachable_witness_does_not_fail_writes(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "witness"
    blocker.write_text("a file where the directory should be")
    with coffer.open(database_url, settings=_settings(tmp_path)) as c:
        ledger = c.ledger("main")
        tx = ledger.post([Posting("world", "users:1", 1, USD)])
        assert tx.id == 0 and ledger.checkpoints()[0].tree_size == 1
    assert "could not publish checkpoint 1" in caplog.text
