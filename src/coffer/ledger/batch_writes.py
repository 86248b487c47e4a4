"""The batch write of both backends: on PostgreSQL one statement (data-modifying CTEs over
``unnest`` arrays of literals built here) guarded by the ledger head, so a batch costs one
round trip; on SQLite a handful of ``executemany`` calls."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from coffer.db.engine import Backend
from coffer.ledger.writes import Head, StaleHead, UniqueViolation, Writes

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


def _unnest_update(
    alias: str, table: str, column: str, values: Mapping[int, str], params: dict[str, Any]
) -> str:
    """The CTE ``alias`` setting ``column`` (text) of the rows of ``table`` whose ids key
    ``values``, once the head is moved; its arrays go into ``params``."""
    params[f"{alias}_id"], params[f"{alias}_value"] = _ints(values), _texts(values.values())
    return (
        f"{alias} AS (UPDATE {table} SET {column} = v.{column} FROM"
        f" unnest(%({alias}_id)s::bigint[], %({alias}_value)s::text[]) AS v(id, {column})"
        f" WHERE {table}.ledger_id = %(lid)s AND {table}.id = v.id"
        " AND EXISTS (SELECT 1 FROM head))"
    )


class Batch(NamedTuple):
    """One batch to store (:meth:`BatchWrites.write`). ``balance_rows`` are ``(account,
    asset, input, output, pending in, pending out, overdraft)`` as they are after the
    batch. ``balances_tx``: the rows written bring every balance up to this transaction id
    (None: they lag, see :meth:`~coffer.ledger.store.WriteStore.catch_up`)."""

    writes: Writes
    balance_rows: list[tuple[Any, ...]]
    expected_seq: int
    head: Head
    now: int
    balances_tx: int | None


class BatchWrites:
    """How :class:`~coffer.ledger.store.WriteStore` writes one batch (mixed into it)."""

    backend: Backend
    connection: Any
    ledger_id: int
    _in_transaction: bool

    if TYPE_CHECKING:

        def _execute(self, sql: str, params: Sequence[Any]) -> None: ...

        def begin_locked(self) -> Head: ...

        def commit(self) -> None: ...

        def rollback(self) -> None: ...

    def write(self, batch: Batch) -> None:
        """Store one batch; raise StaleHead or UniqueViolation and write nothing on conflict."""
        try:
            if self.backend is Backend.SQLITE:
                self._write_sqlite(batch)
            else:
                self._write_postgresql(batch)
        except sqlite3.IntegrityError as exc:
            self.rollback()
            raise UniqueViolation(str(exc)) from exc
        except Exception as exc:
            import psycopg

            self.rollback()
            if isinstance(exc, psycopg.errors.UniqueViolation):
                raise UniqueViolation(str(exc)) from exc
            raise

    def _write_sqlite(self, batch: Batch) -> None:
        writes, balance_rows, expected_seq, head, now, balances_tx = batch
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

    def _write_postgresql(self, batch: Batch) -> None:
        sql, params = self.postgresql_statement(batch)
        row = self.connection.execute(sql, params).fetchone()
        if row[0] != 1:
            self.rollback()
            raise StaleHead()
        if self._in_transaction:
            self.connection.execute("COMMIT")
            self._in_transaction = False

    def postgresql_statement(
        self, batch: Batch, *, expected_hash: bytes | None = None
    ) -> tuple[str, dict[str, Any]]:
        """The one statement storing ``batch`` on PostgreSQL, and its parameters: it answers
        one row, 1 when it wrote the batch, 0 when the head had moved (nothing written).
        ``expected_hash``: the head hash too must be the one the batch was applied on."""
        writes, balance_rows, expected_seq, head, now, balances_tx = batch
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
            parts.append(_unnest_update("hs", "holds", "status", writes.hold_status, params))
        if writes.tx_metadata:
            parts.append(
                _unnest_update("tm", "transactions", "metadata", writes.tx_metadata, params)
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


# Columns of the rows each batch inserts, in row order (after ledger_id), for both backends:
# "name:kind", where the kind gives the SQL type and how a column of values becomes one
# array literal. bytea travels as hex; "sha256" is a bytea of 32 bytes, never NULL; "name"
# is text that is never NULL nor needs quoting; "?" marks a nullable integer.
_Encoder = Callable[[Iterable[Any]], str]
_KINDS: dict[str, tuple[str, _Encoder]] = {
    "bigint": ("bigint", _ints),
    "bigint?": ("bigint", _nullable_ints),
    "smallint": ("smallint", _ints),
    "int": ("int", _ints),
    "numeric": ("numeric", _ints),
    "numeric?": ("numeric", _nullable_ints),
    "text": ("text", _texts),
    "name": ("text", _names),
    "sha256": ("sha256", _hexes),
    "bytea": ("bytea", _hexes),
}
_COLUMN_SPECS = {
    "transactions": "id:bigint seq:bigint timestamp:bigint inserted_at:bigint reference:text"
    " metadata:text reverts_id:bigint? hold_id:bigint?",
    "postings": "tx_id:bigint idx:int source:name destination:name amount:numeric asset:name"
    " timestamp:bigint",
    "journal": "seq:bigint kind:smallint ref_id:bigint? payload:text created_at:bigint"
    " hash:sha256 idempotency_key:text idempotency_hash:bytea",
    "holds": "id:bigint seq:bigint postings:text created_at:bigint expires_at:bigint?"
    " reference:text metadata:text status:name",
    "balances": "account:name asset:name input:numeric output:numeric pending_input:numeric"
    " pending_output:numeric overdraft:numeric?",
    "accounts": "address:name metadata:text first_usage:bigint inserted_at:bigint"
    " updated_at:bigint",
    "checkpoints": "tree_size:bigint root:bytea frontier:bytea created_at:bigint"
    " public_key:bytea signature:bytea",
}
_PG_COLUMNS: dict[str, list[tuple[str, str, _Encoder]]] = {
    table: [(name, *_KINDS[kind]) for name, kind in (column.split(":") for column in spec.split())]
    for table, spec in _COLUMN_SPECS.items()
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
