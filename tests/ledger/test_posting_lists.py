"""Posting lists, the accounts' index: written in bulk every so many transactions; reads by
account see every posting whether listed or not; verify checks the lists and their mark."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import coffer
from coffer import Posting
from coffer.ledger import store
from dbtools import use_settings

USD = "USD/2"


def listed(c: coffer.Coffer, name: str = "main") -> tuple[int, int]:
    """(listed_tx, next_tx_id) of ledger ``name``, once its listing thread, if any, is done."""
    lister = c.ledger(name)._sequencer._lister
    if lister is not None:
        lister.join(timeout=30)
    with c.engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT listed_tx, next_tx_id FROM ledgers WHERE name = :n"), {"n": name}
        ).one()
    return int(row[0]), int(row[1])


def lists(c: coffer.Coffer, account: str) -> list[tuple[int, list[int], list[int]]]:
    """(first_tx, sources, destinations) of ``account``'s list rows, in order."""
    out = []
    with c.engine.connect() as connection:
        for first, sources, destinations in connection.execute(
            sa.text(
                "SELECT first_tx, sources, destinations FROM posting_lists WHERE account = :a"
                " ORDER BY first_tx"
            ),
            {"a": account},
        ):
            if isinstance(sources, str):  # SQLite keeps JSON arrays
                sources, destinations = json.loads(sources), json.loads(destinations)
            out.append((int(first), sorted(sources or []), sorted(destinations or [])))
    return out


def ids(page: coffer.Page[coffer.Transaction]) -> list[int]:
    return [tx.id for tx in page.data]


@pytest.fixture
def every_ten(monkeypatch: pytest.MonkeyPatch) -> None:
    use_settings(monkeypatch, posting_lists_every=10)


@pytest.mark.usefixtures("every_ten")
def test_lists_are_written_every_so_many_transactions_and_reads_see_everything(
    database_url: str,
) -> None:
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        # tx i: world -> users:(i % 3); every third also users:0 -> users:1
        batch = []
        for i in range(25):
            postings = [Posting("world", f"users:{i % 3}", 10, USD)]
            if i % 3 == 2:
                postings.append(Posting("users:0", "users:1", 1, USD))
            batch.append(postings)
        ledger.post_many(batch)
        assert listed(c) == (25, 25)  # due at once: one window of 25 transactions
        for _ in range(5):  # five more: not due yet
            ledger.post(
                [Posting("world", "users:0", 10, USD), Posting("users:0", "users:2", 1, USD)]
            )
        assert listed(c) == (25, 30)
        with c.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT account, first_tx FROM posting_lists ORDER BY account")
            ).all()
        twos = [i for i in range(25) if i % 3 == 2]
        assert lists(c, "users:0") == [(0, twos, [i for i in range(25) if i % 3 == 0])]
        assert lists(c, "users:2") == [(0, [], twos)]
        assert [(a, int(f)) for a, f in rows] == [
            ("users:0", 0),
            ("users:1", 0),
            ("users:2", 0),
            ("world", 0),
        ]

        expected_zero_src = [i for i in range(25) if i % 3 == 2] + list(range(25, 30))
        expected_zero_dst = [i for i in range(25) if i % 3 == 0] + list(range(25, 30))
        assert ids(ledger.transactions(source="users:0", order="asc")) == expected_zero_src
        assert ids(ledger.transactions(destination="users:0", order="asc")) == expected_zero_dst
        assert ids(ledger.transactions(account="users:0", order="asc")) == sorted(
            set(expected_zero_src) | set(expected_zero_dst)
        )
        assert ids(ledger.transactions(account="users:2")) == [
            29,
            28,
            27,
            26,
            25,
            *reversed([i for i in range(25) if i % 3 == 2]),
        ]
        # paging crosses from the unlisted postings into the lists
        first = ledger.transactions(account="users:0", page_size=4)
        second = ledger.transactions(cursor=first.next_cursor, page_size=4)
        assert (
            ids(first) + ids(second)
            == sorted(set(expected_zero_src) | set(expected_zero_dst), reverse=True)[:8]
        )

        # point-in-time balances read listed and unlisted postings alike
        later = datetime.now(UTC) + timedelta(days=1)
        for account in ("users:0", "users:1", "users:2", "world"):
            assert ledger.balance(account, USD, at=later) == ledger.balance(account, USD)
        assert ledger.balance("users:0", USD, at=datetime(2000, 1, 1, tzinfo=UTC)) == 0
        assert c.verify().ok

        ledger.list_postings()  # on demand: everything
        assert listed(c) == (30, 30)
        assert ids(ledger.transactions(account="users:2", page_size=5)) == [29, 28, 27, 26, 25]
        assert c.verify().ok


