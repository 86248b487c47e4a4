"""Webhooks a card gateway (Stripe) sends: each event moves a pay-in along its state
machine, opens or closes a dispute, or records a refund made outside Coffer, at most once."""

from __future__ import annotations

import hmac
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from coffer.errors import (
    Conflict,
    GatewayNotConfigured,
    ResourceNotFound,
    ValidationError,
)
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets import templates as N
from coffer.wallets.card_payins import CardPayins
from coffer.wallets.common import Row, card_account, wallet_account
from coffer.wallets.core import movement
from coffer.wallets.disputes import Disputes
from coffer.wallets.gateways.base import (
    GatewayDispute,
    GatewayIntent,
    GatewayRefundReport,
)
from coffer.wallets.gateways.stripe import verify_event
from coffer.wallets.models import refund_model
from coffer.wallets.payin_base import (
    PAYIN_EVENTS,
    STRIPE_DISPUTE_EVENTS,
    STRIPE_EVENTS,
    STRIPE_REFUND_EVENTS,
    gateway_receipt,
    secret_hash,
)
from coffer.wallets.payin_refunds import PayinRefunds


class GatewayEvents(CardPayins, PayinRefunds, Disputes):
    """The card gateway's webhooks, applied to pay-ins, refunds and disputes."""

    def handle_stripe_event(self, payload: bytes, signature: str | None) -> S.GatewayEventReceipt:
        """Apply a webhook event Stripe sent (the raw body and its ``Stripe-Signature``).

        The signature is checked with ``COFFER_STRIPE_WEBHOOK_SECRET`` first
        (:class:`GatewayNotConfigured` without one, :class:`WebhookSignatureInvalid` when it
        does not verify; nothing changes then). The pay-in is found by its gateway reference
        (the PaymentIntent's id) and moved only from the states :data:`STRIPE_EVENTS` allows,
        by a compare-and-set, with the usual outbox event; a succeeded one is credited with
        the ledger's idempotency key. Events about no pay-in of Coffer's, of other types,
        replayed or arriving after a later state change nothing (``applied`` is False).
        """
        secret = self.core.settings.stripe_webhook_secret
        if not secret:
            raise GatewayNotConfigured(
                "Stripe webhooks are not configured on this server: set "
                "COFFER_STRIPE_WEBHOOK_SECRET to the signing secret (whsec_...) of the webhook "
                "endpoint registered in Stripe's dashboard"
            )
        event = verify_event(
            payload,
            signature,
            secret,
            tolerance_seconds=self.core.settings.stripe_webhook_tolerance_seconds,
        )
        receipt = S.GatewayEventReceipt(
            id=event.id, type=event.type, payin_id=None, payin_status=None, applied=False
        )
        if event.dispute is not None and event.type in STRIPE_DISPUTE_EVENTS:
            return self._stripe_dispute(event.dispute, receipt)
        if event.refund is not None and event.type in STRIPE_REFUND_EVENTS:
            return self._stripe_refund(event.refund, receipt)
        transition = STRIPE_EVENTS.get(event.type)
        if transition is None or event.intent is None or not event.intent.reference:
            return receipt
        found = self._stripe_payin(event.intent.reference)
        if found is None:
            return receipt
        row, applied = self._advance(found, event.intent, *transition)
        return gateway_receipt(receipt, row, applied)

    def payin_by_intent(self, intent_reference: str, client_secret: str) -> S.Payin:
        """The card pay-in this gateway's payment intent (Stripe: ``pi_...``) belongs to,
        for whoever holds the intent's client secret (the customer's browser): with
        another secret it is not found. A pay-in created before Coffer kept the secret's
        hash is shown on the intent alone."""
        row = self._card_payin(self.gateway.name, intent_reference)
        stored = None if row is None else row["client_secret_hash"]
        if row is None or (
            stored is not None and not hmac.compare_digest(str(stored), secret_hash(client_secret))
        ):
            raise ResourceNotFound(f"no pay-in has the payment intent {intent_reference!r}")
        return self._model(row)

    @staticmethod
    def _check_event_currency(kind: str, currency: str, payin: Row) -> None:
        """A gateway event about a pay-in must be in the pay-in's currency."""
        if currency != payin["currency"]:
            raise ValidationError(
                f"the event's {kind} is in {currency}, pay-in {payin['id']} in {payin['currency']}"
            )

    def _stripe_dispute(
        self, dispute: GatewayDispute, receipt: S.GatewayEventReceipt
    ) -> S.GatewayEventReceipt:
        """``charge.dispute.created`` opens the dispute on the pay-in (once per Stripe
        dispute id); ``charge.dispute.closed`` closes it ``won`` or ``lost``. Inquiries
        (``warning_*`` statuses) move no money and change nothing."""
        payin = self._stripe_payin(dispute.intent_reference)
        if payin is None or dispute.status.startswith("warning_"):
            return receipt
        self._check_event_currency("dispute", dispute.currency, payin)
        existing = self._first(T.disputes, gateway_ref=dispute.reference)
        applied = False
        if existing is None and dispute.status != "won":
            request = S.DisputeCreate(amount=dispute.amount, reason=dispute.reason)
            opened, applied = self._open_dispute(payin["id"], request, dispute.reference)
            existing = self._dispute_row(opened.id)
        if existing is not None and existing["status"] == "pending":  # crashed half opened
            self._take_disputed(existing["id"])
            existing = self._dispute_row(existing["id"])
        if (
            existing is not None
            and dispute.status in ("won", "lost")
            and existing["status"] == "needs_response"
        ):
            _, closed = self._close_dispute(existing["id"], dispute.status)
            applied = applied or closed
            existing = self._dispute_row(existing["id"])
        return gateway_receipt(receipt, payin, applied, dispute=existing)  # the pay-in as it was

    def _stripe_refund(
        self, report: GatewayRefundReport, receipt: S.GatewayEventReceipt
    ) -> S.GatewayEventReceipt:
        """A refund made in Stripe's dashboard (or with Stripe's API directly) is recorded
        once it succeeds, once per Stripe refund id: the money has left, so it leaves the
        wallet too (the platform's credit wallet advancing what the wallet lacks). If Stripe
        later reports it failed or canceled, the money comes back. Refunds Coffer asked for
        carry their key in Stripe's metadata and are left to :meth:`refund_payin`."""
        if report.coffer_key is not None:
            return receipt
        payin = self._stripe_payin(report.intent_reference)
        if payin is None:
            return receipt
        self._check_event_currency("refund", report.currency, payin)
        existing = self._first(T.refunds, gateway_ref=report.reference)
        applied = False
        if existing is None and report.status == "succeeded":
            refund_id, applied = self._record_gateway_refund(payin, report)
            existing = self._refund_row(refund_id)
        if existing is not None and existing["origin"] == "gateway":
            if existing["status"] == "pending":  # crashed half recorded, or being recorded
                self._post_gateway_refund(existing["id"])
            elif existing["status"] == "succeeded" and report.status in ("failed", "canceled"):
                applied = self._reverse_gateway_refund(existing["id"])
            existing = self._refund_row(existing["id"])
        return gateway_receipt(receipt, payin, applied, refund=existing)  # the pay-in as it was

    def _record_gateway_refund(self, payin: Row, report: GatewayRefundReport) -> tuple[str, bool]:
        """The refund row of a refund the gateway made, with its reservation on the pay-in
        (one transaction), then its ledger transaction. (refund id, whether this call
        recorded it: False when another delivery did.)"""
        payin_id = payin["id"]
        try:
            with self.core.unit() as connection:
                row = R.get(connection, T.payins, payin_id, for_update=True)
                assert row is not None
                refunded = row["amount_refunded"]
                left = row["amount_received"] - refunded - row["amount_disputed"]
                if row["status"] != "succeeded" or not 0 < report.amount <= left:
                    raise ValidationError(
                        f"the gateway refunded {report.amount} {report.currency} of pay-in "
                        f"{payin_id}, which is {row['status']} with {left} left to refund",
                        refundable=left,
                    )
                reserved = connection.execute(
                    sa.update(T.payins)
                    .where(T.payins.c.id == payin_id, T.payins.c.amount_refunded == refunded)
                    .values(amount_refunded=refunded + report.amount, updated_at=R.now_micros())
                )
                if reserved.rowcount != 1:
                    raise Conflict(f"{payin_id} is being changed concurrently; retry")
                refund_id = R.insert_pending_refund(
                    connection,
                    "payin",
                    payin_id,
                    row["currency"],
                    report.amount,
                    gateway_ref=report.reference,
                    origin="gateway",
                )
        except sa.exc.IntegrityError:
            # the same refund, delivered twice at once: the other delivery recorded it
            existing = self._first(T.refunds, gateway_ref=report.reference)
            if existing is None:
                raise
            return existing["id"], False
        self._post_gateway_refund(refund_id)
        return refund_id, True

    def _post_gateway_refund(self, refund_id: str) -> bool:
        """Move a recorded gateway refund's money (once: the ledger key makes a second
        call find the first transaction). True when this call marked it succeeded."""
        core = self.core
        refund = self._refund_row(refund_id)
        if refund["status"] != "pending":
            return False
        payin = self._row(refund["target_id"])
        tx = core.run(
            N.GATEWAY_REFUND,
            N.gateway_refund(
                wallet_account(payin["wallet_id"]),
                card_account(payin["gateway"]),
                refund["currency"],
                refund["amount"],
            ),
            **movement("refund", refund_id, "gateway"),
        )
        with core.unit() as connection:
            done = R.update(
                connection,
                T.refunds,
                refund_id,
                {"status": "succeeded", "ledger_tx_id": tx.id},
                expect_status=["pending"],
            )
            if done:
                fresh = R.get(connection, T.refunds, refund_id)
                assert fresh is not None
                core.event(connection, "refund.succeeded", refund_model(fresh))
                core.event(
                    connection,
                    "payin.refunded",
                    self._model(self._row_in(connection, payin["id"])),
                )
        return done

    def _reverse_gateway_refund(self, refund_id: str) -> bool:
        """The gateway says a refund it had made failed: its money is the platform's again,
        so it goes back where it came from (wallet, platform credit)."""
        core = self.core
        refund = self._refund_row(refund_id)
        if refund["status"] != "succeeded" or refund["ledger_tx_id"] is None:
            return False
        # the external account is the outside world: it may go below zero (force)
        core.ledger.revert(
            int(refund["ledger_tx_id"]),
            force=True,
            idempotency_key=f"wallets:refund:{refund_id}:reverse",
        )
        with core.unit() as connection:
            done = R.update(
                connection,
                T.refunds,
                refund_id,
                {"status": "failed", "failure_code": "gateway_refund_failed"},
                expect_status=["succeeded"],
            )
            if done:
                connection.execute(
                    sa.update(T.payins)
                    .where(T.payins.c.id == refund["target_id"])
                    .values(
                        amount_refunded=T.payins.c.amount_refunded - refund["amount"],
                        updated_at=R.now_micros(),
                    )
                )
                fresh = R.get(connection, T.refunds, refund_id)
                assert fresh is not None
                core.event(connection, "refund.failed", refund_model(fresh))
        return done

    def _advance(
        self, row: Row, intent: GatewayIntent, target: str, sources: tuple[str, ...]
    ) -> tuple[Row, bool]:
        """Move a pay-in to what the gateway says (``target``) if it is in one of
        ``sources``: at most once, whatever the order or number of deliveries."""
        if intent.currency is not None and intent.currency != row["currency"]:
            raise ValidationError(
                f"the event's payment intent is in {intent.currency}, pay-in {row['id']} in "
                f"{row['currency']}"
            )
        if target == "succeeded" and not 0 < intent.amount_received <= row["amount"]:
            raise ValidationError(
                f"the event's payment intent received {intent.amount_received}; pay-in "
                f"{row['id']} is for {row['amount']} {row['currency']}"
            )
        values: dict[str, Any] = {
            "card_last4": intent.card_last4 or row["card_last4"],
            "card_brand": intent.card_brand or row["card_brand"],
            "decline_code": intent.decline_code if target == "requires_payment_method" else None,
        }
        values.update(self._outcome(row, replace(intent, status=target)))
        if target == "requires_payment_method" and values["decline_code"] is None:
            values["decline_code"] = "payment_failed"
        with self.core.unit() as connection:
            applied = R.update(connection, T.payins, row["id"], values, expect_status=sources)
            fresh = R.get(connection, T.payins, row["id"])
            assert fresh is not None
            if applied:
                self.core.event(connection, PAYIN_EVENTS[values["status"]], self._model(fresh))
        if fresh["status"] == "processing":
            # credited once: the ledger transaction has the pay-in's idempotency key
            fresh = self._credit(fresh)
        return fresh, applied
