"""Reads the Formance-compatible API needs beyond :class:`coffer.Ledger`'s own (filters:
:mod:`coffer.api.ledger_filters`).

Everything here reads ``coffer.ledger.tables`` through the SQLAlchemy engine. Amounts are
summed in Python (SQLite stores them as decimal text), never as floats.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from coffer.api.ledger_filters import (
    DEFAULT_PAGE_SIZE,
    INVALID_CURSOR,
    MAX_FILTER_DEPTH,
    MAX_FILTER_TERMS,
    MAX_PAGE_SIZE,
    ColumnExpr,
    Dialect,
    Fields,
    FilterCompiler,
    _bind_names,
    _compare,
    _segment_pattern,
    _zero_matches,
    decode_cursor,
    encode_cursor,
    format_micros,
    format_time,
    page_size,
    parse_time,
)
from coffer.api.ledger_volumes import VolumeQueries
from coffer.db.engine import backend_of
from coffer.errors import ValidationError
from coffer.ledger import journal as J
from coffer.ledger import tables as T
from coffer.ledger.models import Posting, Volumes
from coffer.ledger.store import account_tx_ids

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "LOG_TYPES",
    "MAX_FILTER_DEPTH",
    "MAX_FILTER_TERMS",
    "MAX_PAGE_SIZE",
    "ColumnExpr",
    "Dialect",
    "Fields",
    "FilterCompiler",
    "Queries",
    "TxRow",
    "decode_cursor",
    "encode_cursor",
    "format_micros",
    "format_time",
    "page_size",
    "parse_time",
]


# -- rows to models ---------------------------------------------------------------------------


@dataclass
class TxRow:
    id: int
    postings: list[Posting]
    metadata: dict[str, str]
    timestamp: int
    inserted_at: int
    reference: str | None
    reverts_id: int | None
    reverted_by: int | None
    reverted_at: int | None


class Queries(VolumeQueries):
    """Formance-shaped reads of one Coffer database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = Dialect(engine)

    # -- ledgers ---------------------------------------------------------------------------

    def ledger_id(self, name: str) -> int | None:
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(T.ledgers.c.id).where(T.ledgers.c.name == name)
            ).scalar_one_or_none()
        return None if value is None else int(value)

    def stats(self, ledger_id: int) -> tuple[int, int]:
        with self.engine.connect() as connection:
            accounts = connection.execute(
                sa.select(sa.func.count())
                .select_from(T.accounts)
                .where(T.accounts.c.ledger_id == ledger_id)
            ).scalar_one()
            transactions = connection.execute(
                sa.select(sa.func.count())
                .select_from(T.transactions)
                .where(T.transactions.c.ledger_id == ledger_id)
            ).scalar_one()
        return int(accounts), int(transactions)

    def next_transaction_id(self, ledger_id: int) -> int:
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(T.ledgers.c.next_tx_id).where(T.ledgers.c.id == ledger_id)
            ).scalar_one()
        return int(value)

    # -- transactions ------------------------------------------------------------------------

    def _listed_tx(self, connection: sa.Connection, ledger_id: int) -> int:
        """How far the ledger's posting lists go (``ledgers.listed_tx``)."""
        value = connection.execute(
            sa.select(T.ledgers.c.listed_tx).where(T.ledgers.c.id == ledger_id)
        ).scalar_one_or_none()
        return int(value or 0)

    def _account_tx_ids(
        self,
        ledger_id: int,
        addresses: list[str],
        sources: bool,
        destinations: bool,
        listed: int | None = None,
    ) -> sa.TextualSelect:
        """The ids of the transactions where any of ``addresses`` (exact) is a source and/or
        a destination, from the posting lists and the postings after their mark.

        The mark, read before the statement (``listed``, or here), is bound as a value as
        well: the statement still bounds the postings by the mark it sees, but the planner
        knows how few they are and reads them by key (see ``account_tx_ids``'s ``floor``)."""
        backend = backend_of(self.engine.url)
        if listed is None:
            with self.engine.connect() as connection:
                listed = self._listed_tx(connection, ledger_id)
        # names unique across a statement, which may hold several such conditions
        lid = f"ids_lid_{next(_bind_names)}"
        floor = f"ids_floor_{next(_bind_names)}"
        parts: list[str] = []
        binds: list[sa.BindParameter[Any]] = [
            sa.bindparam(lid, ledger_id),
            sa.bindparam(floor, listed, type_=sa.BigInteger),
        ]
        for address in addresses:
            name = f"ids_account_{next(_bind_names)}"
            parts.append(
                account_tx_ids(
                    backend, sources, destinations, f":{lid}", f":{name}", floor=f":{floor}"
                )
            )
            binds.append(sa.bindparam(name, address))
        return sa.text(" UNION ALL ".join(parts)).bindparams(*binds).columns(tx_id=sa.BigInteger)

    def _tx_fields(self, ledger_id: int, listed: int | None = None) -> Fields:
        t = T.transactions
        p = T.postings

        def address(spec: str) -> ColumnExpr:
            field, _, value = spec.partition("\x00")
            if _segment_pattern(value) is None:  # an exact address: its posting lists
                return t.c.id.in_(
                    self._account_tx_ids(
                        ledger_id, [value], field != "destination", field != "source", listed
                    )
                )
            if field == "source":
                condition = self.dialect.address_matches(p.c.source, value)
            elif field == "destination":
                condition = self.dialect.address_matches(p.c.destination, value)
            else:
                condition = sa.or_(
                    self.dialect.address_matches(p.c.source, value),
                    self.dialect.address_matches(p.c.destination, value),
                )
            return sa.exists().where(p.c.ledger_id == ledger_id, p.c.tx_id == t.c.id, condition)

        reverter = T.transactions.alias("reverter")
        reverted = sa.exists().where(
            reverter.c.ledger_id == ledger_id, reverter.c.reverts_id == t.c.id
        )
        return Fields(
            address=address,
            metadata_column=t.c.metadata,
            times={
                "timestamp": t.c.timestamp,
                "insertedAt": t.c.inserted_at,
                "inserted_at": t.c.inserted_at,
            },
            exact={"id": t.c.id, "reference": t.c.reference},
            reverted=reverted,
        )

    def _tx_where(
        self,
        ledger_id: int,
        query: object,
        pit: int | None,
        use_insertion: bool = False,
        listed: int | None = None,
    ) -> list[ColumnExpr]:
        t = T.transactions
        where: list[ColumnExpr] = [t.c.ledger_id == ledger_id]
        fields = self._tx_fields(ledger_id, listed)
        condition = FilterCompiler(self.dialect, fields).compile(query)
        if condition is not None:
            where.append(condition)
        if pit is not None:
            where.append((t.c.inserted_at if use_insertion else t.c.timestamp) <= pit)
        return where

    def count_transactions(self, ledger_id: int, query: object, pit: int | None) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(T.transactions)
            .where(*self._tx_where(ledger_id, query, pit))
        )
        with self.engine.connect() as connection:
            return int(connection.execute(statement).scalar_one())

    def list_transactions(
        self,
        ledger_id: int,
        *,
        query: object,
        pit: int | None,
        size: int,
        effective_order: bool,
        ascending: bool,
        after: list[int] | None,
    ) -> tuple[list[TxRow], bool]:
        t = T.transactions
        with self.engine.connect() as connection:
            listed = self._listed_tx(connection, ledger_id) if query else None
            where = self._tx_where(ledger_id, query, pit, listed=listed)
            driving = _account_of(query)
            if driving is not None and self.dialect.postgresql:
                # Only the account's transactions can match: start from their ids (its posting
                # lists), as an array the index is probed with. As ``id IN (...)`` alone,
                # PostgreSQL may walk the whole index backwards, testing each id, when it
                # misjudges how many match (the filter above is still applied).
                field, address = driving
                account_ids = self._account_tx_ids(
                    ledger_id, [address], field != "destination", field != "source", listed
                )
                where.append(t.c.id == sa.any_(sa.func.array(account_ids.scalar_subquery())))
            keys: list[ColumnExpr] = [t.c.timestamp, t.c.id] if effective_order else [t.c.id]
            if after is not None:
                if len(after) != len(keys):
                    raise ValidationError(INVALID_CURSOR)
                bound = sa.tuple_(*keys) if len(keys) > 1 else keys[0]
                value = sa.tuple_(*after) if len(keys) > 1 else after[0]
                where.append(bound > value if ascending else bound < value)
            order = [k.asc() if ascending else k.desc() for k in keys]
            statement = sa.select(t.c.id).where(*where).order_by(*order).limit(size + 1)
            ids = [int(row[0]) for row in connection.execute(statement)]
            has_more = len(ids) > size
            ids = ids[:size]
            rows = self._read_transactions(connection, ledger_id, ids)
        return [rows[i] for i in ids], has_more

    def transactions_by_id(self, ledger_id: int, ids: Iterable[int]) -> dict[int, TxRow]:
        with self.engine.connect() as connection:
            return self._read_transactions(connection, ledger_id, list(ids))

    def _read_transactions(
        self, connection: sa.Connection, ledger_id: int, ids: list[int]
    ) -> dict[int, TxRow]:
        if not ids:
            return {}
        t, p = T.transactions, T.postings
        reverter = T.transactions.alias("reverter")
        rows = connection.execute(
            sa.select(
                t.c.id,
                t.c.timestamp,
                t.c.inserted_at,
                t.c.reference,
                t.c.metadata,
                t.c.reverts_id,
                reverter.c.id,
                reverter.c.inserted_at,
            )
            .select_from(
                t.outerjoin(
                    reverter,
                    sa.and_(reverter.c.ledger_id == t.c.ledger_id, reverter.c.reverts_id == t.c.id),
                )
            )
            .where(t.c.ledger_id == ledger_id, t.c.id.in_(ids))
        ).all()
        postings: dict[int, list[Posting]] = defaultdict(list)
        for tx_id, source, destination, amount, asset in connection.execute(
            sa.select(p.c.tx_id, p.c.source, p.c.destination, p.c.amount, p.c.asset)
            .where(p.c.ledger_id == ledger_id, p.c.tx_id.in_(ids))
            .order_by(p.c.tx_id, p.c.idx)
        ):
            postings[int(tx_id)].append(Posting(source, destination, int(amount), asset))
        out: dict[int, TxRow] = {}
        for tx_id, ts, inserted, reference, meta, reverts, by, by_at in rows:
            out[int(tx_id)] = TxRow(
                id=int(tx_id),
                postings=postings.get(int(tx_id), []),
                metadata=json.loads(meta),
                timestamp=int(ts),
                inserted_at=int(inserted),
                reference=reference,
                reverts_id=None if reverts is None else int(reverts),
                reverted_by=None if by is None else int(by),
                reverted_at=None if by_at is None else int(by_at),
            )
        return out

    def transaction_volumes(
        self, ledger_id: int, tx: TxRow, *, effective: bool
    ) -> tuple[dict[str, dict[str, Volumes]], dict[str, dict[str, Volumes]]]:
        """(pre-commit, post-commit) volumes of each account and asset the transaction moves.

        By insertion order (``tx_id <= id``), or by effective date (``effective``).
        """
        p = T.postings
        pairs = sorted(
            {(x.source, x.asset) for x in tx.postings}
            | {(x.destination, x.asset) for x in tx.postings}
        )
        post: dict[str, dict[str, Volumes]] = defaultdict(dict)
        if effective:
            upto = sa.or_(
                p.c.timestamp < tx.timestamp,
                sa.and_(p.c.timestamp == tx.timestamp, p.c.tx_id <= tx.id),
            )
        else:
            upto = p.c.tx_id <= tx.id
        accounts = sorted({a for a, _ in pairs})
        assets = sorted({asset for _, asset in pairs})
        totals: dict[tuple[str, str], list[int]] = {pair: [0, 0] for pair in pairs}
        with self.engine.connect() as connection:
            for source, destination, amount, asset in connection.execute(
                sa.select(p.c.source, p.c.destination, p.c.amount, p.c.asset).where(
                    p.c.ledger_id == ledger_id,
                    upto,
                    p.c.asset.in_(assets),
                    sa.or_(p.c.source.in_(accounts), p.c.destination.in_(accounts)),
                )
            ):
                amount = int(amount)
                if (destination, asset) in totals:
                    totals[(destination, asset)][0] += amount
                if (source, asset) in totals:
                    totals[(source, asset)][1] += amount
        pre: dict[str, dict[str, Volumes]] = defaultdict(dict)
        own: dict[tuple[str, str], list[int]] = {pair: [0, 0] for pair in pairs}
        for x in tx.postings:
            own[(x.destination, x.asset)][0] += x.amount
            own[(x.source, x.asset)][1] += x.amount
        for (account, asset), (inp, out) in totals.items():
            post[account][asset] = Volumes(inp, out)
            mine = own[(account, asset)]
            pre[account][asset] = Volumes(inp - mine[0], out - mine[1])
        return dict(pre), dict(post)

    # -- accounts ------------------------------------------------------------------------------

    def _account_fields(self, ledger_id: int, address_column: ColumnExpr) -> Fields:
        a, b = T.accounts, T.balances
        dialect = self.dialect

        def address(spec: str) -> ColumnExpr:
            _, _, value = spec.partition("\x00")
            return dialect.address_matches(address_column, value)

        def metadata_via(condition: Callable[[ColumnExpr], ColumnExpr]) -> ColumnExpr:
            inner = T.accounts.alias("meta_account")
            return sa.exists().where(
                inner.c.ledger_id == ledger_id,
                inner.c.address == address_column,
                condition(inner.c.metadata),
            )

        def balance(operator: str, asset: str, value: int) -> ColumnExpr:
            amount = dialect.amount(b.c.input) - dialect.amount(b.c.output)
            found = sa.exists().where(
                b.c.ledger_id == ledger_id,
                b.c.account == address_column,
                b.c.asset == asset,
                _compare(operator, amount, value),
            )
            if _zero_matches(operator, value):
                # an account with no row in this asset has a zero balance
                absent = ~sa.exists().where(
                    b.c.ledger_id == ledger_id, b.c.account == address_column, b.c.asset == asset
                )
                return sa.or_(found, absent)
            return found

        is_accounts = address_column is a.c.address
        return Fields(
            address=address,
            metadata_column=a.c.metadata if is_accounts else None,
            metadata_via=None if is_accounts else metadata_via,
            times={
                "first_usage": a.c.first_usage,
                "firstUsage": a.c.first_usage,
                "insertion_date": a.c.inserted_at,
                "insertionDate": a.c.inserted_at,
                "updated_at": a.c.updated_at,
                "updatedAt": a.c.updated_at,
            }
            if is_accounts
            else None,
            balance=balance,
        )

    def _account_where(self, ledger_id: int, query: object, pit: int | None) -> list[ColumnExpr]:
        a = T.accounts
        where: list[ColumnExpr] = [a.c.ledger_id == ledger_id]
        fields = self._account_fields(ledger_id, a.c.address)
        condition = FilterCompiler(self.dialect, fields).compile(query)
        if condition is not None:
            where.append(condition)
        if pit is not None:
            where.append(a.c.first_usage <= pit)
        return where

    def count_accounts(self, ledger_id: int, query: object, pit: int | None) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(T.accounts)
            .where(*self._account_where(ledger_id, query, pit))
        )
        with self.engine.connect() as connection:
            return int(connection.execute(statement).scalar_one())

    def list_accounts(
        self, ledger_id: int, *, query: object, pit: int | None, size: int, after: str | None
    ) -> tuple[list[dict[str, Any]], bool]:
        a = T.accounts
        where = self._account_where(ledger_id, query, pit)
        if after is not None:
            where.append(a.c.address > after)
        statement = (
            sa.select(a.c.address, a.c.metadata, a.c.first_usage, a.c.inserted_at, a.c.updated_at)
            .where(*where)
            .order_by(a.c.address)
            .limit(size + 1)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        has_more = len(rows) > size
        return [
            {
                "address": address,
                "metadata": json.loads(meta),
                "first_usage": int(first),
                "inserted_at": int(inserted),
                "updated_at": int(updated),
            }
            for address, meta, first, inserted, updated in rows[:size]
        ], has_more

    def account_row(self, ledger_id: int, address: str) -> dict[str, Any] | None:
        a = T.accounts
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(a.c.metadata, a.c.first_usage, a.c.inserted_at, a.c.updated_at).where(
                    a.c.ledger_id == ledger_id, a.c.address == address
                )
            ).first()
        if row is None:
            return None
        return {
            "address": address,
            "metadata": json.loads(row[0]),
            "first_usage": int(row[1]),
            "inserted_at": int(row[2]),
            "updated_at": int(row[3]),
        }

    def account_volumes(
        self, ledger_id: int, addresses: list[str], pit: int | None = None
    ) -> dict[str, dict[str, Volumes]]:
        """Volumes per account and asset: current, or as of effective time ``pit``."""
        out: dict[str, dict[str, Volumes]] = {address: {} for address in addresses}
        if not addresses:
            return out
        with self.engine.connect() as connection:
            if pit is None:
                b = T.balances
                for account, asset, inp, outp in connection.execute(
                    sa.select(b.c.account, b.c.asset, b.c.input, b.c.output)
                    .where(b.c.ledger_id == ledger_id, b.c.account.in_(addresses))
                    .order_by(b.c.account, b.c.asset)
                ):
                    out[account][asset] = Volumes(int(inp), int(outp))
                return out
            p = T.postings
            totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
            wanted = set(addresses)
            for source, destination, amount, asset in connection.execute(
                sa.select(p.c.source, p.c.destination, p.c.amount, p.c.asset).where(
                    p.c.ledger_id == ledger_id,
                    p.c.tx_id.in_(self._account_tx_ids(ledger_id, addresses, True, True)),
                    p.c.timestamp <= pit,
                    sa.or_(p.c.source.in_(addresses), p.c.destination.in_(addresses)),
                )
            ):
                if destination in wanted:
                    totals[(destination, asset)][0] += int(amount)
                if source in wanted:
                    totals[(source, asset)][1] += int(amount)
        for (account, asset), (inp, outp) in sorted(totals.items()):
            out[account][asset] = Volumes(inp, outp)
        return out


