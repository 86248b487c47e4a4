"""The base of the wallets services: the core they share and the end of a movement's
saga (a ``pending`` row moved to its final state with its event, atomically)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from coffer.errors import InsufficientFunds
from coffer.ledger import Hold, Transaction
from coffer.wallets import tables as T
from coffer.wallets.common import Row, error_from_code
from coffer.wallets.core import WalletsCore
from coffer.wallets.models import payment_model, refund_model, transfer_model


class Service:
    """A wallets service: operations on the domain's tables and the ledger, through the
    shared :class:`~coffer.wallets.core.WalletsCore`."""

    def __init__(self, core: WalletsCore) -> None:
        self.core = core

    def _finish(
        self, table: sa.Table, row: Row, status: str, event_type: str, **values: Any
    ) -> Row:
        """Move a ``pending`` row to its final state and write its event, atomically."""
        core = self.core
        with core.unit() as connection:
            _, fresh = core.update_status(
                connection,
                table,
                row["id"],
                {"status": status, **values},
                expect=["pending"],
                event_type=event_type,
                model=lambda fresh: self._resource(table, fresh),
            )
        return fresh

    def _complete(
        self,
        table: sa.Table,
        row: Row,
        event_prefix: str,
        move: Callable[[], Transaction | Hold],
        *,
        undo: Callable[[], object] | None = None,
    ) -> Row:
        """Finish a movement whose row is ``pending``: run ``move``, then the row is
        ``succeeded`` (event ``<event_prefix>.succeeded``) with its ledger transaction; when
        the funds are short, ``undo`` runs, the row is ``failed`` and the error raised. A row
        that failed (now or before) raises its error again; the row is returned otherwise."""
        if row["status"] == "pending":
            try:
                tx = move()
            except InsufficientFunds as error:
                if undo is not None:
                    undo()
                self._finish(
                    table, row, "failed", f"{event_prefix}.failed", failure_code=error.code
                )
                raise
            row = self._finish(
                table, row, "succeeded", f"{event_prefix}.succeeded", ledger_tx_id=tx.id
            )
        if row["status"] == "failed":
            raise error_from_code(row["failure_code"])
        return row

    def _resource(self, table: sa.Table, row: Row) -> BaseModel:
        """The API's model of a row of ``table`` (what an event about it carries)."""
        if table is T.transfers:
            return transfer_model(row)
        if table is T.payments:
            return payment_model(row)
        assert table is T.refunds, table
        return refund_model(row)
