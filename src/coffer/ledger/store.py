"""The ledger's write-path SQL for both backends, on raw driver connections.

The sequencer hands a :class:`Writes` (rows of one batch) to :meth:`WriteStore.write`,
which stores it in one database transaction. On PostgreSQL the whole batch is one
statement (data-modifying CTEs over ``unnest`` arrays) guarded by the ledger head, so a
batch costs one round trip; on SQLite it is a handful of ``executemany`` calls.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from coffer.db.engine import Backend

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


class WriteStore:
    def __init__(self, backend: Backend, connection: Any, ledger_id: int) -> None:
        self.backend = backend
        self.connection = connection
        self.ledger_id = ledger_id
        self._in_transaction = False

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

    def rollback(self) -> None:
        if self._in_transaction:
            self._in_transaction = False
            # the connection may be gone; the sequencer then reconnects
            with contextlib.suppress(Exception):
                self.connection.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

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

    # -- the batch write ----------------------------------------------------------------

    def write(
        self,
        writes: Writes,
        balance_rows: list[tuple[Any, ...]],
        expected_seq: int,
        head: Head,
        now: int,
    ) -> None:
        """Store one batch; raise StaleHead or UniqueViolation and write nothing on conflict.

        ``balance_rows`` are ``(account, asset, input, output, pending in, pending out,
        overdraft)`` as they are after the batch.
        """
        try:
            if self.backend is Backend.SQLITE:
                self._write_sqlite(writes, balance_rows, expected_seq, head, now)
            else:
                self._write_postgresql(writes, balance_rows, expected_seq, head, now)
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
    ) -> None:
        connection: sqlite3.Connection = self.connection
        lid = self.ledger_id
        if not self._in_transaction:
            connection.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
        if writes.transactions:
            connection.executemany(
                "INSERT INTO transactions (ledger_id, id, seq, timestamp, inserted_at, reference,"
                " metadata, reverts_id, hold_id) VALUES (?,?,?,?,?,?,?,?,?)",
                [(lid, *row) for row in writes.transactions],
            )
        if writes.postings:
            connection.executemany(
                "INSERT INTO postings (ledger_id, tx_id, idx, source, destination, amount, asset,"
                " timestamp) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (lid, t, i, s, d, str(a), asset, ts)
                    for t, i, s, d, a, asset, ts in writes.postings
                ],
            )
        if writes.journal:
            connection.executemany(
                "INSERT INTO journal (ledger_id, seq, kind, ref_id, payload, created_at, hash,"
                " idempotency_key, idempotency_hash) VALUES (?,?,?,?,?,?,?,?,?)",
                [(lid, *row) for row in writes.journal],
            )
        if writes.holds:
            connection.executemany(
                "INSERT INTO holds (ledger_id, id, seq, postings, created_at, expires_at, reference,"
                " metadata, status) VALUES (?,?,?,?,?,?,?,?,?)",
                [(lid, *row) for row in writes.holds],
            )
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
        if balance_rows:
            connection.executemany(
                "INSERT INTO balances (ledger_id, account, asset, input, output, pending_input,"
                " pending_output, overdraft) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT"
                " (ledger_id, account, asset) DO UPDATE SET input = excluded.input,"
                " output = excluded.output, pending_input = excluded.pending_input,"
                " pending_output = excluded.pending_output, overdraft = excluded.overdraft",
                [
                    (lid, a, s, str(i), str(o), str(pi), str(po), None if od is None else str(od))
                    for a, s, i, o, pi, po, od in balance_rows
                ],
            )
        if writes.new_accounts:
            connection.executemany(
                "INSERT INTO accounts (ledger_id, address, metadata, first_usage, inserted_at,"
                " updated_at) VALUES (?,?,'{}',?,?,?) ON CONFLICT DO NOTHING",
                [(lid, a, ts, now, now) for a, ts in writes.new_accounts.items()],
            )
        if writes.account_metadata:
            connection.executemany(
                "INSERT INTO accounts (ledger_id, address, metadata, first_usage, inserted_at,"
                " updated_at) VALUES (?,?,?,?,?,?) ON CONFLICT (ledger_id, address) DO UPDATE"
                " SET metadata = excluded.metadata, updated_at = excluded.updated_at",
                [(lid, a, meta, now, now, now) for a, meta in writes.account_metadata.items()],
            )
        if writes.checkpoints:
            connection.executemany(
                "INSERT INTO checkpoints (ledger_id, tree_size, root, frontier, created_at,"
                " public_key, signature) VALUES (?,?,?,?,?,?,?)",
                [(lid, *row) for row in writes.checkpoints],
            )
        cursor = connection.execute(
            "UPDATE ledgers SET next_seq = ?, head_hash = ?, next_tx_id = ?, next_hold_id = ?"
            " WHERE id = ? AND next_seq = ?",
            (head.next_seq, head.head_hash, head.next_tx_id, head.next_hold_id, lid, expected_seq),
        )
        if cursor.rowcount != 1:
            self.rollback()
            raise StaleHead()
        connection.execute("COMMIT")
        self._in_transaction = False

    def _write_postgresql(
        self,
        writes: Writes,
        balance_rows: list[tuple[Any, ...]],
        expected_seq: int,
        head: Head,
        now: int,
    ) -> None:
        parts: list[str] = []
        params: dict[str, Any] = {
            "lid": self.ledger_id,
            "expected": expected_seq,
            "next_seq": head.next_seq,
            "head_hash": head.head_hash,
            "next_tx": head.next_tx_id,
            "next_hold": head.next_hold_id,
            "now": now,
        }
        guard = "WHERE EXISTS (SELECT 1 FROM head)"
        if writes.transactions:
            cols = list(zip(*writes.transactions, strict=True))
            params.update(
                t_id=_ints(cols[0]),
                t_seq=_ints(cols[1]),
                t_ts=_ints(cols[2]),
                t_ins=_ints(cols[3]),
                t_ref=_texts(cols[4]),
                t_meta=_texts(cols[5]),
                t_rev=_nullable_ints(cols[6]),
                t_hold=_nullable_ints(cols[7]),
            )
            parts.append(
                "t AS (INSERT INTO transactions (ledger_id, id, seq, timestamp, inserted_at,"
                " reference, metadata, reverts_id, hold_id) SELECT %(lid)s, * FROM unnest("
                "%(t_id)s::bigint[], %(t_seq)s::bigint[], %(t_ts)s::bigint[], %(t_ins)s::bigint[],"
                " %(t_ref)s::text[], %(t_meta)s::text[], %(t_rev)s::bigint[],"
                f" %(t_hold)s::bigint[]) {guard})"
            )
        if writes.postings:
            cols = list(zip(*writes.postings, strict=True))
            params.update(
                p_tx=_ints(cols[0]),
                p_idx=_ints(cols[1]),
                p_src=_names(cols[2]),
                p_dst=_names(cols[3]),
                p_amt=_ints(cols[4]),
                p_asset=_names(cols[5]),
                p_ts=_ints(cols[6]),
            )
            parts.append(
                "p AS (INSERT INTO postings (ledger_id, tx_id, idx, source, destination, amount,"
                " asset, timestamp) SELECT %(lid)s, * FROM unnest(%(p_tx)s::bigint[],"
                " %(p_idx)s::int[], %(p_src)s::text[], %(p_dst)s::text[], %(p_amt)s::numeric[],"
                f" %(p_asset)s::text[], %(p_ts)s::bigint[]) {guard})"
            )
        if writes.journal:
            cols = list(zip(*writes.journal, strict=True))
            params.update(
                j_seq=_ints(cols[0]),
                j_kind=_ints(cols[1]),
                j_ref=_nullable_ints(cols[2]),
                j_payload=_texts(cols[3]),
                j_at=_ints(cols[4]),
                j_hash=_hexes(cols[5]),
                j_key=_texts(cols[6]),
                j_khash=_hexes(cols[7]),
            )
            parts.append(
                "j AS (INSERT INTO journal (ledger_id, seq, kind, ref_id, payload, created_at,"
                " hash, idempotency_key, idempotency_hash) SELECT %(lid)s, v.seq, v.kind, v.ref,"
                " v.payload, v.at, decode(v.hash, 'hex'), v.key, decode(v.khash, 'hex') FROM unnest("
                "%(j_seq)s::bigint[], %(j_kind)s::smallint[], %(j_ref)s::bigint[],"
                " %(j_payload)s::text[], %(j_at)s::bigint[], %(j_hash)s::text[],"
                f" %(j_key)s::text[], %(j_khash)s::text[])"
                " AS v(seq, kind, ref, payload, at, hash, key, khash)"
                f" {guard})"
            )
        if writes.holds:
            cols = list(zip(*writes.holds, strict=True))
            params.update(
                h_id=_ints(cols[0]),
                h_seq=_ints(cols[1]),
                h_post=_texts(cols[2]),
                h_at=_ints(cols[3]),
                h_exp=_nullable_ints(cols[4]),
                h_ref=_texts(cols[5]),
                h_meta=_texts(cols[6]),
                h_status=_names(cols[7]),
            )
            parts.append(
                "h AS (INSERT INTO holds (ledger_id, id, seq, postings, created_at, expires_at,"
                " reference, metadata, status) SELECT %(lid)s, * FROM unnest(%(h_id)s::bigint[],"
                " %(h_seq)s::bigint[], %(h_post)s::text[], %(h_at)s::bigint[],"
                " %(h_exp)s::bigint[], %(h_ref)s::text[], %(h_meta)s::text[],"
                f" %(h_status)s::text[]) {guard})"
            )
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
        if balance_rows:
            cols = list(zip(*balance_rows, strict=True))
            params.update(
                b_acc=_names(cols[0]),
                b_asset=_names(cols[1]),
                b_in=_ints(cols[2]),
                b_out=_ints(cols[3]),
                b_pin=_ints(cols[4]),
                b_pout=_ints(cols[5]),
                b_od=_nullable_ints(cols[6]),
            )
            parts.append(
                "b AS (INSERT INTO balances (ledger_id, account, asset, input, output,"
                " pending_input, pending_output, overdraft) SELECT %(lid)s, * FROM unnest("
                "%(b_acc)s::text[], %(b_asset)s::text[], %(b_in)s::numeric[],"
                " %(b_out)s::numeric[], %(b_pin)s::numeric[], %(b_pout)s::numeric[],"
                f" %(b_od)s::numeric[]) {guard} ON CONFLICT (ledger_id, account, asset) DO UPDATE"
                " SET input = EXCLUDED.input, output = EXCLUDED.output,"
                " pending_input = EXCLUDED.pending_input, pending_output = EXCLUDED.pending_output,"
                " overdraft = EXCLUDED.overdraft)"
            )
        new_accounts = {
            a: ts for a, ts in writes.new_accounts.items() if a not in writes.account_metadata
        }
        if new_accounts:
            params.update(a_addr=_names(new_accounts), a_ts=_ints(new_accounts.values()))
            parts.append(
                "a AS (INSERT INTO accounts (ledger_id, address, metadata, first_usage,"
                " inserted_at, updated_at) SELECT %(lid)s, v.address, '{}', v.ts, %(now)s,"
                " %(now)s FROM unnest(%(a_addr)s::text[], %(a_ts)s::bigint[]) AS v(address, ts)"
                f" {guard} ON CONFLICT DO NOTHING)"
            )
        if writes.account_metadata:
            params.update(
                am_addr=_names(writes.account_metadata),
                am_meta=_texts(writes.account_metadata.values()),
            )
            parts.append(
                "am AS (INSERT INTO accounts (ledger_id, address, metadata, first_usage,"
                " inserted_at, updated_at) SELECT %(lid)s, v.address, v.metadata, %(now)s,"
                " %(now)s, %(now)s FROM unnest(%(am_addr)s::text[], %(am_meta)s::text[])"
                f" AS v(address, metadata) {guard} ON CONFLICT (ledger_id, address) DO UPDATE"
                " SET metadata = EXCLUDED.metadata, updated_at = EXCLUDED.updated_at)"
            )
        if writes.checkpoints:
            cols = list(zip(*writes.checkpoints, strict=True))
            params.update(
                c_size=_ints(cols[0]),
                c_root=_hexes(cols[1]),
                c_front=_hexes(cols[2]),
                c_at=_ints(cols[3]),
                c_key=_hexes(cols[4]),
                c_sig=_hexes(cols[5]),
            )
            parts.append(
                "c AS (INSERT INTO checkpoints (ledger_id, tree_size, root, frontier, created_at,"
                " public_key, signature) SELECT %(lid)s, v.size, decode(v.root, 'hex'),"
                " decode(v.front, 'hex'), v.at, decode(v.key, 'hex'), decode(v.sig, 'hex')"
                " FROM unnest(%(c_size)s::bigint[], %(c_root)s::text[], %(c_front)s::text[],"
                " %(c_at)s::bigint[], %(c_key)s::text[], %(c_sig)s::text[])"
                f" AS v(size, root, front, at, key, sig) {guard})"
            )
        sql = (
            "WITH head AS (UPDATE ledgers SET next_seq = %(next_seq)s, head_hash = %(head_hash)s,"
            " next_tx_id = %(next_tx)s, next_hold_id = %(next_hold)s"
            " WHERE id = %(lid)s AND next_seq = %(expected)s RETURNING id)"
        )
        if parts:
            sql += ", " + ", ".join(parts)
        sql += " SELECT count(*) FROM head"
        row = self.connection.execute(sql, params).fetchone()
        if row[0] != 1:
            self.rollback()
            raise StaleHead()
        if self._in_transaction:
            self.connection.execute("COMMIT")
            self._in_transaction = False