def test_an_account_in_several_postings_of_a_transaction_is_listed_once_per_side(
    database_url: str,
) -> None:
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        ledger.post([Posting("world", "a", 5, USD)])
        # a twice a source and twice a destination; b twice a destination
        ledger.post(
            [
                Posting("a", "a", 3, USD),
                Posting("a", "b", 1, USD),
                Posting("world", "a", 2, USD),
                Posting("world", "b", 2, USD),
            ]
        )
        ledger.list_postings()
        assert lists(c, "a") == [(0, [1], [0, 1])]  # each transaction once per side
        assert lists(c, "b") == [(0, [], [1])]
        assert lists(c, "world") == [(0, [0, 1], [])]
        assert ids(ledger.transactions(account="a", order="asc")) == [0, 1]
        assert ids(ledger.transactions(source="a")) == [1]
        assert ledger.balance("a", USD, at=datetime.now(UTC) + timedelta(days=1)) == 6
        assert c.verify().ok


@pytest.mark.parametrize(
    "tampering",
    [
        "DELETE FROM posting_lists WHERE account = 'users:1'",
        "UPDATE ledgers SET listed_tx = 0",
        "UPDATE ledgers SET listed_tx = listed_tx - 1",
        "UPDATE ledgers SET listed_tx = listed_tx + 1",
        "UPDATE ledgers SET listed_tx = next_tx_id + 1",
        "UPDATE posting_lists SET destinations = sources WHERE account = 'users:1'",
        # a list that names one transaction twice and misses none
        "{duplicate}",
        # one that names the wrong transaction
        "{shifted}",
    ],
)
@pytest.mark.usefixtures("every_ten")
def test_tampering_with_the_lists_or_their_mark_shows(database_url: str, tampering: str) -> None:
    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        ledger.post_many([[Posting("world", f"users:{i % 3}", 10, USD)] for i in range(12)])
        assert listed(c) == (12, 12)
        ledger.post([Posting("world", "users:1", 1, USD)])  # one unlisted
        assert listed(c) == (12, 13)
        assert c.verify().ok
        postgresql = c.engine.dialect.name == "postgresql"
        if tampering == "{duplicate}":
            tampering = (
                "UPDATE posting_lists SET destinations = destinations || destinations[1:1]"
                if postgresql
                else "UPDATE posting_lists SET destinations = json_insert(destinations, '$[#]',"
                " json_extract(destinations, '$[0]'))"
            ) + " WHERE account = 'users:1'"
        elif tampering == "{shifted}":
            tampering = (
                "UPDATE posting_lists SET destinations = ARRAY[2, 4, 7, 10]"
                if postgresql
                else "UPDATE posting_lists SET destinations = '[2,4,7,10]'"
            ) + " WHERE account = 'users:1'"
        with c.engine.begin() as connection:
            connection.execute(sa.text(tampering))
        report = c.verify()
    assert not report.ok, tampering
    assert "posting list" in (report.first_problem or ""), report.first_problem


def test_a_list_that_is_not_json_any_more_shows(tmp_path: object) -> None:
    with coffer.open(f"sqlite:///{tmp_path}/coffer.db") as c:
        ledger = c.ledger("main")
        ledger.post([Posting("world", "a", 5, USD)])
        ledger.list_postings()
        with c.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE posting_lists SET sources = '[0,' WHERE account = 'world'")
            )
        report = c.verify()
    assert not report.ok
    assert "posting lists cannot be read" in (report.first_problem or "")


