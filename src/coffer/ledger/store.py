"""The ledger's write-path SQL for both backends, on raw driver connections.

The sequencer hands a :class:`Writes` (rows of one batch) to :meth:`WriteStore.write`,
which stores it in one database transaction. On PostgreSQL the whole batch is one
statement (data-modifying CTEs over ``unnest`` arrays) guarded by the ledger head, so a
batch costs one round trip; on SQLite it is a handful of ``executemany`` calls.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from coffer.db.engine import Backend
from coffer.money import WORLD

BalanceRow = tuple[str, str, int, int, int, int, int | None]


@dataclass(slots=True)
class Writes:
    """Everything one batch writes. Row tuples omit the ledger id."""

    transactions: list[tuple[Any, ...]] = field(default_factory=list)
    postings: list[tuple[Any, ...]] = field(default_factory=list)
    journal: list[tuple[Any, ...]] = field(default_factory=list)
    holds: list[tuple[Any, ...]] = field(default_factory=list)
    checkpoints: list[tuple[Any, ...]] = field(default_factory=list)
    # Keyed changes (dicts so a failed request can be undone key by key).
    balances: dict[tuple[str, str], None] = field(default_factory=dict)
    new_accounts: dict[str, int] = field(default_factory=dict)
    account_metadata: dict[str, str] = field(default_factory=dict)
    tx_metadata: dict[int, str] = field(default_factory=dict)
    hold_status: dict[int, str] = field(default_factory=dict)
    # Pending amounts or an overdraft changed: the balance rows must be written with this
    # batch (a catch-up adds postings to the rows, nothing else).
    eager: bool = False

    def empty(self) -> bool:
        return not (self.journal or self.checkpoints or self.balances or self.new_accounts)


@dataclass(slots=True)
class Head:
    next_seq: int
    head_hash: bytes
    next_tx_id: int
    next_hold_id: int


class StaleHead(Exception):
    """Another writer moved the ledger head since this process last saw it."""


class UniqueViolation(Exception):
    """A reference, idempotency key or revert was already taken (checked by an index)."""


# PostgreSQL array literals built here in one join per column: psycopg's per-element
# dumping of lists costs more than the rest of a batch. Addresses and assets hold no
# quote, backslash or comma (see coffer.money), so they only need the surrounding quotes.


def _ints(values: Iterable[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _nullable_ints(values: Iterable[int | None]) -> str:
    return "{" + ",".join(["NULL" if v is None else str(v) for v in values]) + "}"


def _names(values: Iterable[str]) -> str:
    joined = '","'.join(values)
    return '{"' + joined + '"}' if joined else "{}"


def _texts(values: Iterable[str | None]) -> str:
    return "{" + ",".join([_quote(v) for v in values]) + "}"


def _quote(value: str | None) -> str:
    if value is None:
        return "NULL"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _hexes(values: Iterable[bytes | None]) -> str:
    return "{" + ",".join(["NULL" if v is None else v.hex() for v in values]) + "}"


def empty_balance(account: str) -> tuple[int, int, int, int, int | None]:
    """The balance of an account without a row: nothing moved, and the default floor
    (only ``world`` may go negative, without bound)."""
    return (0, 0, 0, 0, None if account == WORLD else 0)


class WriteStore:
    def __init__(self, backend: Backend, connection: Any, ledger_id: int) -> None:
        self.backend = backend
        self.connection = connection
        self.ledger_id = ledger_id
        self._in_transaction = False
        # the server process behind the connection (PostgreSQL), to settle a lost write
        self._backend_pid: int | None = None
        if backend is Backend.POSTGRESQL:
            self._backend_pid = int(connection.info.backend_pid)

    # -- transaction control ---------------------------------------------------------

    def begin_locked(self) -> Head:
        """Open a transaction holding the ledger's write lock, and read its head."""
        if self.backend is Backend.SQLITE:
            self.connection.execute("BEGIN IMMEDIATE")
            row = self.connection.execute(
                "SELECT next_seq, head_hash, next_tx_id, next_hold_id FROM ledgers WHERE id = ?",
                (self.ledger_id,),
            ).fetchone()
        else:
            self.connection.execute("BEGIN")
            row = self.connection.execute(
                "SELECT next_seq, head_hash, next_tx_id, next_hold_id FROM ledgers "
                "WHERE id = %s FOR UPDATE",
                (self.ledger_id,),
            ).fetchone()
        self._in_transaction = True
        return Head(int(row[0]), bytes(row[1]), int(row[2]), int(row[3]))

    def read_head(self) -> Head:
        sql = "SELECT next_seq, head_hash, next_tx_id, next_hold_id FROM ledgers WHERE id = "
        sql += "?" if self.backend is Backend.SQLITE else "%s"
        row = self.connection.execute(sql, (self.ledger_id,)).fetchone()
        return Head(int(row[0]), bytes(row[1]), int(row[2]), int(row[3]))

    def commit(self) -> None:
        if self._in_transaction:
            self.connection.execute("COMMIT")
            self._in_transaction = False

    def rollback(self) -> None:
        if self._in_transaction:
            self._in_transaction = False
            # the connection may be gone; the sequencer then reconnects
            with contextlib.suppress(Exception):
                self.connection.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

    # -- settling a write whose connection was lost (PostgreSQL) ----------------------

    def backend_pid(self) -> int | None:
        """The server process behind this connection (PostgreSQL), None on SQLite."""
        return self._backend_pid

    def backend_ended(self, pid: int, timeout: float) -> bool:
        """Whether server process ``pid`` has ended, waiting up to ``timeout`` seconds and
        ending it if it lingers. Once it has, a transaction it ran has committed or rolled
        back for good. Autocommit: every poll reads a fresh ``pg_stat_activity``."""
        deadline = time.monotonic() + timeout
        ended_it = False
        while True:
            row = self.connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone()
            if row is not None and row[0] == 0:
                return True
            if time.monotonic() >= deadline:
                return False
            if not ended_it:
                ended_it = True
                # Allowed for the role's own connections; otherwise wait for it to end.
                with contextlib.suppress(Exception):
                    self.connection.execute("SELECT pg_terminate_backend(%s)", (pid,))
            time.sleep(0.02)

    def entry_hash(self, seq: int) -> bytes | None:
        """The stored hash of journal entry ``seq``, None when there is none."""
        rows = self.query(
            "SELECT hash FROM journal WHERE ledger_id = ? AND seq = ?", (self.ledger_id, seq)
        )
        return bytes(rows[0][0]) if rows else None

    # -- reads used while applying a batch --------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.backend is Backend.POSTGRESQL:
            sql = sql.replace("?", "%s")
        return list(self.connection.execute(sql, tuple(params)).fetchall())

    def load_balances(self, accounts: Sequence[str]) -> list[BalanceRow]:
        rows: list[BalanceRow] = []
        columns = "account, asset, input, output, pending_input, pending_output, overdraft"
        if self.backend is Backend.POSTGRESQL:
            result = self.connection.execute(
                f"SELECT {columns} FROM balances WHERE ledger_id = %s AND account = ANY(%s)",
                (self.ledger_id, list(accounts)),
            ).fetchall()
            raw: Iterable[tuple[Any, ...]] = result
        else:
            chunks: list[tuple[Any, ...]] = []
            for start in range(0, len(accounts), 500):
                chunk = accounts[start : start + 500]
                marks = ",".join("?" * len(chunk))
                chunks.extend(
                    self.connection.execute(
                        f"SELECT {columns} FROM balances WHERE ledger_id = ? "
                        f"AND account IN ({marks})",
                        (self.ledger_id, *chunk),
                    ).fetchall()
                )
            raw = chunks
        for account, asset, inp, out, pin, pout, overdraft in raw:
            rows.append(
                (
                    account,
                    asset,
                    int(inp),
                    int(out),
                    int(pin),
                    int(pout),
                    None if overdraft is None else int(overdraft),
                )
            )
        return rows

    # -- balance rows that lag the journal --------------------------------------------

    def balances_lag(self) -> bool:
        """Whether the balance rows miss the postings of some committed transactions."""
        rows = self.query(
            "SELECT balances_tx, next_tx_id FROM ledgers WHERE id = ?", (self.ledger_id,)
        )
        return int(rows[0][0]) < int(rows[0][1])

    def catch_up(self) -> int:
        """Bring the balance rows up to the journal: add to them the postings of every
        transaction from ``ledgers.balances_tx`` on, and move that mark to the end.

        Runs in a transaction of its own holding the ledger's write lock, or in the one
        open (which must hold it). Exact whoever runs it: a reader, or a process taking
        over the ledger, while another process writes. Returns the transaction id the rows
        now reach (the ledger's ``next_tx_id``).
        """
        own = not self._in_transaction
        if own:
            self.begin_locked()
        try:
            reached = self._catch_up_locked()
        except BaseException:
            if own:
                self.rollback()
            raise
        if own:
            self.commit()
        return reached

    def _mark_and_end(self, mark: str) -> tuple[int, int]:
        """The ledger's ``mark`` column (``balances_tx`` or ``listed_tx``) and its next
        transaction id: the window of transactions the mark has not reached yet."""
        row = self.query(f"SELECT {mark}, next_tx_id FROM ledgers WHERE id = ?", (self.ledger_id,))
        return int(row[0][0]), int(row[0][1])

    def _catch_up_locked(self) -> int:
        lid = self.ledger_id
        mark, end = self._mark_and_end("balances_tx")
        if mark >= end:
            return end
        moved: dict[tuple[str, str], list[int]] = {}
        for source, destination, amount, asset in self.query(
            "SELECT source, destination, amount, asset FROM postings"
            " WHERE ledger_id = ? AND tx_id >= ?",
            (lid, mark),
        ):
            value = int(amount)
            credited = moved.get((destination, asset))
            if credited is None:
                credited = moved[(destination, asset)] = [0, 0]
            credited[0] += value
            debited = moved.get((source, asset))
            if debited is None:
                debited = moved[(source, asset)] = [0, 0]
            debited[1] += value
        stored = {
            (row[0], row[1]): row[2:]
            for row in self.load_balances(sorted({account for account, _ in moved}))
        }
        rows: list[tuple[Any, ...]] = []
        for (account, asset), (inputs, outputs) in moved.items():
            inp, out, pin, pout, overdraft = stored.get((account, asset)) or empty_balance(account)
            rows.append((account, asset, inp + inputs, out + outputs, pin, pout, overdraft))
        if not rows:
            self._execute("UPDATE ledgers SET balances_tx = ? WHERE id = ?", (end, lid))
        elif self.backend is Backend.SQLITE:
            self._sqlite_insert("balances", rows, _BALANCE_UPSERT)
            self.connection.execute("UPDATE ledgers SET balances_tx = ? WHERE id = ?", (end, lid))
        else:
            params: dict[str, Any] = {"lid": lid, "end": end}
            insert = _unnest_insert("b", "balances", rows, params, _BALANCE_UPSERT)
            self.connection.execute(
                "WITH head AS (UPDATE ledgers SET balances_tx = %(end)s WHERE id = %(lid)s"
                f" RETURNING id), {insert} SELECT count(*) FROM head",
                params,
            ).fetchone()
        return end

    # -- posting lists: which transactions each account took part in ------------------

    def listed_tx(self) -> int:
        """How far ``posting_lists`` go: they hold the transactions before this id."""
        return int(
            self.query("SELECT listed_tx FROM ledgers WHERE id = ?", (self.ledger_id,))[0][0]
        )

    def list_postings(self) -> int:
        """Add to ``posting_lists`` the postings of every transaction from
        ``ledgers.listed_tx`` on (one row per account: the ids of the transactions where it
        is a source, and where it is a destination), and move that mark to the end.

        The database groups them, in one statement: a window of tens of thousands of
        postings becomes about one row per account, written in key order, where an index
        on the postings would have taken two entries per posting at random places of its
        b-trees. Runs in a transaction of its own, so the window and the mark move
        together. On PostgreSQL listers take an advisory lock of their own, and the
        ledger's row is locked only by the final update of the mark, so batches go on being
        written meanwhile: the window ends at the committed ``next_tx_id``, and postings
        before it never change. On SQLite, which has one writer, see
        :meth:`_list_postings_sqlite`. Returns the mark reached."""
        if self.backend is Backend.SQLITE:
            return self._list_postings_sqlite()
        self.connection.execute("BEGIN")
        self._in_transaction = True
        self.connection.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", (_LISTING_LOCK, self.ledger_id)
        )
        try:
            lid = self.ledger_id
            mark, end = self._mark_and_end("listed_tx")
            if mark < end:
                self._execute(
                    "INSERT INTO posting_lists (ledger_id, account, first_tx, sources,"
                    " destinations)" + posting_lists_select(self.backend),
                    (lid, mark, lid, mark, end, lid, mark, end),
                )
                self._execute("UPDATE ledgers SET listed_tx = ? WHERE id = ?", (end, lid))
        except BaseException:
            self.rollback()
            raise
        self.commit()
        return end

    def _list_postings_sqlite(self) -> int:
        """``list_postings`` on SQLite: the window is grouped into a temporary table in a
        read transaction, which takes no lock that writers wait for (a connection's
        temporary tables are its own). Only copying the rows into ``posting_lists`` and
        moving the mark hold the write lock: about a sixth of the listing's time. If
        another lister moved the mark meanwhile, its lists stand and these are dropped."""
        connection = self.connection
        lid = self.ledger_id
        connection.execute(
            "CREATE TEMP TABLE IF NOT EXISTS listing_window (ledger_id INTEGER, account TEXT,"
            " first_tx INTEGER, sources TEXT, destinations TEXT)"
        )
        connection.execute("BEGIN")
        self._in_transaction = True
        try:
            mark, end = self._mark_and_end("listed_tx")
            if mark >= end:
                self.rollback()
                return mark
            connection.execute("DELETE FROM temp.listing_window")
            connection.execute(
                "INSERT INTO temp.listing_window" + posting_lists_select(self.backend),
                (lid, mark, lid, mark, end, lid, mark, end),
            )
            self.commit()
            self.begin_locked()
            listed, _ = self._mark_and_end("listed_tx")
            if listed != mark:
                self.rollback()
                return listed
            columns = "ledger_id, account, first_tx, sources, destinations"
            connection.execute(
                f"INSERT INTO posting_lists ({columns}) SELECT {columns} FROM temp.listing_window"
            )
            connection.execute("UPDATE ledgers SET listed_tx = ? WHERE id = ?", (end, lid))
            self.commit()
        except BaseException:
            self.rollback()
            raise
        return end

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        if self.backend is Backend.POSTGRESQL:
            sql = sql.replace("?", "%s")
        self.connection.execute(sql, tuple(params))

    # -- the batch write ----------------------------------------------------------------

    def write(
        self,
        writes: Writes,
        balance_rows: list[tuple[Any, ...]],
        expected_seq: int,
        head: Head,
        now: int,
        balances_tx: int | None = None,
    ) -> None:
        """Store one batch; raise StaleHead or UniqueViolation and write nothing on conflict.

        ``balance_rows`` are ``(account, asset, input, output, pending in, pending out,
        overdraft)`` as they are after the batch. ``balances_tx``: the rows written bring
        every balance up to this transaction id (None: they lag, see :meth:`catch_up`).
        """
        try:
            if self.backend is Backend.SQLITE:
                self._write_sqlite(writes, balance_rows, expected_seq, head, now, balances_tx)
            else:
                self._write_postgresql(writes, balance_rows, expected_seq, head, now, balances_tx)
        except sqlite3.IntegrityError as exc:
            self.rollback()
            raise UniqueViolation(str(exc)) from exc
        except Exception as exc:
            import psycopg

            self.rollback()
            if isinstance(exc, psycopg.errors.UniqueViolation):
                raise UniqueViolation(str(exc)) from exc
            raise

    def _write_sqlite(
        self,
        writes: Writes,
        balance_rows: list[tuple[Any, ...]],
        expected_seq: int,
        head: Head,
        now: int,
        balances_tx: int | None,
    ) -> None:
        connection: sqlite3.Connection = self.connection
        lid = self.ledger_id
        if not self._in_transaction:
            connection.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
        for _, table, rows, suffix in _inserts(writes, balance_rows, now):
            if rows:
                self._sqlite_insert(table, rows, suffix)
        if writes.hold_status:
            connection.executemany(
                "UPDATE holds SET status = ? WHERE ledger_id = ? AND id = ?",
                [(status, lid, hold_id) for hold_id, status in writes.hold_status.items()],
            )
        if writes.tx_metadata:
            connection.executemany(
                "UPDATE transactions SET metadata = ? WHERE ledger_id = ? AND id = ?",
                [(meta, lid, tx_id) for tx_id, meta in writes.tx_metadata.items()],
            )
        flushed = "" if balances_tx is None else f", balances_tx = {int(balances_tx)}"
        cursor = connection.execute(
            "UPDATE ledgers SET next_seq = ?, head_hash = ?, next_tx_id = ?, next_hold_id = ?"
            f"{flushed} WHERE id = ? AND next_seq = ?",
            (head.next_seq, head.head_hash, head.next_tx_id, head.next_hold_id, lid, expected_seq),
        )
        if cursor.rowcount != 1:
            self.rollback()
            raise StaleHead()
        connection.execute("COMMIT")
        self._in_transaction = False

    def _sqlite_insert(self, table: str, rows: list[tuple[Any, ...]], suffix: str) -> None:
        for names, group in _sqlite_groups(table, self.ledger_id, rows):
            if group:
                marks = ",".join("?" * len(names))
                self.connection.executemany(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}){suffix}", group
                )

    def _write_postgresql(
        self,
        writes: Writes,
        balance_rows: list[tuple[Any, ...]],
        expected_seq: int,
        head: Head,
        now: int,
        balances_tx: int | None,
    ) -> None:
        sql, params = self.postgresql_statement(
            writes, balance_rows, expected_seq, head, now, balances_tx=balances_tx
        )
        row = self.connection.execute(sql, params).fetchone()
        if row[0] != 1:
            self.rollback()
            raise StaleHead()
        if self._in_transaction:
            self.connection.execute("COMMIT")
            self._in_transaction = False

    def postgresql_statement(
        self,
        writes: Writes,
        balance_rows: list[tuple[Any, ...]],
        expected_seq: int,
        head: Head,
        now: int,
        *,
        expected_hash: bytes | None = None,
        balances_tx: int | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """The one statement storing a batch on PostgreSQL, and its parameters: it answers
        one row, 1 when it wrote the batch, 0 when the head had moved (nothing written).
        ``expected_hash``: the head hash too must be the one the batch was applied on.
        ``balances_tx``: as for :meth:`write`."""
        params: dict[str, Any] = {
            "lid": self.ledger_id,
            "expected": expected_seq,
            "next_seq": head.next_seq,
            "head_hash": head.head_hash,
            "next_tx": head.next_tx_id,
            "next_hold": head.next_hold_id,
            "now": now,
        }
        inserts = _inserts(writes, balance_rows, now)
        parts = [
            _unnest_insert(alias, table, rows, params, suffix)
            for alias, table, rows, suffix in inserts
            if rows
        ]
        if writes.hold_status:
            params.update(
                hs_id=_ints(writes.hold_status), hs_status=_names(writes.hold_status.values())
            )
            parts.append(
                "hs AS (UPDATE holds SET status = v.status FROM unnest(%(hs_id)s::bigint[],"
                " %(hs_status)s::text[]) AS v(id, status) WHERE holds.ledger_id = %(lid)s"
                " AND holds.id = v.id AND EXISTS (SELECT 1 FROM head))"
            )
        if writes.tx_metadata:
            params.update(
                tm_id=_ints(writes.tx_metadata), tm_meta=_texts(writes.tx_metadata.values())
            )
            parts.append(
                "tm AS (UPDATE transactions SET metadata = v.metadata FROM"
                " unnest(%(tm_id)s::bigint[], %(tm_meta)s::text[]) AS v(id, metadata)"
                " WHERE transactions.ledger_id = %(lid)s AND transactions.id = v.id"
                " AND EXISTS (SELECT 1 FROM head))"
            )
        sql = (
            "WITH head AS (UPDATE ledgers SET next_seq = %(next_seq)s, head_hash = %(head_hash)s,"
            " next_tx_id = %(next_tx)s, next_hold_id = %(next_hold)s"
        )
        if balances_tx is not None:
            params["balances_tx"] = balances_tx
            sql += ", balances_tx = %(balances_tx)s"
        sql += " WHERE id = %(lid)s AND next_seq = %(expected)s"
        if expected_hash is not None:
            params["expected_hash"] = expected_hash
            sql += " AND head_hash = %(expected_hash)s"
        sql += " RETURNING id)"
        if parts:
            sql += ", " + ", ".join(parts)
        sql += " SELECT count(*) FROM head"
        return sql, params


# The first key of the PostgreSQL advisory lock that listers of a ledger take ("LIST").
_LISTING_LOCK = 0x4C495354


def account_tx_ids(
    backend: Backend, sources: bool, destinations: bool, lid: str = "?", account: str = "?"
) -> str:
    """SQL of the ids (column ``tx_id``) of the transactions where an account is a source
    and/or a destination: those in its posting lists, and those from the lists' mark on,
    found among the postings by transaction id (one statement sees one snapshot, so the two
    parts meet exactly; see :meth:`WriteStore.list_postings`). ``lid`` and ``account`` are
    the placeholders of the ledger id and the address, repeated as the SQL needs them.

    On SQLite the lists are keyed by window first (so that a listing appends its rows,
    migration 0012): the windows are walked one key look-up at a time (the least
    ``first_tx`` above the one before), and the account's row of each is one more. On
    PostgreSQL, whose listings cost little more as the table grows, they are keyed by
    account first, and an account's rows are one range of the key (the walk there cost
    more to plan than to run)."""
    columns = [c for wanted, c in ((sources, "sources"), (destinations, "destinations")) if wanted]
    parts: list[str] = []
    if backend is Backend.POSTGRESQL:
        parts += [
            f"SELECT unnest(l.{column}) AS tx_id FROM posting_lists l"
            f" WHERE l.ledger_id = {lid} AND l.account = {account}"
            for column in columns
        ]
    elif columns:
        # one walk over the windows, whichever sides are wanted
        lists, each_side = f"l.{columns[0]}", ""
        if len(columns) == 2:
            lists = "CASE s.side WHEN 0 THEN l.sources ELSE l.destinations END"
            each_side = " JOIN (SELECT 0 AS side UNION ALL SELECT 1) AS s"
        parts.append(
            "SELECT j.value AS tx_id FROM (WITH RECURSIVE w(f) AS (SELECT min(first_tx)"
            f" FROM posting_lists WHERE ledger_id = {lid} UNION ALL SELECT (SELECT"
            f" min(first_tx) FROM posting_lists WHERE ledger_id = {lid} AND first_tx > w.f)"
            " FROM w WHERE w.f IS NOT NULL) SELECT f FROM w WHERE f IS NOT NULL) AS w"
            f" JOIN posting_lists l ON l.ledger_id = {lid} AND l.first_tx = w.f"
            f" AND l.account = {account}{each_side}, json_each({lists}) j"
        )
    sides = [
        f"p.{column} = {account}"
        for wanted, column in ((sources, "source"), (destinations, "destination"))
        if wanted
    ]
    parts.append(
        f"SELECT p.tx_id FROM postings p WHERE p.ledger_id = {lid}"
        f" AND p.tx_id >= (SELECT listed_tx FROM ledgers WHERE id = {lid})"
        f" AND ({' OR '.join(sides)})"
    )
    return " UNION ALL ".join(parts)


def posting_lists_select(backend: Backend) -> str:
    """SQL selecting the postings of transactions ``[mark, end)`` as rows of
    ``posting_lists`` (ledger_id, account, first_tx, sources, destinations), one per
    account, whose first_tx is ``mark``: the ids where it is a source (side 0) and a
    destination (side 1), each id once per side. Parameters: lid, mark, then lid, mark,
    end twice.

    A posting counts unless an earlier posting of its transaction has the same account on
    that side (looked up by key; most transactions have one posting), which lists each id
    once without sorting the window to drop repeats (``DISTINCT`` took 40% of a listing).
    On PostgreSQL accounts compare byte by byte (``COLLATE "C"``, as in the lists' key):
    sorting them by the database's locale took most of a listing's time."""
    if backend is Backend.POSTGRESQL:
        group = "coalesce(array_agg(tx_id) FILTER (WHERE side = {}), '{{}}')"
        collate = ' COLLATE "C"'
    else:
        group = "json_group_array(tx_id) FILTER (WHERE side = {})"
        collate = ""
    window = "p.ledger_id = ? AND p.tx_id >= ? AND p.tx_id < ?"

    def first(column: str) -> str:
        return (
            f"(p.idx = 0 OR NOT EXISTS (SELECT 1 FROM postings q WHERE q.ledger_id = p.ledger_id"
            f" AND q.tx_id = p.tx_id AND q.idx < p.idx AND q.{column} = p.{column}))"
        )

    return (
        f" SELECT ?, account, ?, {group.format(0)}, {group.format(1)} FROM ("
        f"SELECT p.source{collate} AS account, 0 AS side, p.tx_id FROM postings p"
        f" WHERE {window} AND {first('source')} UNION ALL"
        f" SELECT p.destination{collate}, 1, p.tx_id FROM postings p"
        f" WHERE {window} AND {first('destination')}"
        ") AS e GROUP BY account"
    )


# Columns of the rows each batch inserts, in row order (after ledger_id), for both backends:
# name, SQL type, and how a column of values becomes one array literal. bytea travels as hex.
_Encoder = Callable[[Iterable[Any]], str]
_PG_COLUMNS: dict[str, list[tuple[str, str, _Encoder]]] = {
    "transactions": [
        ("id", "bigint", _ints),
        ("seq", "bigint", _ints),
        ("timestamp", "bigint", _ints),
        ("inserted_at", "bigint", _ints),
        ("reference", "text", _texts),
        ("metadata", "text", _texts),
        ("reverts_id", "bigint", _nullable_ints),
        ("hold_id", "bigint", _nullable_ints),
    ],
    "postings": [
        ("tx_id", "bigint", _ints),
        ("idx", "int", _ints),
        ("source", "text", _names),
        ("destination", "text", _names),
        ("amount", "numeric", _ints),
        ("asset", "text", _names),
        ("timestamp", "bigint", _ints),
    ],
    "journal": [
        ("seq", "bigint", _ints),
        ("kind", "smallint", _ints),
        ("ref_id", "bigint", _nullable_ints),
        ("payload", "text", _texts),
        ("created_at", "bigint", _ints),
        ("hash", "sha256", _hexes),  # bytea, 32 bytes, never NULL
        ("idempotency_key", "text", _texts),
        ("idempotency_hash", "bytea", _hexes),
    ],
    "holds": [
        ("id", "bigint", _ints),
        ("seq", "bigint", _ints),
        ("postings", "text", _texts),
        ("created_at", "bigint", _ints),
        ("expires_at", "bigint", _nullable_ints),
        ("reference", "text", _texts),
        ("metadata", "text", _texts),
        ("status", "text", _names),
    ],
    "balances": [
        ("account", "text", _names),
        ("asset", "text", _names),
        ("input", "numeric", _ints),
        ("output", "numeric", _ints),
        ("pending_input", "numeric", _ints),
        ("pending_output", "numeric", _ints),
        ("overdraft", "numeric", _nullable_ints),
    ],
    "accounts": [
        ("address", "text", _names),
        ("metadata", "text", _texts),
        ("first_usage", "bigint", _ints),
        ("inserted_at", "bigint", _ints),
        ("updated_at", "bigint", _ints),
    ],
    "checkpoints": [
        ("tree_size", "bigint", _ints),
        ("root", "bytea", _hexes),
        ("frontier", "bytea", _hexes),
        ("created_at", "bigint", _ints),
        ("public_key", "bytea", _hexes),
        ("signature", "bytea", _hexes),
    ],
}
_BALANCE_UPSERT = (
    " ON CONFLICT (ledger_id, account, asset) DO UPDATE SET input = EXCLUDED.input,"
    " output = EXCLUDED.output, pending_input = EXCLUDED.pending_input,"
    " pending_output = EXCLUDED.pending_output, overdraft = EXCLUDED.overdraft"
)
_ACCOUNT_UPSERT = (
    " ON CONFLICT (ledger_id, address) DO UPDATE SET metadata = EXCLUDED.metadata,"
    " updated_at = EXCLUDED.updated_at"
)


def _sqlite_groups(
    table: str, lid: int, rows: Sequence[tuple[Any, ...]]
) -> list[tuple[list[str], list[tuple[Any, ...]]]]:
    """(columns, rows) to insert, the ledger id first; SQLite keeps exact amounts as text.

    Python's sqlite3 binds ``None`` and ``bytes`` through its adaptation protocol (a
    failed look-up of an adapter for each), about 0.4 µs a value: as much as the rest of
    a row. So the transactions and journal rows whose usually-NULL columns are NULL go
    in a statement without those columns, and hashes are bound as ``bytearray`` (stored
    the same, as a BLOB).
    """
    names = ["ledger_id", *(name for name, _, _ in _PG_COLUMNS[table])]
    if table == "postings":
        return [
            (names, [(lid, t, i, s, d, str(a), asset, ts) for t, i, s, d, a, asset, ts in rows])
        ]
    if table == "transactions":
        # id, seq, timestamp, inserted_at, reference, metadata, reverts_id, hold_id
        lean: list[tuple[Any, ...]] = [
            (lid, i, q, ts, at, m)
            for i, q, ts, at, r, m, rv, h in rows
            if r is None and rv is None and h is None
        ]
        if len(lean) == len(rows):
            return [(names[:5] + names[6:7], lean)]
        rest = [
            (lid, *row)
            for row in rows
            if not (row[4] is None and row[6] is None and row[7] is None)
        ]
        return [(names[:5] + names[6:7], lean), (names, rest)]
    if table == "journal":
        # seq, kind, ref_id, payload, created_at, hash, idempotency key and hash
        entries: list[tuple[Any, ...]] = [
            (lid, q, k, r, p, c, bytearray(h)) for q, k, r, p, c, h, key, _ in rows if key is None
        ]
        if len(entries) == len(rows):
            return [(names[:7], entries)]
        rest = [
            (lid, q, k, r, p, c, bytearray(h), key, kh)
            for q, k, r, p, c, h, key, kh in rows
            if key is not None
        ]
        return [(names[:7], entries), (names, rest)]
    if table == "balances":
        return [
            (
                names,
                [
                    (lid, a, s, str(i), str(o), str(pi), str(po), None if od is None else str(od))
                    for a, s, i, o, pi, po, od in rows
                ],
            )
        ]
    assert all(sql_type != "numeric" for _, sql_type, _ in _PG_COLUMNS[table]), table
    return [(names, [(lid, *row) for row in rows])]


def _inserts(
    writes: Writes, balance_rows: list[tuple[Any, ...]], now: int
) -> list[tuple[str, str, list[tuple[Any, ...]], str]]:
    """(CTE alias, table, rows, ON CONFLICT clause) of every insert a batch makes."""
    new_accounts = [
        (address, "{}", first, now, now)
        for address, first in writes.new_accounts.items()
        if address not in writes.account_metadata
    ]
    changed_accounts = [
        (address, metadata, now, now, now) for address, metadata in writes.account_metadata.items()
    ]
    return [
        ("t", "transactions", writes.transactions, ""),
        ("p", "postings", writes.postings, ""),
        ("j", "journal", writes.journal, ""),
        ("h", "holds", writes.holds, ""),
        ("b", "balances", balance_rows, _BALANCE_UPSERT),
        ("a", "accounts", new_accounts, " ON CONFLICT DO NOTHING"),
        ("am", "accounts", changed_accounts, _ACCOUNT_UPSERT),
        ("c", "checkpoints", writes.checkpoints, ""),
    ]


def _unnest_insert(
    alias: str, table: str, rows: list[tuple[Any, ...]], params: dict[str, Any], suffix: str
) -> str:
    """One CTE inserting ``rows`` into ``table``, guarded by the ledger head's update.

    What PostgreSQL parses is kept small: a column with one value in every row (the
    batch's time, an asset, NULLs) is one parameter, not an array; the journal's hashes are
    one ``bytea`` of 32 bytes a row, cut per row, not an array of hex texts (which took the
    server 1 ms a thousand to parse and decode)."""
    columns = list(zip(*rows, strict=True))
    count = len(rows)
    names, values, arrays, aliases = [], [], [], []
    ordinal = False  # a column is cut from one value by the row's ordinal
    for index, (name, sql_type, encode) in enumerate(_PG_COLUMNS[table]):
        key = f"{alias}{index}"
        names.append(name)
        column = columns[index]
        if index and column.count(column[0]) == count:
            params[key] = column[0]
            values.append(f"%({key})s::{'bytea' if sql_type == 'sha256' else sql_type}")
        elif sql_type == "sha256":
            params[key] = b"".join(column)
            values.append(f"substring(%({key})s::bytea FROM v.ord::int * 32 - 31 FOR 32)")
            ordinal = True
        else:
            params[key] = encode(column)
            aliases.append(f"c{index}")
            if sql_type == "bytea":
                arrays.append(f"%({key})s::text[]")
                values.append(f"decode(v.c{index}, 'hex')")
            else:
                arrays.append(f"%({key})s::{sql_type}[]")
                values.append(f"v.c{index}")
    if ordinal:
        aliases.append("ord")
    ordinality = " WITH ORDINALITY" if ordinal else ""
    return (
        f"{alias} AS (INSERT INTO {table} (ledger_id, {', '.join(names)})"
        f" SELECT %(lid)s, {', '.join(values)} FROM unnest({', '.join(arrays)}){ordinality}"
        f" AS v({', '.join(aliases)})"
        f" WHERE EXISTS (SELECT 1 FROM head){suffix})"
    )
