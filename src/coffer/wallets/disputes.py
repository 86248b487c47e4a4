"""Disputes (chargebacks) of card pay-ins: the disputed amount moves into
``disputes:<id>``, what the wallet lacks taken from the platform's credit wallet; a won
dispute gives each side its part back, a lost one sends it out."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coffer.errors import (
    Conflict,
    InvalidState,
    ResourceNotFound,
    ValidationError,
)
from coffer.wallets import currencies
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets import templates as N
from coffer.wallets.common import CREDIT_ACCOUNT, card_account, wallet_account
from coffer.wallets.core import movement
from coffer.wallets.payin_base import PayinBase, dispute_model


class Disputes(PayinBase):
    """Disputes of pay-ins."""

    def open_dispute(
        self, payin_id: str, request: S.DisputeCreate, *, gateway_ref: str | None = None
    ) -> S.Dispute:
        """The card network opened a dispute (the sandbox or the gateway's webhook says so).
        The amount leaves the wallet at once; what the wallet lacks, the platform's credit
        wallet advances. ``gateway_ref``: the gateway's id of the dispute, at most one
        dispute each (the first one is answered again)."""
        return self._open_dispute(payin_id, request, gateway_ref)[0]

    def _open_dispute(
        self, payin_id: str, request: S.DisputeCreate, gateway_ref: str | None
    ) -> tuple[S.Dispute, bool]:
        """The dispute, and whether this call opened it (False: ``gateway_ref``'s was)."""
        core = self.core
        dispute_id = R.new_id("dp")
        now = R.now_micros()
        try:
            # the reservation on the pay-in and the dispute row commit together
            with core.unit() as connection:
                row = R.get(connection, T.payins, payin_id, for_update=True)
                if row is None:
                    raise ResourceNotFound(f"pay-in {payin_id!r} does not exist")
                if row["method"] != "card" or row["status"] != "succeeded":
                    raise InvalidState(
                        f"pay-in {payin_id} cannot be disputed", status=row["status"]
                    )
                disputed = row["amount_disputed"]
                left = row["amount_received"] - row["amount_refunded"] - disputed
                wanted = left if request.amount is None else request.amount
                if wanted <= 0 or wanted > left:
                    raise ValidationError(
                        f"cannot dispute {wanted}: {left} {row['currency']} is disputable",
                        disputable=left,
                    )
                reserved = connection.execute(
                    sa.update(T.payins)
                    .where(T.payins.c.id == payin_id, T.payins.c.amount_disputed == disputed)
                    .values(amount_disputed=disputed + wanted, updated_at=now)
                )
                if reserved.rowcount != 1:
                    raise Conflict(f"{payin_id} is being changed concurrently; retry")
                R.insert(
                    connection,
                    T.disputes,
                    {
                        "id": dispute_id,
                        "payin_id": payin_id,
                        "currency": row["currency"],
                        "amount": wanted,
                        "wallet_amount": 0,
                        "credit_amount": 0,
                        "status": "pending",
                        "reason": request.reason,
                        "gateway_ref": gateway_ref,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
        except sa.exc.IntegrityError:
            # the same gateway dispute, delivered twice at once: the other delivery opened it
            existing = self._first(T.disputes, gateway_ref=gateway_ref) if gateway_ref else None
            if existing is None:
                raise
            return self._take_disputed(existing["id"]), False
        return self._take_disputed(dispute_id), True

    def _unreserve_disputed(self, payin_id: str, amount: int) -> None:
        self.core.cas(
            T.payins, payin_id, lambda r: {"amount_disputed": r["amount_disputed"] - amount}
        )

    def _take_disputed(self, dispute_id: str) -> S.Dispute:
        core = self.core
        dispute = self._dispute_row(dispute_id)
        if dispute["status"] != "pending":
            return dispute_model(dispute)
        payin = self._row(dispute["payin_id"])
        account = f"disputes:{dispute_id}"
        tx = core.run(
            N.DISPUTE_OPEN,
            N.dispute_open(
                wallet_account(payin["wallet_id"]), account, dispute["currency"], dispute["amount"]
            ),
            **movement("dispute", dispute_id, "open"),
        )
        from_wallet = sum(p.amount for p in tx.postings if p.source != CREDIT_ACCOUNT)
        from_credit = sum(p.amount for p in tx.postings if p.source == CREDIT_ACCOUNT)
        assert from_wallet + from_credit == dispute["amount"]
        with core.unit() as connection:
            R.update(
                connection,
                T.disputes,
                dispute_id,
                {
                    "status": "needs_response",
                    "wallet_amount": from_wallet,
                    "credit_amount": from_credit,
                },
                expect_status=["pending"],
            )
            fresh = R.get(connection, T.disputes, dispute_id)
            assert fresh is not None
            core.event(connection, "dispute.created", dispute_model(fresh))
        return dispute_model(fresh)

    def disputes(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Dispute]:
        return self.core.list_page("disputes", query, filters, S.Dispute, dispute_model)

    def dispute(self, dispute_id: str) -> S.Dispute:
        return dispute_model(self._dispute_row(dispute_id))

    def close_dispute(self, dispute_id: str, outcome: str) -> S.Dispute:
        """``won``: each side gets its part back; ``lost``: the money goes to the network."""
        return self._close_dispute(dispute_id, outcome)[0]

    def _close_dispute(self, dispute_id: str, outcome: str) -> tuple[S.Dispute, bool]:
        """The dispute, and whether this call closed it (False: a concurrent call did)."""
        core = self.core
        dispute = self._dispute_row(dispute_id)
        if dispute["status"] != "needs_response":
            raise InvalidState(
                f"dispute {dispute_id} is {dispute['status']}", status=dispute["status"]
            )
        payin = self._row(dispute["payin_id"])
        currency = dispute["currency"]
        account = f"disputes:{dispute_id}"
        if outcome == "won":
            core.run(
                N.DISPUTE_WON,
                {
                    "dispute": account,
                    "wallet": wallet_account(payin["wallet_id"]),
                    "wallet_amount": currencies.monetary(currency, dispute["wallet_amount"]),
                    "credit_amount": currencies.monetary(currency, dispute["credit_amount"]),
                },
                **movement("dispute", dispute_id, "won"),
            )
        elif outcome == "lost":
            core.run(
                N.MOVE,
                N.move(account, card_account(payin["gateway"]), currency, dispute["amount"]),
                **movement("dispute", dispute_id, "lost"),
            )
        else:
            raise ValidationError("a dispute is won or lost")
        with core.unit() as connection:
            if not R.update(
                connection,
                T.disputes,
                dispute_id,
                {"status": outcome},
                expect_status=["needs_response"],
            ):
                fresh = R.get(connection, T.disputes, dispute_id)
                assert fresh is not None
                return dispute_model(fresh), False
            fresh = R.get(connection, T.disputes, dispute_id)
            assert fresh is not None
            core.event(connection, f"dispute.{outcome}", dispute_model(fresh))
        if outcome == "won":
            self._unreserve_disputed(payin["id"], dispute["amount"])
        return dispute_model(fresh), True
