"""Execution of approved payment batches, one of the automations worker's tasks.

A worker leases a due batch (compare-and-set on the row: two workers never hold one
batch), checks its funding, then pays its pending lines in order, a chunk at a time: the
wallet lines in one ``transfer_many`` (one ledger submission), the bank lines as payouts,
then the chunk's statuses in one commit that also renews the lease. Every movement carries
the idempotency key ``payroll:<batch>:<line>`` (``:<n>`` after ``n`` refusals for want of
funds, which move nothing), so a worker that dies between the movement and the commit
leaves nothing to pay twice: the next holder replays the key and records the first
answer. Bank lines' payouts then go into one payout batch (its pain.001 file), and the
batch completes with the summary event ``payment_batch.completed``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coffer.automations import repository as AR
from coffer.automations.payroll import repository as R
from coffer.automations.payroll.service import PaymentBatches, batch_model
from coffer.errors import CofferError, InsufficientFunds
from coffer.wallets import schemas as W

if TYPE_CHECKING:
    from coffer.wallets.platform import WalletPlatform

logger = logging.getLogger("coffer.automations.payroll")
Row = dict[str, Any]
SHORT = InsufficientFunds.code
MAX_ROUNDS = 1000  # chunks per lease (a batch has at most 100,000 lines)


@dataclass
class Chunk:
    """What paying one chunk of lines gave."""

    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    short_at: int | None = None  # the first line refused for want of funds
    retry: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def line_key(batch_id: str, line: Mapping[str, Any]) -> str:
    attempts = int(line["attempts"])
    base = f"payroll:{batch_id}:{line['line_number']}"
    return base if attempts == 0 else f"{base}:{attempts}"


def _done(status: str, **values: Any) -> dict[str, Any]:
    return {
        "status": status,
        "transfer_id": values.get("transfer_id"),
        "payout_id": values.get("payout_id"),
        "failure_code": values.get("failure_code"),
        "failure_message": values.get("failure_message"),
    }


class BatchRunner:
    """Leases due batches and executes them (see the module's documentation)."""

    def __init__(self, batches: PaymentBatches, owner: str) -> None:
        self.batches = batches
        self.owner = owner

    @property
    def lease_micros(self) -> int:
        return int(self.batches.automations.settings.automation_lease_seconds * 1_000_000)

    def tick(self) -> int:
        """Expire approvals that ran out, then execute one due batch; work done."""
        batches = self.batches
        now = batches.now_micros()
        with AR.reading(batches.engine) as connection:
            if not R.any_due(connection, now):
                return 0
        done = batches.expire()
        with AR.unit(batches.engine) as connection:
            row = R.claim(connection, now, self.owner, now + self.lease_micros)
        if row is None:
            return done
        try:
            self.execute(row)
        except Exception:  # one batch's failure must not stop the worker; its lease runs out
            logger.exception("payment batch %s failed in the worker", row["id"])
        return done + 1

    # -- one batch -------------------------------------------------------------------------

    def execute(self, row: Row) -> None:
        batches = self.batches
        wallets = batches.wallets_of(str(row["platform_id"]))
        batch_id = str(row["id"])
        if row["status"] in ("scheduled", "waiting_funds") and not self._funded(wallets, row):
            return
        size = batches.settings.payroll_chunk_size
        for _ in range(MAX_ROUNDS):
            with AR.reading(batches.engine) as connection:
                lines = batches.opened(R.pending_lines(connection, batch_id, size))
            if not lines:
                self._complete(wallets, row)
                return
            chunk = self._pay(wallets, row, lines)
            if not self._record(row, chunk):
                return

    def _release(self, batch_id: str, values: dict[str, Any]) -> bool:
        now = self.batches.now_micros()
        with AR.unit(self.batches.engine) as connection:
            return R.update_batch(
                connection,
                batch_id,
                {**values, "lease_owner": None, "lease_until": None, "updated_at": now},
                lease_owner=self.owner,
            )

    def _wait_for_funds(self, batch_id: str) -> None:
        recheck = int(self.batches.settings.payroll_funds_recheck_seconds * 1_000_000)
        now = self.batches.now_micros()
        self._release(batch_id, {"status": "waiting_funds", "next_check_at": now + recheck})

    def _funded(self, wallets: WalletPlatform, row: Row) -> bool:
        """Funding check: ``wait`` waits (released, checked again later) until the source
        wallet covers every pending line; ``partial`` goes on."""
        batch_id = str(row["id"])
        with AR.reading(self.batches.engine) as connection:
            needed = sum(
                amount
                for status, _kind, amount in R.line_amounts(connection, batch_id)
                if status == "pending"
            )
        if row["funding_policy"] == "wait":
            available = wallets.wallets.wallet(str(row["source_wallet_id"])).available
            if available < needed:
                self._wait_for_funds(batch_id)
                return False
        now = self.batches.now_micros()
        with AR.unit(self.batches.engine) as connection:
            return R.update_batch(
                connection,
                batch_id,
                {"status": "executing", "updated_at": now},
                lease_owner=self.owner,
            )

    def _pay(self, wallets: WalletPlatform, row: Row, lines: list[Row]) -> Chunk:
        chunk = Chunk()
        if row["funding_policy"] == "partial":
            # in order while funds last: the first line that does not fit and every later
            # one fail (read once per chunk; a concurrent spend is caught by the ledger)
            available = wallets.wallets.wallet(str(row["source_wallet_id"])).available
            fits: list[Row] = []
            for line in lines:
                if int(line["amount"]) > available:
                    chunk.short_at = int(line["line_number"])
                    break
                available -= int(line["amount"])
                fits.append(line)
            lines = fits
        start = 0
        while start < len(lines) and chunk.short_at is None:
            kind = lines[start]["kind"]
            end = start
            while end < len(lines) and lines[end]["kind"] == kind:
                end += 1
            group = lines[start:end]
            if kind == "wallet":
                self._transfers(wallets, row, group, chunk)
            else:
                self._payouts(wallets, row, group, chunk)
            start = end
        return chunk

    def _outcome(self, chunk: Chunk, line: Row, code: str, message: str, policy: str) -> None:
        number = int(line["line_number"])
        if code == SHORT:
            if policy == "wait":
                chunk.retry.append((number, {"attempts": int(line["attempts"]) + 1}))
            if chunk.short_at is None or number < chunk.short_at:
                chunk.short_at = number
            return
        chunk.updates.append((number, _done("failed", failure_code=code, failure_message=message)))

    def _transfers(self, wallets: WalletPlatform, row: Row, lines: list[Row], chunk: Chunk) -> None:
        batch_id = str(row["id"])
        items = [
            (
                W.TransferCreate(
                    debited_wallet_id=str(row["source_wallet_id"]),
                    credited_wallet_id=str(line["wallet_id"]),
                    amount=int(line["amount"]),
                    currency=str(line["currency"]),
                    metadata={
                        "payment_batch_id": batch_id,
                        "line_number": str(line["line_number"]),
                        **({"reference": line["reference"]} if line["reference"] else {}),
                    },
                ),
                line_key(batch_id, line),
            )
            for line in lines
        ]
        results = wallets.wallets.transfer_many(items)
        policy = str(row["funding_policy"])
        for line, result in zip(lines, results, strict=True):
            if isinstance(result, CofferError):
                self._outcome(chunk, line, result.code, result.message, policy)
            elif result.status == "failed" and result.failure_code == SHORT:
                self._outcome(chunk, line, SHORT, f"transfer {result.id} lacked funds", policy)
            elif result.status == "failed":
                failed = _done(
                    "failed",
                    transfer_id=result.id,
                    failure_code=result.failure_code,
                    failure_message=f"transfer {result.id} failed",
                )
                chunk.updates.append((int(line["line_number"]), failed))
            else:
                chunk.updates.append(
                    (int(line["line_number"]), _done("paid", transfer_id=result.id))
                )

    def _payouts(self, wallets: WalletPlatform, row: Row, lines: list[Row], chunk: Chunk) -> None:
        batch_id = str(row["id"])
        source = wallets.wallets.wallet(str(row["source_wallet_id"]))
        assert source.customer_id is not None  # validated at creation
        for line in lines:
            key = line_key(batch_id, line)
            try:
                account = wallets.payouts.add_bank_account(
                    W.BankAccountCreate(
                        customer_id=source.customer_id,
                        holder_name=str(line["name"]),
                        iban=str(line["iban"]),
                        bic=line["bic"],
                    ),
                    idempotency_key=f"payroll:{batch_id}:{line['line_number']}:bank",
                )
                payout = wallets.payouts.create_payout(
                    W.PayoutCreate(
                        wallet_id=source.id,
                        bank_account_id=account.id,
                        amount=int(line["amount"]),
                        currency=str(line["currency"]),
                    ),
                    idempotency_key=key,
                )
            except CofferError as error:
                self._outcome(chunk, line, error.code, error.message, str(row["funding_policy"]))
                if chunk.short_at is not None:
                    return
                continue
            status = "failed" if payout.status == "failed" else "submitted"
            chunk.updates.append(
                (
                    int(line["line_number"]),
                    _done(status, payout_id=payout.id, failure_code=payout.failure_code),
                )
            )

    def _record(self, row: Row, chunk: Chunk) -> bool:
        """The chunk's outcomes, in one commit that renews the lease; False: stop here
        (the batch waits for funds, or another worker holds it now)."""
        batches = self.batches
        batch_id = str(row["id"])
        now = batches.now_micros()
        waiting = row["funding_policy"] == "wait" and chunk.short_at is not None
        with AR.unit(batches.engine) as connection:
            if not R.update_batch(
                connection,
                batch_id,
                {"lease_until": now + self.lease_micros, "updated_at": now},
                lease_owner=self.owner,
                status_in=["executing"],
            ):
                return False
            stamped = [(number, {**values, "updated_at": now}) for number, values in chunk.updates]
            R.update_lines(connection, batch_id, stamped)
            R.update_lines(
                connection, batch_id, [(n, {**v, "updated_at": now}) for n, v in chunk.retry]
            )
            if chunk.short_at is not None and not waiting:
                R.close_pending(
                    connection,
                    batch_id,
                    "failed_insufficient_funds",
                    {"failure_code": SHORT, "updated_at": now},
                    from_line=chunk.short_at,
                )
        if waiting:
            self._wait_for_funds(batch_id)
            return False
        return True

    def _complete(self, wallets: WalletPlatform, row: Row) -> None:
        batches = self.batches
        batch_id = str(row["id"])
        with AR.reading(batches.engine) as connection:
            payout_ids = R.submitted_payouts(connection, batch_id)
            amounts = R.line_amounts(connection, batch_id)
        payout_batch_id = None
        if payout_ids:
            payout_batch_id = wallets.payouts.export_payouts(payout_ids).id
        counts: dict[str, int] = {}
        totals: dict[str, int] = {}
        for status, _kind, amount in amounts:
            counts[status] = counts.get(status, 0) + 1
            totals[status] = totals.get(status, 0) + amount
        summary = {"counts": counts, "totals": totals}
        now = batches.now_micros()
        with AR.unit(batches.engine) as connection:
            if not R.update_batch(
                connection,
                batch_id,
                {
                    "status": "completed",
                    "summary": AR.dumps(summary),
                    "payout_batch_id": payout_batch_id,
                    "completed_at": now,
                    "next_check_at": None,
                    "lease_owner": None,
                    "lease_until": None,
                    "updated_at": now,
                },
                lease_owner=self.owner,
                status_in=["executing"],
            ):
                return
            fresh = R.batch(connection, None, batch_id)
            assert fresh is not None
            resource = {
                **batch_model(fresh).model_dump(mode="json"),
                "platform_id": fresh["platform_id"],
            }
            wallets.webhooks.publish("payment_batch.completed", resource, connection=connection)