def _account_of(query: object) -> tuple[str, str] | None:
    """(field, address) when every transaction a filter matches must involve one exact
    address: ``{"$match": {"account": X}}`` (or ``address``, ``source``,
    ``destination``), alone or among the terms of an ``$and``; None otherwise."""
    if not isinstance(query, dict) or len(query) != 1:
        return None
    ((operator, operand),) = query.items()
    if operator == "$and" and isinstance(operand, list):
        return next((found for item in operand if (found := _account_of(item))), None)
    if operator != "$match" or not isinstance(operand, dict) or len(operand) != 1:
        return None
    ((field, value),) = operand.items()
    if field not in ("address", "account", "source", "destination"):
        return None
    if not isinstance(value, str) or not value or not all(value.split(":")):
        return None
    return str(field), value


# Journal kinds Formance's logs know, and their log type. Coffer-only kinds (holds,
# overdrafts, ledger metadata) have no Formance log type: the Formance logs endpoints leave
# them out (Formance's SDKs reject unknown types); Coffer's journal endpoint has them all.
LOG_TYPES = {
    J.TX: "NEW_TRANSACTION",
    J.TX_METADATA: "SET_METADATA",
    J.ACCOUNT_METADATA: "SET_METADATA",
    J.TX_METADATA_DELETE: "DELETE_METADATA",
    J.ACCOUNT_METADATA_DELETE: "DELETE_METADATA",
}