@pytest.mark.usefixtures("every_ten")
def test_a_failure_to_list_is_logged_and_the_next_caller_lists(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The callers' transactions are committed before the lists are due: a failure to write
    the lists must not look like a failed post."""
    original = store.WriteStore.list_postings
    failures = []

    def failing(self: store.WriteStore) -> int:
        if not failures:
            failures.append(1)
            raise RuntimeError("the disk is full")
        return original(self)

    monkeypatch.setattr(store.WriteStore, "list_postings", failing)
    with coffer.open(database_url) as c, caplog.at_level(logging.WARNING):
        ledger = c.ledger("main")
        results = ledger.post_many([[Posting("world", "a", 1, USD)] for _ in range(10)])
        assert all(isinstance(r, coffer.Transaction) for r in results)
        assert listed(c) == (0, 10)
        assert "listing postings failed" in caplog.text
        ledger.post([Posting("world", "a", 1, USD)])  # the next caller lists them
        assert listed(c) == (11, 11)
        assert ids(ledger.transactions(account="a", page_size=3)) == [10, 9, 8]
        assert c.verify().ok


def test_lists_of_existing_postings_are_written_by_the_migration(tmp_path: object) -> None:
    """A database at migration 0010 (postings indexed by account, no lists) is upgraded:
    its postings are listed and the mark set to the end."""
    from alembic import command

    from coffer.db.migrate import _config

    url = f"sqlite:///{tmp_path}/coffer.db"
    with coffer.open(url) as c:
        ledger = c.ledger("main")
        ledger.post_many([[Posting("world", f"u{i % 4}", 5, USD)] for i in range(9)])
        config = _config()
        with c.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0010_ledger_balances_tx")
        with c.engine.connect() as connection:
            names = {row[1] for row in connection.exec_driver_sql("PRAGMA index_list(postings)")}
        assert {"postings_source", "postings_destination"} <= names
    with coffer.open(url) as c:  # upgrades on open
        assert listed(c) == (9, 9)
        ledger = c.ledger("main")
        assert ids(ledger.transactions(account="u1", order="asc")) == [1, 5]
        assert c.verify().ok


def _posting_lists_key(c: coffer.Coffer) -> list[str]:
    with c.engine.connect() as connection:
        key = sa.inspect(connection).get_pk_constraint("posting_lists")
    return list(key["constrained_columns"])


def test_the_migration_keys_the_lists_by_window_and_keeps_them(
    database_url: str, every_ten: None
) -> None:
    """A database at migration 0011 (lists keyed by account first) is upgraded: on SQLite
    to lists keyed by window first, with every row kept, and reads find the same
    transactions."""
    from alembic import command

    from coffer.db.migrate import _config

    with coffer.open(database_url) as c:
        ledger = c.ledger("main")
        for _ in range(3):  # three windows of lists, and a few transactions unlisted
            ledger.post_many([[Posting("world", f"u{i % 4}", 5, USD)] for i in range(11)])
            ledger.list_postings()
        ledger.post([Posting("u1", "u2", 1, USD)])
        before = {a: lists(c, a) for a in ("u0", "u1", "u2", "world")}
        history = ids(ledger.transactions(account="u1", order="asc", page_size=100))
        config = _config()
        with c.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0011_ledger_posting_lists")
        assert _posting_lists_key(c) == ["ledger_id", "account", "first_tx"]
        assert {a: lists(c, a) for a in before} == before
    with coffer.open(database_url) as c:  # upgrades on open
        by_window = ["ledger_id", "first_tx", "account"]
        by_account = ["ledger_id", "account", "first_tx"]
        assert _posting_lists_key(c) == (by_account if c.is_postgresql else by_window)
        assert {a: lists(c, a) for a in before} == before
        ledger = c.ledger("main")
        assert len(history) == 3 * 3 + 1
        assert ids(ledger.transactions(account="u1", order="asc", page_size=100)) == history
        assert ledger.balance("u1", USD, at=datetime.now(UTC)) == 3 * 3 * 5 - 1
        assert c.verify().ok


class _Connection:
    """A sqlite3 connection that runs ``before(sql)`` ahead of each statement."""

    def __init__(self, connection: sqlite3.Connection, before: Callable[[str], None]) -> None:
        self._connection = connection
        self._before = before

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        self._before(sql)
        return self._connection.execute(sql, params)

    def __getattr__(self, name: str) -> object:
        return getattr(self._connection, name)


def test_on_sqlite_writers_go_on_while_a_window_is_grouped(tmp_path: object) -> None:
    """SQLite has one writer: the window is grouped without the write lock, which is held
    only to copy the lists in and move the mark."""
    url = f"sqlite:///{tmp_path}/coffer.db"
    with coffer.open(url) as c:
        ledger = c.ledger("main")
        ledger.post_many([[Posting("world", f"u:{i % 3}", 1, USD)] for i in range(30)])
        lister = ledger._sequencer._store_factory()
        written = []

        def before(sql: str) -> None:
            if sql.startswith("INSERT INTO temp.listing_window") and not written:
                # another writer commits while the window is being grouped, at once
                other = sqlite3.connect(f"{tmp_path}/coffer.db", timeout=0)
                other.execute("BEGIN IMMEDIATE")
                other.execute("UPDATE ledgers SET metadata = metadata WHERE name = 'main'")
                other.execute("COMMIT")
                other.close()
                written.append(sql)

        lister.connection = _Connection(lister.connection, before)
        assert lister.list_postings() == 30
        assert written
        assert lists(c, "u:1") == [(0, [], list(range(1, 30, 3)))]
        assert c.verify().ok


def test_on_sqlite_a_window_listed_by_another_lister_meanwhile_is_dropped(
    tmp_path: object,
) -> None:
    url = f"sqlite:///{tmp_path}/coffer.db"
    with coffer.open(url) as c:
        ledger = c.ledger("main")
        ledger.post_many([[Posting("world", "a", 1, USD)] for _ in range(12)])
        first = ledger._sequencer._store_factory()
        second = ledger._sequencer._store_factory()
        moved = []

        def before(sql: str) -> None:
            if sql.startswith("BEGIN IMMEDIATE") and not moved:
                moved.append(second.list_postings())  # lists the same window first

        first.connection = _Connection(first.connection, before)
        assert first.list_postings() == 12
        assert moved == [12]
        assert lists(c, "a") == [(0, [], list(range(12)))]  # listed once
        assert c.verify().ok
