"""Recovery after a crash: transfers the ledger posted but whose row was never written
(adopted from the ledger transaction), and movements left ``pending``."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from coffer.errors import (
    CofferError,
)
from coffer.ledger import Transaction
from coffer.wallets import repository as R
from coffer.wallets import tables as T
from coffer.wallets.common import (
    FEES_ACCOUNT,
    event_data,
    wallet_account,
)
from coffer.wallets.payments import Payments
from coffer.wallets.transfers import Transfers

log = logging.getLogger("coffer.wallets")


class Recovery(Transfers, Payments):
    """The worker's housekeeping of transfers and payments."""

    _recovered_until: datetime | None
    _recovery_window_end: datetime | None
    _recovery_cursor: str | None

    def recover_transfers(
        self,
        *,
        since: datetime | None = None,
        older_than_seconds: float = 30.0,
        limit: int = 10_000,
        span: int = 1_000_000,
    ) -> int:
        """Write the rows of transfers the ledger ran but a crash kept from being recorded.

        The hot path writes a transfer's row only after the ledger posted it; a crash in
        between leaves the ledger transaction (metadata ``wallets_type=transfer``,
        ``wallets_id``, and ``wallets_metadata`` when the transfer had metadata) as the only
        trace. This reads such transactions, in order, from ``since`` (default: where the
        previous call stopped, else 24 hours ago) to ``older_than_seconds`` ago (younger ones
        may still be writing their row), at most ``limit`` per call, and writes each missing
        row with its ``transfer.succeeded`` event, as the request would have. Returns how
        many it wrote. The wallets worker runs it with its housekeeping.

        A window reads at most the ledger's last ``span`` transactions (transactions are
        found by id, not by time): the first call of a worker does not read the whole
        history of a large ledger.
        """
        core = self.core
        cursor = None if since is not None else self._recovery_cursor
        if cursor is None:
            now = datetime.now(UTC)
            start = since or self._recovered_until or now - timedelta(days=1)
            end = now - timedelta(seconds=older_than_seconds)
            if end <= start:
                return 0
            self._recovery_window_end = end
            newest = core.ledger.transactions(page_size=1).data
            since_id = max(0, newest[0].id - span + 1) if newest else 0
        written = 0
        seen = 0
        while seen < limit:
            size = min(1_000, limit - seen)
            if cursor is None:
                page = core.ledger.transactions(
                    metadata={"wallets_type": "transfer"},
                    start_time=start,
                    end_time=end,
                    order="asc",
                    page_size=size,
                    since_id=since_id,
                )
            else:  # the cursor keeps the window's filters
                page = core.ledger.transactions(cursor=cursor, page_size=size)
            seen += len(page.data)
            ids = [str(tx.metadata.get("wallets_id")) for tx in page.data]
            with core.unit() as connection:
                present = R.get_many(connection, T.transfers, ids)
            for tx in page.data:
                if tx.metadata.get("wallets_id") not in present and self._recover_transfer(tx):
                    written += 1
            cursor = page.next_cursor if page.has_more else None
            if cursor is None:
                break
        # stopped at the limit: the next call goes on from there; else the next window
        # starts where this one ended
        self._recovery_cursor = cursor
        if cursor is None:
            self._recovered_until = self._recovery_window_end
        return written

    def _recover_transfer(self, tx: Transaction) -> bool:
        """Write the row and event of the transfer ``tx`` posted; False if it is not one
        this domain's TRANSFER template made (its proof, coffer.wallets.proof, does not
        check), or its row exists by now."""
        wallet_prefix = wallet_account("")
        sources = {p.source for p in tx.postings}
        credited = [p for p in tx.postings if p.destination != FEES_ACCOUNT]
        if len(sources) != 1 or len(credited) != 1 or not tx.postings:
            return False
        source = sources.pop()
        destination = credited[0].destination
        if not source.startswith(wallet_prefix) or not destination.startswith(wallet_prefix):
            return False
        created = int(tx.timestamp.timestamp() * 1_000_000)
        row = {
            "id": str(tx.metadata["wallets_id"]),
            "debited_wallet_id": source[len(wallet_prefix) :],
            "credited_wallet_id": destination[len(wallet_prefix) :],
            "currency": tx.postings[0].asset.split("/")[0],
            "amount": sum(p.amount for p in tx.postings),
            "fee": sum(p.amount for p in tx.postings if p.destination == FEES_ACCOUNT),
            "status": "succeeded",
            "failure_code": None,
            "ledger_tx_id": tx.id,
            "metadata": tx.metadata.get("wallets_metadata") or "{}",
            "created_at": created,
            "updated_at": R.now_micros(),
        }
        if not self.core.proves(tx, "transfer", self._transfer_variables(row)):
            # not written by this domain (a ledger API client's posting, say): never adopted
            log.warning("transaction %s names transfer %s without its proof", tx.id, row["id"])
            return False
        event = R.event_values("transfer.succeeded", event_data(self._transfer_model(row)))
        try:
            with self.core.fast_connection() as connection:
                R.insert_all(connection, [(T.transfers, row), (T.events, event)])
        except sa.exc.IntegrityError:  # written meanwhile (by the request, or another worker)
            return False
        return True

    def resume_pending(self, *, older_than_seconds: float = 30.0, limit: int = 100) -> int:
        """Complete transfers and payments a crash left ``pending`` (ledger keys make the
        retry safe). Returns how many were looked at."""
        before = R.now_micros() - int(older_than_seconds * 1_000_000)
        with self.core.unit() as connection:
            transfer_ids = R.stuck(connection, T.transfers, before, limit)
            payment_ids = R.stuck(connection, T.payments, before, limit)
        for transfer_id in transfer_ids:
            with contextlib.suppress(CofferError):
                self._complete_transfer(transfer_id)
        for payment_id in payment_ids:
            with contextlib.suppress(CofferError):
                self._authorize(payment_id)
        return len(transfer_ids) + len(payment_ids)
