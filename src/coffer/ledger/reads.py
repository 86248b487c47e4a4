"""The ledger's reads: transactions, balances (now and as of a past time), accounts and
holds. Mixed into :class:`~coffer.ledger.service.Ledger`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from coffer.db.engine import Backend
from coffer.ledger.models import (
    UNBOUNDED,
    Account,
    Balance,
    Hold,
    Page,
    Transaction,
    from_micros,
    to_micros,
)
from coffer.ledger.parts import LedgerParts
from coffer.ledger.runtime import _hold_from_row
from coffer.ledger.store import account_tx_ids
from coffer.ledger.validation import _decode_cursor, _encode_cursor, _id, _page_size
from coffer.money import check_account, check_asset


class LedgerReads(LedgerParts):
    """Reads of one ledger (see :class:`~coffer.ledger.service.Ledger`)."""

    def transaction(self, tx_id: int) -> Transaction:
        return self._runtime.read_transaction(_id(tx_id))

    def transactions(
        self,
        *,
        account: str | None = None,
        source: str | None = None,
        destination: str | None = None,
        reference: str | None = None,
        metadata: Mapping[str, str] | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        page_size: int = 100,
        cursor: str | None = None,
        order: Literal["asc", "desc"] = "desc",
        since_id: int | None = None,
    ) -> Page[Transaction]:
        """Transactions, newest first by default, filtered and paged with a cursor.

        ``since_id``: only transactions with this id or a later one. Ids follow the order
        transactions were written in, and the ledger finds them by id, so it bounds what a
        filter by time or metadata has to read (there is no index on times).
        """
        size = _page_size(page_size)
        where: list[str] = []
        params: list[Any] = []
        if cursor is not None:
            state = _decode_cursor(cursor)
            order = "asc" if state.get("order") == "asc" else "desc"
            after = int(state["after"])
            where.append("t.id > ?" if order == "asc" else "t.id < ?")
            params.append(after)
            filters = state.get("filters", {})
            account = filters.get("account")
            source = filters.get("source")
            destination = filters.get("destination")
            reference = filters.get("reference")
            metadata = filters.get("metadata")
            start = filters.get("start_time")
            end = filters.get("end_time")
            since_id = filters.get("since_id")
        else:
            start = None if start_time is None else to_micros(start_time)
            end = None if end_time is None else to_micros(end_time)
        if since_id is not None:
            where.append("t.id >= ?")
            params.append(_id(since_id))
        for value, sources, destinations in (
            (account, True, True),
            (source, True, False),
            (destination, False, True),
        ):
            if value is not None:
                check_account(value)
                ids, ids_params = self._account_tx_ids(value, sources, destinations)
                where.append(f"t.id IN ({ids})")
                params.extend(ids_params)
        if reference is not None:
            where.append("t.reference = ?")
            params.append(reference)
        for key, value in (metadata or {}).items():
            where.append(self._json_field("t.metadata") + " = ?")
            params.extend([key, value])
        if start is not None:
            where.append("t.timestamp >= ?")
            params.append(start)
        if end is not None:
            where.append("t.timestamp < ?")
            params.append(end)
        rows = self._runtime.read_transactions(
            " AND ".join(where) or "1 = 1",
            params,
            order="ASC" if order == "asc" else "DESC",
            limit=size + 1,
        )
        has_more = len(rows) > size
        rows = rows[:size]
        next_cursor = None
        if has_more:
            next_cursor = _encode_cursor(
                {
                    "after": rows[-1].id,
                    "order": order,
                    "filters": {
                        "account": account,
                        "source": source,
                        "destination": destination,
                        "reference": reference,
                        "metadata": dict(metadata or {}),
                        "start_time": start,
                        "end_time": end,
                        "since_id": since_id,
                    },
                }
            )
        return Page(data=rows, page_size=size, has_more=has_more, next_cursor=next_cursor)

    def _json_field(self, column: str) -> str:
        if self._runtime.backend is Backend.POSTGRESQL:
            return f"(({column})::jsonb ->> ?::text)"
        return f"json_extract({column}, '$.\"' || ? || '\"')"

    def balance(self, account: str, asset: str, *, at: datetime | None = None) -> int:
        """The posted balance of ``account`` in ``asset``, now or at an effective time."""
        check_account(account)
        check_asset(asset)
        if at is not None:
            return self._balances_at(account, to_micros(at)).get(asset, 0)
        rows = self._current_rows(
            "SELECT l.balances_tx, l.next_tx_id, b.input, b.output FROM ledgers l"
            " LEFT JOIN balances b ON b.ledger_id = l.id AND b.account = ? AND b.asset = ?"
            " WHERE l.id = ?",
            (account, asset, self._runtime.ledger_id),
        )
        return int(rows[0][0]) - int(rows[0][1]) if rows else 0

    def balances(self, account: str, *, at: datetime | None = None) -> dict[str, Balance]:
        """Per asset: balance, pending input and output, available and overdraft."""
        check_account(account)
        if at is not None:
            return {
                asset: Balance(max(amount, 0), max(-amount, 0), 0, 0, 0)
                for asset, amount in self._balances_at(account, to_micros(at)).items()
            }
        self.expire_holds()
        rows = self._current_rows(
            "SELECT l.balances_tx, l.next_tx_id, b.asset, b.input, b.output, b.pending_input,"
            " b.pending_output, b.overdraft FROM ledgers l"
            " LEFT JOIN balances b ON b.ledger_id = l.id AND b.account = ?"
            " WHERE l.id = ? ORDER BY b.asset",
            (account, self._runtime.ledger_id),
        )
        return {
            asset: Balance(
                int(inp),
                int(out),
                int(pin),
                int(pout),
                UNBOUNDED if overdraft is None else int(overdraft),
            )
            for asset, inp, out, pin, pout, overdraft in rows
        }

    def _current_rows(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Rows of ``sql``, whose first two columns are the ledger's balance mark and
        ``next_tx_id`` (a LEFT JOIN of ``balances`` on ``ledgers``): when the rows lag,
        caught up and read again; else one query. Without the mark columns, and without
        the LEFT JOIN's row of NULLs when there is no balance row."""
        rows = self._runtime.query(sql, args)
        if rows and int(rows[0][0]) < int(rows[0][1]):
            self._sequencer.catch_up_balances()
            rows = self._runtime.query(sql, args)
        return [row[2:] for row in rows if row[2] is not None]

    def catch_up_balances(self) -> None:
        """Make the ``balances`` rows current. Under load the sequencer writes them once in
        a while (docs/ledger.md, "Balance rows under load"): this adds the postings since.
        Coffer's readers call it themselves; call it before SQL of your own on the table."""
        rows = self._runtime.query(
            "SELECT balances_tx, next_tx_id FROM ledgers WHERE id = ?", (self._runtime.ledger_id,)
        )
        if rows and int(rows[0][0]) < int(rows[0][1]):
            self._sequencer.catch_up_balances()

    def list_postings(self) -> None:
        """Write the posting lists of every transaction not listed yet. A thread of the
        sequencer does so every ``COFFER_POSTING_LISTS_EVERY`` transactions (docs/ledger.md,
        "Finding an account's transactions"), and reads by account do not need it; call it
        before SQL of your own on ``posting_lists``."""
        self._sequencer.list_postings()

    def _account_tx_ids(
        self, account: str, sources: bool, destinations: bool
    ) -> tuple[str, list[Any]]:
        """SQL of the ids of the transactions where ``account`` is a source and/or a
        destination (see ``store.account_tx_ids``), and its parameters."""
        lid = self._runtime.ledger_id
        sql = account_tx_ids(self._runtime.backend, sources, destinations, ":lid", ":account")
        params: list[Any] = []
        for name in re.findall(r":(lid|account)\b", sql):
            params.append(lid if name == "lid" else account)
        return re.sub(r":(lid|account)\b", "?", sql), params

    def _balances_at(self, account: str, at: int) -> dict[str, int]:
        ids, params = self._account_tx_ids(account, True, True)
        totals: dict[str, int] = {}
        for asset, source, destination, amount in self._runtime.query(
            "SELECT asset, source, destination, amount FROM postings WHERE ledger_id = ?"
            f" AND tx_id IN ({ids}) AND timestamp <= ? AND (source = ? OR destination = ?)",
            (self._runtime.ledger_id, *params, at, account, account),
        ):
            # a posting from an account to itself moves nothing
            if source == account:
                totals[asset] = totals.get(asset, 0) - int(amount)
            if destination == account:
                totals[asset] = totals.get(asset, 0) + int(amount)
        return totals

    def account(self, address: str) -> Account:
        check_account(address)
        rows = self._runtime.query(
            "SELECT metadata, first_usage, inserted_at, updated_at FROM accounts"
            " WHERE ledger_id = ? AND address = ?",
            (self._runtime.ledger_id, address),
        )
        balances = self.balances(address)
        if not rows:
            return Account(address=address, metadata={}, balances=balances)
        meta, first, inserted, updated = rows[0]
        return Account(
            address=address,
            metadata=json.loads(meta),
            balances=balances,
            first_usage=from_micros(int(first)),
            inserted_at=from_micros(int(inserted)),
            updated_at=from_micros(int(updated)),
        )

    def accounts(
        self,
        *,
        prefix: str | None = None,
        metadata: Mapping[str, str] | None = None,
        page_size: int = 100,
        cursor: str | None = None,
    ) -> Page[Account]:
        """Accounts in address order, optionally under a ``prefix`` (``users:``)."""
        size = _page_size(page_size)
        where = ["ledger_id = ?"]
        params: list[Any] = [self._runtime.ledger_id]
        if cursor is not None:
            state = _decode_cursor(cursor)
            prefix, metadata = state.get("prefix"), state.get("metadata")
            where.append("address > ?")
            params.append(state["after"])
        if prefix:
            where.append("substr(address, 1, ?) = ?")
            params.extend([len(prefix), prefix])
        for key, value in (metadata or {}).items():
            where.append(self._json_field("metadata") + " = ?")
            params.extend([key, value])
        rows = self._runtime.query(
            "SELECT address, metadata, first_usage, inserted_at, updated_at FROM accounts WHERE "
            + " AND ".join(where)
            + f" ORDER BY address LIMIT {size + 1}",
            params,
        )
        has_more = len(rows) > size
        accounts = [
            Account(
                address=address,
                metadata=json.loads(meta),
                balances=self.balances(address),
                first_usage=from_micros(int(first)),
                inserted_at=from_micros(int(inserted)),
                updated_at=from_micros(int(updated)),
            )
            for address, meta, first, inserted, updated in rows[:size]
        ]
        next_cursor = None
        if has_more:
            next_cursor = _encode_cursor(
                {"after": accounts[-1].address, "prefix": prefix, "metadata": dict(metadata or {})}
            )
        return Page(data=accounts, page_size=size, has_more=has_more, next_cursor=next_cursor)

    def hold(self, hold_id: int) -> Hold:
        self.expire_holds()
        return self._runtime.read_hold(_id(hold_id))

    def holds(self, *, status: str | None = None, page_size: int = 100) -> list[Hold]:
        self.expire_holds()
        size = _page_size(page_size)
        where = "ledger_id = ?"
        params: list[Any] = [self._runtime.ledger_id]
        if status is not None:
            where += " AND status = ?"
            params.append(status)
        rows = self._runtime.query(
            "SELECT id, seq, postings, created_at, expires_at, reference, metadata, status"
            f" FROM holds WHERE {where} ORDER BY id DESC LIMIT {size}",
            params,
        )
        return [_hold_from_row(row) for row in rows]
