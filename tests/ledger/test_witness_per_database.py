"""A directory witness keeps each database's checkpoints in a folder of its own (named by
the id stored in the database), so databases with ledgers of the same name never share a
file; files of the layout of one folder for every database are still read, and moved
into the database's folder when they are its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.ledger.test_witness import _checkpoint, _settings, _verify_cli

import coffer
from coffer import Posting
from coffer.identity.audit import record_now
from coffer.ledger.witness import FILE_SUFFIX, DirectoryWitness, checkpoint_to_json

USD = "USD/2"


def _write(c: coffer.Coffer, count: int) -> None:
    ledger = c.ledger("main")
    for index in range(count):
        ledger.post([Posting("world", f"users:{index % 3}", 100 + index, USD)])
    record_now(c.engine, actor="cli:ops", action="webhook_endpoint.created", target=f"we_{count}")
    assert c.verify().ok


def test_two_databases_in_one_folder_with_the_same_ledger_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = _settings(tmp_path, witness_dir="coffer-witness")
    urls = [f"sqlite:///{tmp_path / name}" for name in ("one.db", "two.db")]
    ids = []
    for count, url in zip((5, 9), urls, strict=True):
        with coffer.open(url, settings=settings) as c:
            _write(c, count)
            ids.append(c.database_id)
    assert ids[0] != ids[1]
    for url, database in zip(urls, ids, strict=True):
        held = DirectoryWitness("coffer-witness", database).published("main")
        assert held and held[-1].tree_size in (5, 9)
        with coffer.open(url, settings=settings) as c:
            assert c.database_id == database  # the id stays with the database
            report = c.verify()
            assert report.ok, str(report)
        result = _verify_cli(url, tmp_path, "--witness", "coffer-witness")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "witnessed up to" in result.stdout


def test_files_of_one_folder_for_every_database_are_read_then_moved(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'book.db'}"
    root = tmp_path / "witness"
    settings = _settings(tmp_path)
    with coffer.open(url, settings=settings, witness=DirectoryWitness(root)) as c:
        _write(c, 6)  # written as a witness without database folders did
        database = c.database_id
    legacy = sorted(p.name for p in root.glob("*" + FILE_SUFFIX))
    assert legacy == ["%40audit-log" + FILE_SUFFIX, "main" + FILE_SUFFIX]
    # read where they are by verify, which never moves anything
    result = _verify_cli(url, tmp_path, "--witness", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "witnessed up to 6" in result.stdout and not (root / database).exists()
    # another database's file (same ledger name, another history) is left alone
    stranger = root / ("stranger" + FILE_SUFFIX)
    forked = root / ("main" + FILE_SUFFIX)
    stranger_line = json.loads(checkpoint_to_json(_checkpoint(3, b"s" * 32)))
    stranger.write_text(json.dumps({**stranger_line, "ledger": "stranger"}) + "\n")
    with coffer.open(url, settings=settings) as c:  # the next opening moves its own files
        assert sorted(p.name for p in (root / database).iterdir()) == legacy
        assert stranger.exists() and not forked.exists()
        c.ledger("main").post([Posting("world", "users:9", 1, USD)])
        assert c.verify().ok
        assert c.witness is not None
        assert c.witness.published("main")[-1].tree_size == 7
    result = _verify_cli(url, tmp_path, "--witness", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "witnessed up to 7" in result.stdout


def test_a_file_of_another_history_is_not_moved(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'book.db'}"
    root = tmp_path / "witness"
    root.mkdir()
    other = root / ("main" + FILE_SUFFIX)
    other.write_text(checkpoint_to_json(_checkpoint(1, b"o" * 32)) + "\n")
    with coffer.open(url, settings=_settings(tmp_path)) as c:
        _write(c, 4)
        assert c.witness is not None
        assert [cp.root for cp in c.witness.published("main")] != [b"o" * 32]
    with coffer.open(url, settings=_settings(tmp_path)) as c:
        assert other.exists()  # its checkpoint is not this database's
        assert c.verify().ok
