"""The base of the wallets services: the core they share and the end of a movement's
saga (a ``pending`` row moved to its final state with its event, atomically)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from coffer.wallets import repository as R
from coffer.wallets import tables as T
from coffer.wallets.common import (
    Row,
)
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
            changed = R.update(
                connection,
                table,
                row["id"],
                {"status": status, **values},
                expect_status=["pending"],
            )
            fresh = R.get(connection, table, row["id"])
            assert fresh is not None
            if changed:
                core.event(connection, event_type, self._resource(table, fresh))
        return fresh

    def _resource(self, table: sa.Table, row: Row) -> BaseModel:
        """The API's model of a row of ``table`` (what an event about it carries)."""
        if table is T.transfers:
            return transfer_model(row)
        if table is T.payments:
            return payment_model(row)
        assert table is T.refunds, table
        return refund_model(row)
