"""Merchant payments between wallets: authorization (a ledger hold), capture in full or in
part (the fee is taken in full, whatever the captured part), void, escrow released or
returned, and refunds."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from coffer.errors import (
    HoldStateError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidState,
    ValidationError,
)
from coffer.ledger import Hold, Transaction
from coffer.wallets import currencies
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets import templates as N
from coffer.wallets.base import Service
from coffer.wallets.checks import Movement, context_of
from coffer.wallets.common import (
    Row,
    capture_amount,
    error_from_code,
    require_status,
    wallet_account,
)
from coffer.wallets.core import RefundTarget, movement
from coffer.wallets.models import payment_model, refund_model
from coffer.wallets.reviews import insert_assessed


class Payments(Service):
    """Merchant payments, escrow and their refunds."""

    _payment_model = staticmethod(payment_model)

    def create_payment(
        self, request: S.PaymentCreate, *, idempotency_key: str | None = None
    ) -> S.Payment:
        """Authorize a payment from a buyer's wallet to a seller's: the amount is held in
        the ledger (a pending transaction into ``payments:<id>``) until captured or voided.
        With ``capture=True`` it is captured at once."""
        core = self.core
        currency = currencies.check_currency(request.currency)
        if request.fee > request.amount:
            raise ValidationError("the fee cannot exceed the amount", fee=request.fee)
        if request.buyer_wallet_id == request.seller_wallet_id:
            raise ValidationError("buyer and seller wallets must differ")
        payload = request.model_dump(mode="json")

        def create(connection: sa.Connection) -> str:
            buyer = core.wallet_row(connection, request.buyer_wallet_id)
            seller = core.wallet_row(connection, request.seller_wallet_id)
            core.check_currency(buyer, currency)
            core.check_currency(seller, currency)
            core.check_can_send(buyer)
            core.check_can_receive(seller)
            core.check_limits(connection, buyer, request.amount, sending=True)
            core.check_limits(
                connection, seller, request.amount, receiving=request.amount - request.fee
            )
            payment_id = R.new_id("pay")
            movement = Movement.of_wallet(
                "payment",
                payment_id,
                buyer,
                request.amount,
                currency,
                counterparty=f"merchant:{seller['customer_id']}" if seller["customer_id"] else None,
                context=context_of(request.metadata),
            )
            return insert_assessed(
                core,
                connection,
                T.payments,
                movement,
                {
                    "id": payment_id,
                    "buyer_wallet_id": buyer["id"],
                    "seller_wallet_id": seller["id"],
                    "currency": currency,
                    "amount": request.amount,
                    "fee": request.fee,
                    "captured_amount": 0,
                    "refunded_amount": 0,
                    "escrow": request.escrow,
                    "escrow_status": None,
                    "hold_id": None,
                    "metadata": json.dumps(request.metadata),
                },
            )

        payment_id, _ = core.create_once(
            key=idempotency_key, operation="payment", payload=payload, create=create
        )
        payment = self._authorize(payment_id)
        if request.capture and payment.status == "authorized":
            payment = self.capture_payment(payment_id)
        return payment

    def _payment_row(self, payment_id: str) -> Row:
        return self.core.existing(T.payments, payment_id, "payment")

    def _authorize(self, payment_id: str) -> S.Payment:
        core = self.core
        row = self._payment_row(payment_id)
        if row["status"] == "pending":
            try:
                hold = core.run(
                    N.MOVE,
                    N.move(
                        wallet_account(row["buyer_wallet_id"]),
                        f"payments:{payment_id}",
                        row["currency"],
                        row["amount"],
                    ),
                    **movement("payment", payment_id, "authorize"),
                    pending=True,
                    timeout_seconds=core.settings.authorization_expiry_seconds,
                )
            except InsufficientFunds as error:
                row = self._finish(
                    T.payments, row, "failed", "payment.failed", failure_code=error.code
                )
                raise
            with core.unit() as connection:
                review = R.review_row(connection, "payment", payment_id)
                if review is not None:
                    R.set_review_hold(connection, "payment", payment_id, hold.id)
            if review is not None:  # held until the check resolves it
                row = self._finish(
                    T.payments, row, "in_review", "payment.in_review", hold_id=hold.id
                )
            else:
                row = self._finish(
                    T.payments, row, "authorized", "payment.authorized", hold_id=hold.id
                )
        if row["status"] == "failed":
            raise error_from_code(row["failure_code"])
        return self._payment_model(row)

    def capture_payment(self, payment_id: str, amount: int | None = None) -> S.Payment:
        """Capture all or part of the authorization; the rest is released. Without escrow
        the captured amount is settled at once (fee to the platform, rest to the seller)."""
        core = self.core
        row = self._payment_row(payment_id)
        require_status(
            row, "authorized", f"payment {payment_id}", "only an authorized payment can be captured"
        )
        captured = capture_amount(
            row, amount, "cannot capture {captured}: only {authorized} {currency} was authorized"
        )
        try:
            core.post_hold(
                row["hold_id"],
                captured,
                **movement("payment", payment_id, "capture"),
            )
        except (HoldStateError, IdempotencyConflict) as error:
            raise InvalidState(
                f"payment {payment_id} can no longer be captured: {error.message}"
            ) from error
        fee = min(row["fee"], captured)
        with core.unit() as connection:
            R.update(
                connection,
                T.payments,
                payment_id,
                {
                    "status": "captured",
                    "captured_amount": captured,
                    "fee": fee,
                    "escrow_status": "held" if row["escrow"] else None,
                },
                expect_status=["authorized"],
            )
            fresh = R.get(connection, T.payments, payment_id)
            assert fresh is not None
            core.event(connection, "payment.captured", self._payment_model(fresh))
        if not row["escrow"]:
            self._settle(fresh)
        return self._payment_model(self._payment_row(payment_id))

    def _settle(self, row: Row) -> None:
        """Pay the seller (and the fee); the points the payment earns are awarded in the
        same ledger transaction."""
        self.core.run(
            N.SETTLE,
            {
                "from": f"payments:{row['id']}",
                "to": wallet_account(row["seller_wallet_id"]),
                "amount": currencies.monetary(row["currency"], row["captured_amount"]),
                "fee": currencies.monetary(row["currency"], row["fee"]),
            },
            **movement("payment", row["id"], "settle"),
            extras=self.core.earning(
                "payment",
                row["id"],
                row["buyer_wallet_id"],
                row["captured_amount"],
                row["currency"],
                row["metadata"],
            ),
        )

    def void_payment(self, payment_id: str) -> S.Payment:
        core = self.core
        row = self._payment_row(payment_id)
        require_status(
            row, "authorized", f"payment {payment_id}", "only an authorized payment can be voided"
        )
        try:
            core.ledger.void_pending(
                row["hold_id"], idempotency_key=f"wallets:payment:{payment_id}:void"
            )
        except (HoldStateError, IdempotencyConflict) as error:
            raise InvalidState(f"payment {payment_id} cannot be voided: {error.message}") from error
        core.cas(
            T.payments,
            payment_id,
            lambda r: {"status": "voided"},
            event=lambda r: ("payment.voided", self._payment_model(r)),
        )
        return self._payment_model(self._payment_row(payment_id))

    def release_escrow(self, payment_id: str) -> S.Payment:
        """Pay the escrowed amount to the seller (minus the platform fee)."""
        return self._end_escrow(payment_id, release=True)

    def return_escrow(self, payment_id: str) -> S.Payment:
        """Give the escrowed amount back to the buyer (no fee is taken)."""
        return self._end_escrow(payment_id, release=False)

    def _end_escrow(self, payment_id: str, *, release: bool) -> S.Payment:
        core = self.core
        row = self._payment_row(payment_id)
        if row["escrow_status"] != "held":
            raise InvalidState(
                f"payment {payment_id} has no escrow held (escrow status: {row['escrow_status']})",
                escrow_status=row["escrow_status"],
            )
        if release:
            with core.unit() as connection:
                seller = core.wallet_row(connection, row["seller_wallet_id"])
            core.check_can_receive(seller)
            self._settle(row)
        else:
            core.run(
                N.MOVE,
                N.move(
                    f"payments:{payment_id}",
                    wallet_account(row["buyer_wallet_id"]),
                    row["currency"],
                    row["captured_amount"],
                ),
                key=f"payment:{payment_id}:return",
                kind="escrow_return",
                object_id=payment_id,
            )
        status = "released" if release else "returned"

        def compute(current: Row) -> dict[str, Any]:
            if current["escrow_status"] != "held":
                raise InvalidState(f"escrow of {payment_id} is already {current['escrow_status']}")
            return {"escrow_status": status}

        core.cas(
            T.payments,
            payment_id,
            compute,
            event=lambda r: (f"escrow.{status}", self._payment_model(r)),
        )
        return self._payment_model(self._payment_row(payment_id))

    def refund_payment(
        self, payment_id: str, amount: int | None = None, *, idempotency_key: str | None = None
    ) -> S.Refund:
        """Refund a captured (and, with escrow, released) payment from the seller's wallet
        to the buyer's, in full or in part, several times up to the captured amount."""
        core = self.core
        row = self._payment_row(payment_id)
        if row["status"] != "captured" or row["escrow_status"] not in (None, "released"):
            raise InvalidState(
                f"payment {payment_id} is {row['status']} (escrow {row['escrow_status']}); "
                "refund a captured payment, or return the escrow instead",
                status=row["status"],
            )
        payload = {"payment_id": payment_id, "amount": amount}
        with core.unit() as connection:
            record = core.replayed(connection, idempotency_key, "refund", payload)
        if record is not None:
            return self._complete_payment_refund(str(record["resource_id"]))
        refund_id = core.reserve_refund(
            _REFUNDS, row, amount, key=idempotency_key, operation="refund", payload=payload
        )
        return self._complete_payment_refund(refund_id)

    def _complete_payment_refund(self, refund_id: str) -> S.Refund:
        core = self.core
        with core.unit() as connection:
            refund = R.get(connection, T.refunds, refund_id)
        assert refund is not None
        payment_id, amount = refund["target_id"], refund["amount"]

        def move() -> Transaction | Hold:
            payment = self._payment_row(payment_id)
            return core.run(
                N.MOVE,
                N.move(
                    wallet_account(payment["seller_wallet_id"]),
                    wallet_account(payment["buyer_wallet_id"]),
                    refund["currency"],
                    amount,
                ),
                **movement("refund", refund_id),
                extras=core.clawback(
                    "payment",
                    payment_id,
                    refund,
                    payment["buyer_wallet_id"],
                    payment["captured_amount"],
                ),
            )

        def undo() -> None:  # what the refund reserved of the payment is refundable again
            core.cas(
                T.payments, payment_id, lambda r: {"refunded_amount": r["refunded_amount"] - amount}
            )

        return refund_model(self._complete(T.refunds, refund, "refund", move, undo=undo))

    def payment(self, payment_id: str) -> S.Payment:
        return self._payment_model(self._payment_row(payment_id))

    def payments(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Payment]:
        return self.core.list_page("payments", query, filters, S.Payment, self._payment_model)

    def refund(self, refund_id: str) -> S.Refund:
        """A refund, of a payment or of a pay-in."""
        return refund_model(self.core.existing(T.refunds, refund_id, "refund"))

    def refunds(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Refund]:
        """Refunds of payments and of pay-ins (``wallet_id``: the wallets they move)."""
        return self.core.list_page("refunds", query, filters, S.Refund, refund_model)


# a payment's refunds: up to its captured amount less its refunds
_REFUNDS = RefundTarget(
    T.payments,
    "payment",
    "refunded_amount",
    left=lambda payment: int(payment["captured_amount"] - payment["refunded_amount"]),
    of_what=lambda payment: f"captured {payment['captured_amount']}",
)
