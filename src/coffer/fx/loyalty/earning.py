"""Points earned with the wallets movement that earns them, and taken back with its refund.

:class:`LoyaltyEarner` is the wallets' earning hook (:mod:`coffer.wallets.earning`) filled
by loyalty: registered on a wallets platform by :func:`register_earner`, it answers

- a settled merchant payment (and a succeeded card pay-in, for programs whose ``earn_on``
  lists ``payin_card``) with the award postings of every program whose earn rules match
  (``loyalty:P:issued`` -> ``loyalty:P:customers:C``), added to the movement's own ledger
  transaction, and a lot (reason ``payment:<id>``) made active when the transaction is;
- a refund of it with the clawback postings (``loyalty:P:customers:C`` ->
  ``loyalty:P:issued``) in the refund's own transaction: of the points the payment earned,
  the share refunded (floor(points x refunded so far / captured) minus what earlier refunds
  took, so partial refunds add up exactly to a full one). They are taken from the earning
  lot first, then from the customer's other lots oldest first; points already spent and
  not covered by other lots are forgiven (recorded on the clawback as ``forgiven``): a
  customer's points never go negative.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from coffer.fx.loyalty import repository as R
from coffer.fx.loyalty import schemas as S
from coffer.fx.loyalty.models import Row, program_model
from coffer.fx.loyalty.rules import points_for
from coffer.fx.loyalty.service import Clock, Loyalty, customer_account
from coffer.fx.repository import new_id
from coffer.ledger import Posting, Transaction
from coffer.wallets.earning import ClawbackEvent, EarnEvent, Extra
from coffer.wallets.platform import WalletPlatform

EARNER_NAME = "loyalty"
MAX_PROGRAMS = 100


class LoyaltyEarner:
    name = EARNER_NAME

    def __init__(self, loyalty: Loyalty) -> None:
        self.loyalty = loyalty

    def _programs(self) -> list[S.Program]:
        with self.loyalty.engine.connect() as connection:
            return [program_model(r) for r in R.programs(connection, MAX_PROGRAMS)]

    # -- earning ------------------------------------------------------------------------

    def earn(self, event: EarnEvent) -> Extra | None:
        if event.customer_id is None:
            return None
        postings: list[Posting] = []
        lots: list[Row] = []
        for program in self._programs():
            if event.kind not in program.earn_on:
                continue
            points = points_for(
                program.earn_rules,
                amount=event.amount,
                currency=event.currency,
                at=self.loyalty.clock(),
                mcc=event.context.get("mcc"),
                campaign=event.context.get("loyalty_campaign"),
            )
            if points <= 0:
                continue
            points = min(points, S.MAX_POINTS)
            lot = self._lot(program, event, points)
            lots.append(lot)
            postings.append(
                Posting(
                    f"loyalty:{program.id}:issued",
                    customer_account(program.id, event.customer_id),
                    int(lot["points"]),
                    program.asset,
                )
            )
        if not postings:
            return None
        return Extra(
            postings=tuple(postings),
            unbounded=frozenset(p.source for p in postings),
            posted=lambda tx: self._lots_settled(lots, tx),
            failed=lambda: self._lots_settled(lots, None),
        )

    def _lot(self, program: S.Program, event: EarnEvent, points: int) -> Row:
        """The movement's lot in this program: made pending, or the one an earlier try
        made (a retried settlement posts the same award)."""
        reason = f"{event.kind}:{event.id}"
        with self.loyalty.unit() as connection:
            existing = R.lot_by_reason(connection, program.id, reason)
        if existing is not None:
            return existing
        assert event.customer_id is not None
        campaign = event.context.get("loyalty_campaign")
        return self.loyalty._new_lot(program, event.customer_id, points, reason, campaign)

    def _lots_settled(self, lots: list[Row], tx: Transaction | None) -> None:
        for lot in lots:
            if lot["status"] != "active":
                self.loyalty._settle_lot(lot, tx)

    # -- clawback -----------------------------------------------------------------------

    def claw_back(self, event: ClawbackEvent) -> Extra | None:
        if event.customer_id is None or event.captured <= 0:
            return None
        reason = f"{event.kind}:{event.id}"
        postings: list[Posting] = []
        rows: list[Row] = []
        for program in self._programs():
            if event.kind not in program.earn_on:
                continue
            with self.loyalty.engine.connect() as connection:
                lot = R.lot_by_reason(connection, program.id, reason)
                key = f"clawback:{event.refund_id}:{program.id}"
                earlier = R.movement_by_key(connection, key)
            if lot is None or lot["status"] != "active":
                continue
            row = earlier or self._claim(program, event, lot, key)
            if int(row["points"]) > 0 and row["status"] != "failed":
                rows.append(row)
                postings.append(
                    Posting(
                        customer_account(program.id, event.customer_id),
                        f"loyalty:{program.id}:issued",
                        int(row["points"]),
                        program.asset,
                    )
                )
        if not postings:
            return None
        return Extra(
            postings=tuple(postings),
            posted=lambda tx: self._movements_settled(rows, tx),
            failed=lambda: self._movements_settled(rows, None),
        )

    def _claim(self, program: S.Program, event: ClawbackEvent, lot: Row, key: str) -> Row:
        earned = int(lot["points"])
        customer_id = lot["customer_id"]

        def decide(connection: sa.Connection, lots: list[Row], now: int) -> dict[str, Any]:
            before = R.refunded_before(connection, program.id, event.id)
            after = min(before + event.amount, event.captured)
            due = earned * after // event.captured - earned * before // event.captured
            ordered = sorted(lots, key=lambda other: other["id"] != lot["id"])  # its lot first
            available = sum(int(other["remaining"]) for other in ordered)
            taken = min(due, available)
            return {
                "id": new_id("lmv"),
                "program_id": program.id,
                "customer_id": customer_id,
                "kind": "clawback",
                "points": taken,
                "cash_amount": event.amount,
                "wallet_id": None,
                "lots": json.dumps(self.loyalty._claim(connection, ordered, taken)),
                "status": "pending" if taken else "succeeded",
                "idempotency_key": key,
                "ledger_transaction_id": None,
                "created_at": now,
                "source_id": event.id,
                "forgiven": due - taken,
            }

        return self.loyalty.claim_movement(program.id, customer_id, decide)

    def _movements_settled(self, rows: list[Row], tx: Transaction | None) -> None:
        for row in rows:
            if row["status"] != "pending":
                continue
            if tx is None:
                self.loyalty.movement_failed(row)
            else:
                self.loyalty.movement_posted(row, tx)


def register_earner(wallets: WalletPlatform, clock: Clock) -> LoyaltyEarner:
    """Make the platform's payments (and card pay-ins) earn and refunds claw back."""
    loyalty = Loyalty(wallets.core.engine, wallets, wallets.core.ledger, clock)
    earner = LoyaltyEarner(loyalty)
    wallets.core.earners.register(earner)
    return earner
