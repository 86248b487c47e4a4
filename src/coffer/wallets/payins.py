"""Pay-ins: card payments (PaymentIntent states, 3-D Secure, manual capture), bank
transfers, refunds and disputes.

Card pay-ins credit the wallet only when money is captured (``succeeded``): the ledger
moves it from ``external:card:<gateway>`` into ``wallets:<id>``. Bank transfers come from
``external:bank:<gateway>``. A refund is a ledger hold from the wallet back to the external
account, posted once the gateway confirms the refund (voided if it fails). A dispute moves
the disputed amount into ``disputes:<id>``, taking what the wallet lacks from the platform's
credit wallet; a won dispute gives each side its part back, a lost one sends it out.

A card comes as a raw ``card`` (the sandbox, Stripe's test cards) or as the gateway's
``payment_method`` id (Stripe.js); only its last four digits and brand are stored. With
Stripe, what happens after the pay-in was created (3-D Secure passed or failed, an
authorization captured or expired elsewhere) arrives by signed webhook:
:meth:`Payins.handle_stripe_event` moves the pay-in along its state machine, each change at
most once (a compare-and-set on the status; the ledger credit has its idempotency key), so
a replayed or late event changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from coffer.errors import (
    CaptureExceedsAuthorization,
    CardDeclined,
    CofferError,
    Conflict,
    GatewayError,
    GatewayNotConfigured,
    IncorrectCardNumber,
    InsufficientFunds,
    InvalidState,
    RefundExceedsCaptured,
    ResourceNotFound,
    ValidationError,
)
from coffer.ledger import Hold
from coffer.wallets import currencies
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets import templates as N
from coffer.wallets.common import CREDIT_ACCOUNT, Row, as_datetime, error_from_code, wallet_account
from coffer.wallets.core import WalletsCore
from coffer.wallets.gateways.base import (
    CardGateway,
    GatewayDispute,
    GatewayIntent,
    GatewayRefundReport,
)
from coffer.wallets.gateways.sandbox import luhn_valid, normalize
from coffer.wallets.gateways.stripe import verify_event
from coffer.wallets.models import refund_model

CHALLENGE_PATH = "/api/wallets/v1/sandbox/3ds/{payin_id}?token={token}"

# Stripe webhook events applied to pay-ins: the state each one moves a pay-in to, and the
# states it may move it from. Anything else (a late event, a replay) changes nothing.
STRIPE_EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "payment_intent.succeeded": (
        "succeeded",
        ("requires_payment_method", "requires_action", "requires_capture"),
    ),
    "payment_intent.amount_capturable_updated": (
        "requires_capture",
        ("requires_payment_method", "requires_action"),
    ),
    "payment_intent.payment_failed": ("requires_payment_method", ("requires_action",)),
    "payment_intent.canceled": (
        "canceled",
        ("requires_payment_method", "requires_action", "requires_capture"),
    ),
}
# Stripe webhook events about disputes (their object is a Dispute, ``dp_...``)
STRIPE_DISPUTE_EVENTS = ("charge.dispute.created", "charge.dispute.closed")
STRIPE_REFUND_EVENTS = (
    "refund.created",
    "refund.updated",
    "refund.failed",
    "charge.refund.updated",
)
# the event written when a pay-in enters each state
PAYIN_EVENTS = {
    "requires_payment_method": "payin.payment_failed",
    "requires_action": "payin.requires_action",
    "requires_capture": "payin.amount_capturable_updated",
    "processing": "payin.processing",
    "canceled": "payin.canceled",
}
MAX_WEBHOOK_BYTES = 1_000_000  # Stripe's events weigh a few kilobytes


class Payins:
    def __init__(self, core: WalletsCore, gateway: CardGateway) -> None:
        self.core = core
        self.gateway = gateway
        key_id, keys = core.settings.encryption_keys()
        # a keyed hash: a card number's plain SHA-256 is brute-forced from its BIN and last4
        self._fingerprint_key = hmac.new(
            keys[key_id], b"coffer.wallets.card_fingerprint.v1", hashlib.sha256
        ).digest()

    def _card_fingerprint(self, number: str) -> str:
        return hmac.new(self._fingerprint_key, number.encode(), hashlib.sha256).hexdigest()

    # -- reads ---------------------------------------------------------------------------

    def _row(self, payin_id: str) -> Row:
        with self.core.unit() as connection:
            row = R.get(connection, T.payins, payin_id)
        if row is None:
            raise ResourceNotFound(f"pay-in {payin_id!r} does not exist")
        return row

    def payin(self, payin_id: str) -> S.Payin:
        return self._model(self._row(payin_id))

    def payins(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Payin]:
        rows, more = self.core.list_rows("payins", S.ListQuery.of(query, filters))
        return S.ListPage[S.Payin](data=[self._model(r) for r in rows], has_more=more)

    def _model(self, row: Row) -> S.Payin:
        next_action = None
        if row["status"] == "requires_action" and row["next_action_url"]:
            next_action = S.NextAction(url=row["next_action_url"])
        elif row["status"] == "requires_action" and row["challenge_token"]:
            # without a configured base, a path: the API answer completes it with the
            # request's own base URL (see coffer.wallets.endpoints)
            base = self.core.settings.public_base_url or ""
            next_action = S.NextAction(
                url=base.rstrip("/")
                + CHALLENGE_PATH.format(payin_id=row["id"], token=row["challenge_token"])
            )
        return S.Payin(
            id=row["id"],
            wallet_id=row["wallet_id"],
            method=row["method"],
            gateway=row["gateway"],
            status=row["status"],
            capture_method=row["capture_method"],
            amount=row["amount"],
            amount_received=row["amount_received"],
            amount_refunded=row["amount_refunded"],
            amount_disputed=row["amount_disputed"],
            currency=row["currency"],
            card_last4=row["card_last4"],
            card_brand=row["card_brand"],
            decline_code=row["decline_code"],
            cancellation_reason=row["cancellation_reason"],
            next_action=next_action,
            metadata=json.loads(row["metadata"]),
            created_at=as_datetime(row["created_at"]),
        )

    def _set(self, payin_id: str, values: dict[str, Any], event_type: str | None) -> Row:
        """Write new values and (optionally) the matching event in one transaction."""
        core = self.core
        with core.unit() as connection:
            R.update(connection, T.payins, payin_id, values)
            row = R.get(connection, T.payins, payin_id)
            assert row is not None
            if event_type is not None:
                core.event(connection, event_type, self._model(row))
        return row

    @staticmethod
    def _intent(row: Row) -> GatewayIntent:
        return GatewayIntent(
            reference=row["gateway_ref"] or "",
            status=row["status"],
            amount=row["amount"],
            amount_capturable=row["amount"] if row["status"] == "requires_capture" else 0,
            amount_received=row["amount_received"],
            card_last4=row["card_last4"],
            card_brand=row["card_brand"],
        )

    # -- card pay-ins --------------------------------------------------------------------

    def create_card_payin(
        self, request: S.CardPayinCreate, *, idempotency_key: str | None = None
    ) -> S.Payin:
        core = self.core
        currency = currencies.check_currency(request.currency)
        # never keep the card number: only its last four digits, and a keyed hash of it in
        # the hash of the request (Idempotency-Key with another card: a conflict)
        payload = request.model_dump(mode="json", exclude={"card", "payment_method"})
        number: str | None = None
        if request.card is not None:
            number = normalize(request.card.number)
            if not luhn_valid(number):
                raise IncorrectCardNumber(
                    "the card number is incorrect (it fails the Luhn check): check its digits",
                    param="card[number]",
                )
            payload["card_fingerprint"] = self._card_fingerprint(number)
        else:
            payload["payment_method"] = request.payment_method
        self.gateway.check_source(card_number=number, payment_method=request.payment_method)

        def create(connection: sa.Connection) -> str:
            wallet = core.wallet_row(connection, request.wallet_id)
            core.check_currency(wallet, currency)
            core.check_can_receive(wallet)
            core.check_limits(
                connection, wallet, request.amount, receiving=request.amount, payin=True
            )
            payin_id = R.new_id("pi")
            now = R.now_micros()
            R.insert(
                connection,
                T.payins,
                {
                    "id": payin_id,
                    "wallet_id": wallet["id"],
                    "method": "card",
                    "gateway": self.gateway.name,
                    "gateway_ref": None,
                    "status": "requires_payment_method",
                    "capture_method": request.capture_method,
                    "currency": currency,
                    "amount": request.amount,
                    "amount_received": 0,
                    "amount_refunded": 0,
                    "amount_disputed": 0,
                    "card_last4": None if number is None else number[-4:],
                    "card_brand": None,
                    "decline_code": None,
                    "cancellation_reason": None,
                    "challenge_token": None,
                    "next_action_url": None,
                    "authorized_at": None,
                    "ledger_tx_id": None,
                    "metadata": json.dumps(request.metadata),
                    "created_at": now,
                    "updated_at": now,
                },
            )
            return payin_id

        payin_id, created = core.create_once(
            key=idempotency_key, operation="card_payin", payload=payload, create=create
        )
        row = self._row(payin_id)
        if created or (row["gateway_ref"] is None and row["decline_code"] is None):
            intent = self.gateway.create_intent(
                amount=row["amount"],
                currency=currency,
                card_number=number,
                payment_method=request.payment_method,
                capture_method=row["capture_method"],
                idempotency_key=f"payin:{payin_id}",
            )
            row = self._apply(row, intent)
        elif row["status"] == "processing":
            row = self._credit(row)
        if row["decline_code"] is not None and row["status"] == "requires_payment_method":
            raise CardDeclined(
                f"the card was declined ({row['decline_code']}); use another card",
                decline_code=row["decline_code"],
                payin_id=payin_id,
            )
        return self._model(row)

    def _apply(self, row: Row, intent: GatewayIntent) -> Row:
        """Record what the gateway answered, then credit the wallet if money was captured."""
        values: dict[str, Any] = {
            "gateway_ref": intent.reference,
            "card_last4": intent.card_last4 or row["card_last4"],
            "card_brand": intent.card_brand or row["card_brand"],
            "decline_code": intent.decline_code,
        }
        if intent.client_secret:
            values["client_secret_hash"] = _secret_hash(intent.client_secret)
        if intent.status == "requires_action":
            if intent.challenge_url:
                # the gateway hosts the challenge (Stripe): its outcome comes by webhook
                values.update(
                    status="requires_action",
                    challenge_token=None,
                    next_action_url=intent.challenge_url,
                )
            else:
                values.update(status="requires_action", challenge_token=secrets.token_urlsafe(16))
            return self._set(row["id"], values, "payin.requires_action")
        values.update(self._outcome(row, intent))
        row = self._set(row["id"], values, PAYIN_EVENTS[values["status"]])
        return self._credit(row) if row["status"] == "processing" else row

    @staticmethod
    def _outcome(row: Row, intent: GatewayIntent) -> dict[str, Any]:
        """The values recording a gateway's final answer (anything but ``requires_action``)."""
        done = {"challenge_token": None, "next_action_url": None}
        if intent.status == "requires_payment_method":
            return {**done, "status": "requires_payment_method"}
        if intent.status == "requires_capture":
            return {**done, "status": "requires_capture", "authorized_at": R.now_micros()}
        if intent.status == "succeeded":
            return {
                **done,
                "status": "processing",
                "amount_received": intent.amount_received,
                "authorized_at": row["authorized_at"] or R.now_micros(),
            }
        if intent.status == "canceled":
            reason = intent.cancellation_reason or row["cancellation_reason"]
            return {**done, "status": "canceled", "cancellation_reason": reason}
        raise GatewayError(f"unexpected payment intent status {intent.status!r}")

    def _credit(self, row: Row) -> Row:
        """Credit the received amount to the wallet (idempotent), then mark ``succeeded``."""
        external = f"external:{'card' if row['method'] == 'card' else 'bank'}:{row['gateway']}"
        tx = self.core.run(
            N.PAYIN,
            {
                "external": external,
                "wallet": wallet_account(row["wallet_id"]),
                "amount": currencies.monetary(row["currency"], row["amount_received"]),
            },
            key=f"payin:{row['id']}:credit",
            kind="payin",
            object_id=row["id"],
        )
        with self.core.unit() as connection:
            changed = R.update(
                connection,
                T.payins,
                row["id"],
                {"status": "succeeded", "ledger_tx_id": tx.id},
                expect_status=["processing"],
            )
            fresh = R.get(connection, T.payins, row["id"])
            assert fresh is not None
            if changed:
                self.core.event(connection, "payin.succeeded", self._model(fresh))
        return fresh

    def complete_challenge(self, payin_id: str, *, token: str, approve: bool) -> S.Payin:
        """Approve or deny the 3-D Secure challenge of a pay-in (the sandbox page does this)."""
        row = self._row(payin_id)
        if row["status"] != "requires_action" or not row["challenge_token"]:
            raise InvalidState(
                f"pay-in {payin_id} is {row['status']}; it has no challenge to complete",
                status=row["status"],
            )
        if not secrets.compare_digest(str(row["challenge_token"]), token):
            raise ValidationError("the challenge token does not match this pay-in")
        intent = self.gateway.complete_challenge(
            self._intent(row), approve=approve, capture_method=row["capture_method"]
        )
        with self.core.unit() as connection:
            if not R.update(
                connection,
                T.payins,
                payin_id,
                {"challenge_token": None},
                expect_status=["requires_action"],
            ):
                raise InvalidState(f"pay-in {payin_id} challenge was already completed")
        row = self._apply({**row, "challenge_token": None}, intent)
        return self._model(row)

    def capture_payin(
        self, payin_id: str, amount: int | None = None, *, idempotency_key: str | None = None
    ) -> S.Payin:
        row = self._row(payin_id)
        if row["status"] == "processing":
            return self._model(self._credit(row))
        if row["status"] != "requires_capture":
            raise InvalidState(
                f"pay-in {payin_id} is {row['status']}; only requires_capture can be captured",
                status=row["status"],
            )
        captured = row["amount"] if amount is None else amount
        if captured <= 0:
            raise ValidationError("the capture amount must be positive")
        if captured > row["amount"]:
            raise CaptureExceedsAuthorization(
                f"cannot capture {captured}: the authorization is for {row['amount']} "
                f"{row['currency']}",
                authorized=row["amount"],
                requested=captured,
            )
        intent = self.gateway.capture(
            self._intent(row), amount=captured, idempotency_key=f"payin:{payin_id}:capture"
        )
        with self.core.unit() as connection:
            if not R.update(
                connection,
                T.payins,
                payin_id,
                {"status": "processing", "amount_received": intent.amount_received},
                expect_status=["requires_capture"],
            ):
                fresh = R.get(connection, T.payins, payin_id)
                assert fresh is not None
                # the gateway's webhook for this very capture may have arrived first
                if fresh["status"] not in ("processing", "succeeded"):
                    raise InvalidState(f"pay-in {payin_id} was captured or canceled concurrently")
        row = self._row(payin_id)
        return self._model(self._credit(row) if row["status"] == "processing" else row)

    def cancel_payin(self, payin_id: str, *, reason: str = "requested_by_customer") -> S.Payin:
        row = self._row(payin_id)
        cancellable = ("requires_payment_method", "requires_action", "requires_capture")
        if row["status"] not in cancellable:
            raise InvalidState(
                f"pay-in {payin_id} is {row['status']}; it can no longer be canceled",
                status=row["status"],
            )
        if row["gateway_ref"]:
            self.gateway.cancel(self._intent(row), idempotency_key=f"payin:{payin_id}:cancel")
        with self.core.unit() as connection:
            if not R.update(
                connection,
                T.payins,
                payin_id,
                {
                    "status": "canceled",
                    "cancellation_reason": reason,
                    "challenge_token": None,
                    "next_action_url": None,
                },
                expect_status=list(cancellable),
            ):
                raise InvalidState(f"pay-in {payin_id} changed concurrently; retry")
            fresh = R.get(connection, T.payins, payin_id)
            assert fresh is not None
            self.core.event(connection, "payin.canceled", self._model(fresh))
        return self._model(fresh)

    def expire_authorizations(self, *, now_micros: int | None = None, limit: int = 500) -> int:
        """Release uncaptured card authorizations older than the expiry (7 days)."""
        now = R.now_micros() if now_micros is None else now_micros
        cutoff = now - self.core.settings.authorization_expiry_seconds * 1_000_000
        with self.core.unit() as connection:
            ids = R.payins_to_expire(connection, cutoff, limit)
        count = 0
        for payin_id in ids:
            try:
                self.cancel_payin(payin_id, reason="expired")
                count += 1
            except InvalidState:
                continue
        return count

    # -- gateway webhooks ----------------------------------------------------------------

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
        return _receipt(receipt, row, applied)

    def payin_by_intent(self, intent_reference: str, client_secret: str) -> S.Payin:
        """The card pay-in this gateway's payment intent (Stripe: ``pi_...``) belongs to,
        for whoever holds the intent's client secret (the customer's browser): with
        another secret it is not found. A pay-in created before Coffer kept the secret's
        hash is shown on the intent alone."""
        row = self._card_payin(self.gateway.name, intent_reference)
        stored = None if row is None else row["client_secret_hash"]
        if row is None or (
            stored is not None and not hmac.compare_digest(str(stored), _secret_hash(client_secret))
        ):
            raise ResourceNotFound(f"no pay-in has the payment intent {intent_reference!r}")
        return self._model(row)

    def _stripe_payin(self, intent_reference: str) -> Row | None:
        """The card pay-in Coffer made through Stripe with this PaymentIntent, if any."""
        return self._card_payin("stripe", intent_reference)

    def _card_payin(self, gateway: str, intent_reference: str) -> Row | None:
        return self._first(T.payins, gateway=gateway, method="card", gateway_ref=intent_reference)

    def _first(self, table: sa.Table, **filters: Any) -> Row | None:
        """The (newest) row of ``table`` with these column values, if any."""
        with self.core.unit() as connection:
            rows, _ = R.page(connection, table, filters=filters, limit=1)
        return rows[0] if rows else None

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
        return _receipt(receipt, payin, applied, dispute=existing)  # the pay-in as it was

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
        return _receipt(receipt, payin, applied, refund=existing)  # the pay-in as it was

    def _refund_row(self, refund_id: str) -> Row:
        with self.core.unit() as connection:
            row = R.get(connection, T.refunds, refund_id)
        if row is None:
            raise ResourceNotFound(f"refund {refund_id!r} does not exist")
        return row

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
            {
                "wallet": wallet_account(payin["wallet_id"]),
                "external": f"external:card:{payin['gateway']}",
                "amount": currencies.monetary(refund["currency"], refund["amount"]),
            },
            key=f"refund:{refund_id}:gateway",
            kind="refund",
            object_id=refund_id,
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

    # -- bank transfers ------------------------------------------------------------------

    def bank_transfer(
        self,
        request: S.BankTransferSimulate,
        *,
        idempotency_key: str | None = None,
    ) -> S.Payin:
        """The sandbox bank received a transfer quoting ``reference``: credit that wallet."""
        core = self.core
        currency = currencies.check_currency(request.currency)
        payload = request.model_dump(mode="json")

        def create(connection: sa.Connection) -> str:
            wallet = R.wallet_by_bank_reference(connection, request.reference)
            if wallet is None:
                raise ResourceNotFound(f"no wallet has the bank reference {request.reference!r}")
            core.check_currency(wallet, currency)
            core.check_can_receive(wallet)
            core.check_limits(
                connection, wallet, request.amount, receiving=request.amount, payin=True
            )
            payin_id = R.new_id("pi")
            now = R.now_micros()
            R.insert(
                connection,
                T.payins,
                {
                    "id": payin_id,
                    "wallet_id": wallet["id"],
                    "method": "bank_transfer",
                    "gateway": "sandbox",
                    "gateway_ref": request.reference,
                    "status": "processing",
                    "capture_method": "automatic",
                    "currency": currency,
                    "amount": request.amount,
                    "amount_received": request.amount,
                    "amount_refunded": 0,
                    "amount_disputed": 0,
                    "card_last4": None,
                    "card_brand": None,
                    "decline_code": None,
                    "cancellation_reason": None,
                    "challenge_token": None,
                    "authorized_at": now,
                    "ledger_tx_id": None,
                    "metadata": "{}",
                    "created_at": now,
                    "updated_at": now,
                },
            )
            return payin_id

        payin_id, _ = core.create_once(
            key=idempotency_key, operation="bank_transfer", payload=payload, create=create
        )
        row = self._row(payin_id)
        if row["status"] == "processing":
            row = self._credit(row)
        return self._model(row)

    # -- refunds -------------------------------------------------------------------------

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
        if row["status"] != "succeeded":
            raise InvalidState(
                f"pay-in {payin_id} is {row['status']}; only a succeeded pay-in is refunded "
                "(cancel an uncaptured one)",
                status=row["status"],
            )
        left = row["amount_received"] - row["amount_refunded"] - row["amount_disputed"]
        wanted = left if amount is None else amount

        def reserve(current: Row) -> dict[str, Any]:
            left = (
                current["amount_received"] - current["amount_refunded"] - current["amount_disputed"]
            )
            if wanted <= 0 or wanted > left:
                raise RefundExceedsCaptured(
                    f"cannot refund {wanted}: {left} {current['currency']} of the "
                    f"{current['amount_received']} received is left to refund",
                    refundable=left,
                    requested=wanted,
                )
            return {"amount_refunded": current["amount_refunded"] + wanted}

        def create(connection: sa.Connection) -> str:
            return R.insert_pending_refund(connection, "payin", payin_id, row["currency"], wanted)

        core.cas(T.payins, payin_id, reserve)
        try:
            refund_id, _ = core.create_once(
                key=idempotency_key, operation="payin_refund", payload=payload, create=create
            )
        except CofferError:
            self._unreserve(payin_id, wanted)
            raise
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
        external = f"external:card:{row['gateway']}"
        try:
            hold = core.run(
                N.MOVE,
                {
                    "from": wallet_account(row["wallet_id"]),
                    "to": external,
                    "amount": currencies.monetary(refund["currency"], refund["amount"]),
                },
                key=f"refund:{refund_id}:hold",
                kind="refund",
                object_id=refund_id,
                pending=True,
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
            self._fail_refund(refund, row, error.code)
            raise
        tx = core.post_hold(
            hold.id, key=f"refund:{refund_id}:post", kind="refund", object_id=refund_id
        )
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

    @staticmethod
    def _row_in(connection: sa.Connection, payin_id: str) -> Row:
        row = R.get(connection, T.payins, payin_id)
        assert row is not None
        return row

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

    # -- disputes ------------------------------------------------------------------------

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
            {
                "wallet": wallet_account(payin["wallet_id"]),
                "dispute": account,
                "amount": currencies.monetary(dispute["currency"], dispute["amount"]),
            },
            key=f"dispute:{dispute_id}:open",
            kind="dispute",
            object_id=dispute_id,
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

    def _dispute_row(self, dispute_id: str) -> Row:
        with self.core.unit() as connection:
            row = R.get(connection, T.disputes, dispute_id)
        if row is None:
            raise ResourceNotFound(f"dispute {dispute_id!r} does not exist")
        return row

    def disputes(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Dispute]:
        rows, more = self.core.list_rows("disputes", S.ListQuery.of(query, filters))
        return S.ListPage[S.Dispute](data=[dispute_model(r) for r in rows], has_more=more)

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
                key=f"dispute:{dispute_id}:won",
                kind="dispute",
                object_id=dispute_id,
            )
        elif outcome == "lost":
            core.run(
                N.MOVE,
                {
                    "from": account,
                    "to": f"external:card:{payin['gateway']}",
                    "amount": currencies.monetary(currency, dispute["amount"]),
                },
                key=f"dispute:{dispute_id}:lost",
                kind="dispute",
                object_id=dispute_id,
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

    # -- recovery ------------------------------------------------------------------------

    def resume_pending(self, *, limit: int = 100) -> int:
        """Finish pay-ins left ``processing`` and disputes left ``pending`` by a crash."""
        with self.core.unit() as connection:
            payin_ids = list(
                connection.execute(
                    sa.select(T.payins.c.id).where(T.payins.c.status == "processing").limit(limit)
                ).scalars()
            )
            dispute_ids = R.stuck(connection, T.disputes, R.now_micros(), limit)
        for payin_id in payin_ids:
            self._credit(self._row(payin_id))
        for dispute_id in dispute_ids:
            self._take_disputed(dispute_id)
        return len(payin_ids) + len(dispute_ids)


def dispute_model(row: Row) -> S.Dispute:
    return S.Dispute(
        id=row["id"],
        payin_id=row["payin_id"],
        amount=row["amount"],
        wallet_amount=row["wallet_amount"],
        credit_amount=row["credit_amount"],
        currency=row["currency"],
        status=row["status"],
        reason=row["reason"],
        created_at=as_datetime(row["created_at"]),
        gateway_ref=row["gateway_ref"],
    )


def _receipt(
    receipt: S.GatewayEventReceipt, payin: Row, applied: bool, **objects: Row | None
) -> S.GatewayEventReceipt:
    """The receipt of a gateway event about ``payin``: its id and status, and those of the
    dispute or refund it touched (``dispute=row`` or ``refund=row``; None: none)."""
    update: dict[str, Any] = {"payin_id": payin["id"], "payin_status": payin["status"]}
    for name, row in objects.items():
        update[f"{name}_id"] = None if row is None else row["id"]
        update[f"{name}_status"] = None if row is None else row["status"]
    update["applied"] = applied
    return receipt.model_copy(update=update)


def _secret_hash(secret: str) -> str:
    """What a pay-in keeps of its intent's client secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
