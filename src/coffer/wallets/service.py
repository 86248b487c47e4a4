"""The wallets service: customers, KYC, wallets, transfers, merchant payments and escrow.

Atomicity. The ledger commits in its own sequencer transaction, apart from this domain's
tables, so every money movement is a small saga that is safe to retry:

1. write the domain row in state ``pending`` (with the idempotency key record) and commit;
2. run the Numscript template with a ledger idempotency key derived from the row's id and
   the step (``wallets:transfer:<id>``): a retry after a crash gets the first result back
   instead of moving money twice;
3. write the final state and its outbox event in one database transaction.

A crash between 1 and 3 leaves a ``pending`` row that :meth:`Wallets.resume_pending` (run by
the worker) or a replay of the same ``Idempotency-Key`` completes. Transfers, the hot path,
skip step 1: their row, idempotency record and event are written once, after the ledger
call, and a retry is made safe by a ledger reference derived from the key (see
:meth:`Wallets.transfer`). Each public method is its
own unit of work (it commits), because step 2 cannot share a transaction with 1 and 3;
SQL stays in :mod:`coffer.wallets.repository`.
"""

from __future__ import annotations

from datetime import datetime

from coffer.wallets.accounts import WalletAccounts
from coffer.wallets.core import WalletsCore
from coffer.wallets.customers import Customers
from coffer.wallets.recovery import Recovery


class Wallets(Customers, WalletAccounts, Recovery):
    """Customers, KYC, wallets, transfers and merchant payments (escrow included): one
    object with each resource's operations (one module each)."""

    def __init__(self, core: WalletsCore) -> None:
        super().__init__(core)
        # where recover_transfers stopped: the end of its last window, or a page cursor
        self._recovered_until: datetime | None = None
        self._recovery_window_end: datetime | None = None
        self._recovery_cursor: str | None = None


__all__ = ["Wallets", "WalletsCore"]
