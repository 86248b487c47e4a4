"""The ledger's write-path SQL for both backends, on raw driver connections.

The sequencer hands a :class:`Writes` (rows of one batch) to :meth:`WriteStore.write`,
which stores it in one database transaction (:mod:`coffer.ledger.batch_writes`). This
module keeps the rest of the connection's work: the journal head and its lock, balance
reads, the catch-up of balance rows left to later, and writing the posting lists (whose
read queries are in :mod:`coffer.ledger.posting_lists`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Sequence
from typing import Any

from coffer.db.engine import Backend
from coffer.ledger.batch_writes import _BALANCE_UPSERT, BatchWrites, _unnest_insert
from coffer.ledger.posting_lists import _LISTING_LOCK, account_tx_ids, posting_lists_select
from coffer.ledger.writes import BalanceRow, Head, StaleHead, UniqueViolation, Writes
from coffer.money import WORLD

__all__ = [
    "BalanceRow",
    "Head",
    "StaleHead",
    "UniqueViolation",
    "WriteStore",
    "Writes",
    "account_tx_ids",
    "empty_balance",
    "posting_lists_select",
]


def empty_balance(account: str) -> tuple[int, int, int, int, int | None]:
    """The balance of an account without a row: nothing moved, and the default floor
    (only ``world`` may go negative, without bound)."""
    return (0, 0, 0, 0, None if account == WORLD else 0)


class WriteStore(BatchWrites):
    """One raw driver connection to the ledger's tables: the head, reads of balances, the
    catch-up of balance rows, the posting lists, and (from :class:`BatchWrites`) the batch
    write."""

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
