"""The attributes the parts of :class:`~coffer.ledger.service.Ledger` share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coffer.ledger.models import Transaction
from coffer.ledger.requests import Request
from coffer.ledger.runtime import LedgerRuntime
from coffer.ledger.sequencer import Sequencer


class LedgerParts:
    """What :class:`~coffer.ledger.service.Ledger`'s read and audit methods rely on."""

    _runtime: LedgerRuntime
    _sequencer: Sequencer
    name: str

    if TYPE_CHECKING:

        def _submit(self, request: Request) -> Any: ...

        def expire_holds(self) -> None: ...

        def transaction(self, tx_id: int) -> Transaction: ...
