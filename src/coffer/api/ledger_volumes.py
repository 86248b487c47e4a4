"""Formance-shaped reads of balances, volumes (per account and asset, as of a time) and
logs (the journal as Formance shows it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from coffer.api.ledger_filters import ColumnExpr, Dialect, Fields, FilterCompiler, _exact_addresses
from coffer.ledger import tables as T


@dataclass(frozen=True, slots=True)
class Window:
    """A time window of postings: from ``start`` (inclusive) to ``end`` (inclusive or not),
    by effective time or, with ``use_insertion``, by insertion time; None is open."""

    start: int | None
    end: int | None
    use_insertion: bool
    end_inclusive: bool


class VolumeQueries:
    """Reads of balances, volumes and logs (mixed into
    :class:`~coffer.api.ledger_queries.Queries`)."""

    engine: sa.Engine
    dialect: Dialect

    if TYPE_CHECKING:

        def _account_fields(self, ledger_id: int, address_column: ColumnExpr) -> Fields: ...

        def _account_tx_ids(
            self, ledger_id: int, addresses: list[str], sources: bool, destinations: bool
        ) -> sa.TextualSelect: ...

    def _window_volumes(
        self, ledger_id: int, query: object, window: Window
    ) -> dict[tuple[str, str], list[int]]:
        """Per (account, asset): [input, output] in ``window``; the running totals when the
        window is open at both ends."""
        if window.start is None and window.end is None:
            return self._balance_volumes(ledger_id, query)
        return self._posting_volumes(ledger_id, query, window)

    def _posting_volumes(
        self, ledger_id: int, query: object, window: Window
    ) -> dict[tuple[str, str], list[int]]:
        """Per (account, asset): [input, output] of postings in ``window``."""
        p, t = T.postings, T.transactions
        source_fields = self._account_fields(ledger_id, p.c.source)
        destination_fields = self._account_fields(ledger_id, p.c.destination)
        source_match = FilterCompiler(self.dialect, source_fields).compile(query)
        destination_match = FilterCompiler(self.dialect, destination_fields).compile(query)
        if window.use_insertion:
            moment: ColumnExpr = (
                sa.select(t.c.inserted_at)
                .where(t.c.ledger_id == p.c.ledger_id, t.c.id == p.c.tx_id)
                .scalar_subquery()
            )
        else:
            moment = p.c.timestamp
        where: list[ColumnExpr] = [p.c.ledger_id == ledger_id]
        addresses = _exact_addresses(query)
        if addresses:  # the postings of those accounts' transactions, by key
            where.append(p.c.tx_id.in_(self._account_tx_ids(ledger_id, addresses, True, True)))
        if window.start is not None:
            where.append(moment >= window.start)
        if window.end is not None:
            where.append(moment <= window.end if window.end_inclusive else moment < window.end)
        columns: list[ColumnExpr] = [p.c.source, p.c.destination, p.c.amount, p.c.asset]
        if source_match is not None and destination_match is not None:
            where.append(sa.or_(source_match, destination_match))
            columns += [
                sa.case((source_match, 1), else_=0),
                sa.case((destination_match, 1), else_=0),
            ]
        totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        with self.engine.connect() as connection:
            for row in connection.execute(sa.select(*columns).where(*where)):
                source, destination, amount, asset = row[0], row[1], int(row[2]), row[3]
                source_ok = destination_ok = True
                if len(row) > 4:
                    source_ok, destination_ok = bool(row[4]), bool(row[5])
                if destination_ok:
                    totals[(destination, asset)][0] += amount
                if source_ok:
                    totals[(source, asset)][1] += amount
        return totals

    def _balance_volumes(self, ledger_id: int, query: object) -> dict[tuple[str, str], list[int]]:
        """Per (account, asset) the filter matches: [input, output] as they are now (the
        running totals)."""
        b = T.balances
        fields = self._account_fields(ledger_id, b.c.account)
        condition = FilterCompiler(self.dialect, fields).compile(query)
        where: list[ColumnExpr] = [b.c.ledger_id == ledger_id]
        if condition is not None:
            where.append(condition)
        totals: dict[tuple[str, str], list[int]] = {}
        with self.engine.connect() as connection:
            for account, asset, inp, out in connection.execute(
                sa.select(b.c.account, b.c.asset, b.c.input, b.c.output).where(*where)
            ):
                totals[(account, asset)] = [int(inp), int(out)]
        return totals

    def aggregate_balances(
        self, ledger_id: int, query: object, pit: int | None, use_insertion: bool
    ) -> dict[str, int]:
        window = Window(None, pit, use_insertion, end_inclusive=True)
        totals = self._window_volumes(ledger_id, query, window)
        sums: dict[str, int] = {}
        for (_, asset), (inp, out) in totals.items():
            sums[asset] = sums.get(asset, 0) + inp - out
        return dict(sorted(sums.items()))

    def volumes(
        self,
        ledger_id: int,
        query: object,
        *,
        start: int | None,
        end: int | None,
        use_insertion: bool,
        group_by: int | None,
    ) -> list[tuple[str, str, int, int]]:
        """Sorted (account, asset, input, output); addresses cut to ``group_by`` segments."""
        window = Window(start, end, use_insertion, end_inclusive=False)
        totals = self._window_volumes(ledger_id, query, window)
        if group_by:
            grouped: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
            for (account, asset), (inp, out) in totals.items():
                key = (":".join(account.split(":")[:group_by]), asset)
                grouped[key][0] += inp
                grouped[key][1] += out
            totals = grouped
        return [(a, s, v[0], v[1]) for (a, s), v in sorted(totals.items())]

    # -- logs --------------------------------------------------------------------------------------

    def logs(
        self,
        ledger_id: int,
        *,
        before: int | None,
        size: int,
        ascending: bool = False,
        pit: int | None = None,
        kinds: Collection[int] | None = None,
    ) -> tuple[list[tuple[int, int, int | None, str, int, bytes]], bool]:
        j = T.journal
        where: list[ColumnExpr] = [j.c.ledger_id == ledger_id]
        if kinds is not None:
            where.append(j.c.kind.in_(sorted(kinds)))
        if before is not None:
            where.append(j.c.seq > before if ascending else j.c.seq < before)
        if pit is not None:
            where.append(j.c.created_at <= pit)
        statement = (
            sa.select(j.c.seq, j.c.kind, j.c.ref_id, j.c.payload, j.c.created_at, j.c.hash)
            .where(*where)
            .order_by(j.c.seq.asc() if ascending else j.c.seq.desc())
            .limit(size + 1)
        )
        with self.engine.connect() as connection:
            rows = [
                (int(s), int(k), None if r is None else int(r), str(p), int(c), bytes(h))
                for s, k, r, p, c, h in connection.execute(statement)
            ]
        return rows[:size], len(rows) > size
