"""Refunds of pay-ins: a ledger hold from the wallet back to the card's external account,
posted once the gateway made the refund, voided if it failed."""

from __future__ import annotations

from coffer.errors import (
    CofferError,
    InsufficientFunds,
)
from coffer.ledger import Hold
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets import templates as N
from coffer.wallets.common import (
    Row,
    card_account,
    error_from_code,
    require_status,
    wallet_account,
)
from coffer.wallets.core import RefundTarget, movement
from coffer.wallets.earning import settle_extras
from coffer.wallets.models import refund_model
from coffer.wallets.payin_base import PayinBase


class PayinRefunds(PayinBase):
    """Refunds of pay-ins asked through Coffer."""

    def refund_payin(
        self, payin_id: str, amount: int | None = None, *, idempotency_key: str | None = None
    ) -> S.Refund:
        """Refund a succeeded pay-in, in full or in part, several times up to what was
        received (less what is disputed)."""
        core = self.core
        payload = {"payin_id": payin_id, "amount": amount}
        with core.unit() as connection:
            record = core.replayed(connection, idempotency_key, "payin_refund", payload)
        if record is not None:
            return self._complete_refund(str(record["resource_id"]))
        row = self._row(payin_id)
        require_status(
            row,
            "succeeded",
            f"pay-in {payin_id}",
            "only a succeeded pay-in is refunded (cancel an uncaptured one)",
        )
        refund_id = core.reserve_refund(
            _REFUNDS, row, amount, key=idempotency_key, operation="payin_refund", payload=payload
        )
        return self._complete_refund(refund_id)

    def _unreserve(self, payin_id: str, amount: int) -> None:
        self.core.cas(
            T.payins, payin_id, lambda r: {"amount_refunded": r["amount_refunded"] - amount}
        )

    def _complete_refund(self, refund_id: str) -> S.Refund:
        core = self.core
        with core.unit() as connection:
            refund = R.get(connection, T.refunds, refund_id)
        assert refund is not None
        if refund["status"] != "pending":
            if refund["status"] == "failed":
                raise error_from_code(refund["failure_code"])
            return refund_model(refund)
        row = self._row(refund["target_id"])
        external = card_account(row["gateway"])
        # the points the pay-in earned go back with the refund (held, then posted with it)
        extras = core.clawback(
            "payin_card", row["id"], refund, row["wallet_id"], row["amount_received"]
        )
        try:
            hold = core.run(
                N.MOVE,
                N.move(
                    wallet_account(row["wallet_id"]), external, refund["currency"], refund["amount"]
                ),
                **movement("refund", refund_id, "hold"),
                pending=True,
                extras=extras,
            )
        except InsufficientFunds as error:
            self._fail_refund(refund, row, error.code)
            raise
        assert isinstance(hold, Hold)
        try:
            made = self.gateway.refund(
                self._intent(row), amount=refund["amount"], idempotency_key=f"refund:{refund_id}"
            )
        except CofferError as error:
            core.ledger.void_pending(hold.id, idempotency_key=f"wallets:refund:{refund_id}:void")
            settle_extras(extras, None)
            self._fail_refund(refund, row, error.code)
            raise
        tx = core.post_hold(hold.id, **movement("refund", refund_id, "post"))
        settle_extras(extras, tx)
        with core.unit() as connection:
            R.update(
                connection,
                T.refunds,
                refund_id,
                {"status": "succeeded", "ledger_tx_id": tx.id, "gateway_ref": made.reference},
                expect_status=["pending"],
            )
            fresh = R.get(connection, T.refunds, refund_id)
            assert fresh is not None
            model = refund_model(fresh)
            core.event(connection, "refund.succeeded", model)
            core.event(
                connection, "payin.refunded", self._model(self._row_in(connection, row["id"]))
            )
        return model

    def _fail_refund(self, refund: Row, payin: Row, code: str) -> None:
        self._unreserve(payin["id"], refund["amount"])
        with self.core.unit() as connection:
            R.update(
                connection,
                T.refunds,
                refund["id"],
                {"status": "failed", "failure_code": code},
                expect_status=["pending"],
            )
            fresh = R.get(connection, T.refunds, refund["id"])
            assert fresh is not None
            self.core.event(connection, "refund.failed", refund_model(fresh))


# a pay-in's refunds: up to what was received less its refunds and what is disputed
_REFUNDS = RefundTarget(
    T.payins,
    "payin",
    "amount_refunded",
    left=lambda payin: int(
        payin["amount_received"] - payin["amount_refunded"] - payin["amount_disputed"]
    ),
    of_what=lambda payin: f"{payin['amount_received']} received",
)
