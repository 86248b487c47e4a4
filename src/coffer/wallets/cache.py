"""The wallets core's memory and connections: wallet and customer rows cached with a
change epoch polled across processes (bounded staleness), balance hints for the KYC
maximum-balance check, units of work, and the hot path's pooled connections."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coffer.db.engine import for_writes
from coffer.ledger import Ledger, Transaction
from coffer.wallets import currencies
from coffer.wallets import repository as R
from coffer.wallets import tables as T
from coffer.wallets.common import (
    MAX_CACHED_ROWS,
    ROW_TTL_SECONDS,
    Row,
)
from coffer.wallets.settings import WalletSettings


class RowCache:
    """Cached rows, balance hints and connections of :class:`~coffer.wallets.core.WalletsCore`."""

    engine: sa.Engine
    ledger: Ledger
    settings: WalletSettings
    _cache: dict[tuple[str, str], tuple[float, Row]]
    _balances: dict[tuple[str, str], tuple[float, int]]
    _cache_lock: threading.Lock
    _epoch: int | None
    _epoch_due: float
    _hot_slots: threading.BoundedSemaphore

    if TYPE_CHECKING:

        def customer_row(self, connection: sa.Connection, customer_id: str) -> Row: ...

    def _check_epoch(self) -> None:
        """Drop every cached row when another process changed one (bounded staleness)."""
        now = time.monotonic()
        if now < self._epoch_due:
            return
        with self._cache_lock:
            if now < self._epoch_due:
                return
            self._epoch_due = now + self.settings.cache_seconds  # one poller at a time
        with self.engine.connect() as connection:
            epoch = R.cache_epoch(connection)
        if epoch != self._epoch:
            with self._cache_lock:
                self._cache.clear()
                self._epoch = epoch

    def _cached(self, kind: str, object_id: str) -> Row | None:
        if self.settings.cache_seconds <= 0:
            return None
        self._check_epoch()
        entry = self._cache.get((kind, object_id))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def _keep(self, kind: str, row: Row) -> Row:
        if self.settings.cache_seconds > 0:
            with self._cache_lock:
                if len(self._cache) >= MAX_CACHED_ROWS:
                    self._cache.clear()
                self._cache[(kind, row["id"])] = (time.monotonic() + ROW_TTL_SECONDS, row)
        return row

    def drop_cached(self, kind: str, object_id: str) -> None:
        with self._cache_lock:
            self._cache.pop((kind, object_id), None)

    def forget_wallet(self, connection: sa.Connection, wallet_id: str) -> None:
        """A wallet changed (in ``connection``'s transaction): drop it here, and tell the
        other processes through the cache epoch."""
        R.bump_cache_epoch(connection)
        with self._cache_lock:
            self._cache.pop(("wallet", wallet_id), None)

    def forget_customer(self, connection: sa.Connection, customer_id: str) -> None:
        R.bump_cache_epoch(connection)
        with self._cache_lock:
            self._cache.pop(("customer", customer_id), None)

    def cached_wallets(
        self, connection: sa.Connection | None, wallet_ids: list[str]
    ) -> dict[str, Row]:
        """Wallet rows by id from the cache; without a connection only those, with one the
        rest in one query. Ids of wallets that do not exist are absent."""
        found: dict[str, Row] = {}
        missing = []
        for wallet_id in wallet_ids:
            row = self._cached("wallet", wallet_id)
            if row is None:
                missing.append(wallet_id)
            else:
                found[wallet_id] = row
        if missing and connection is not None:
            for wallet_id, row in R.get_many(connection, T.wallets, missing).items():
                found[wallet_id] = self._keep("wallet", row)
        return found

    def cache_customers(self, connection: sa.Connection, customer_ids: Iterable[str]) -> None:
        """Read the customer rows not cached yet, in one query (a batch's owners)."""
        missing = sorted({c for c in customer_ids if self._cached("customer", c) is None})
        if missing:
            for row in R.get_many(connection, T.customers, missing).values():
                self._keep("customer", row)

    def cached_customer(self, connection: sa.Connection | None, customer_id: str) -> Row:
        row = self._cached("customer", customer_id)
        if row is not None:
            return row
        if connection is None:
            with self.engine.connect() as own:
                return self.cached_customer(own, customer_id)
        return self._keep("customer", self.customer_row(connection, customer_id))

    @contextlib.contextmanager
    def unit(self) -> Iterator[sa.Connection]:
        """One transaction. Units read then write, so on SQLite they hold the write lock
        from the start (readers are not blocked: WAL)."""
        with self.engine.connect() as connection:
            for_writes(connection)
            with connection.begin():
                yield connection

    @contextlib.contextmanager
    def hot_connection(self) -> Iterator[sa.Connection]:
        """A :meth:`fast_connection` for the hot path, at most ``hot_slots`` at once: the
        pool keeps only its steady size of connections open, and requests queueing here
        cost less than the connections an overflowing pool opens and closes."""
        with self._hot_slots, self.fast_connection() as connection:
            yield connection

    def fast_connection(self) -> sa.Connection:
        """A pooled connection for single-statement writes: autocommit on PostgreSQL (no
        BEGIN/COMMIT round trips; each statement is its own transaction)."""
        connection = self.engine.connect()
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection

    def balance_hint(self, account: str, asset: str, ceiling: int) -> int:
        """The balance of ``account``, read from the ledger unless a recent one (this
        process's last movement on it, see :meth:`note_balances`) is at most half of
        ``ceiling``: far enough below a limit that a few seconds of other processes'
        credits cannot matter."""
        entry = self._balances.get((account, asset))
        if entry is not None and entry[0] >= time.monotonic() and 2 * entry[1] <= ceiling:
            return entry[1]
        balance = self.ledger.balance(account, asset)
        self._note_balance(account, asset, balance)
        return balance

    def _note_balance(self, account: str, asset: str, balance: int) -> None:
        ttl = self.settings.balance_hint_seconds
        if ttl <= 0:
            return
        with self._cache_lock:
            if len(self._balances) >= MAX_CACHED_ROWS:
                self._balances.clear()
            self._balances[(account, asset)] = (time.monotonic() + ttl, balance)

    def note_balances(self, tx: Transaction) -> None:
        """Remember the balances a transaction left (its post-commit volumes)."""
        for account, asset, inputs, outputs in tx.volumes_after or ():
            if account.startswith("wallets:"):
                self._note_balance(account, asset, inputs - outputs)

    def balance_of(self, wallet: Row) -> Any:
        from coffer.ledger import Balance

        balances = self.ledger.balances(wallet["account"])
        return balances.get(currencies.asset(wallet["currency"]), Balance(0, 0, 0, 0, 0))
