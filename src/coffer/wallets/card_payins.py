"""Card pay-ins (PaymentIntent states, 3-D Secure, manual capture, cancellation, expiry of
authorizations) and bank transfer pay-ins."""

from __future__ import annotations

import json
import secrets
from typing import Any

import sqlalchemy as sa

from coffer.errors import (
    CardDeclined,
    GatewayError,
    IncorrectCardNumber,
    InvalidState,
    ResourceNotFound,
    RiskBlocked,
    ValidationError,
)
from coffer.wallets import currencies
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.checks import context_of
from coffer.wallets.common import Row, capture_amount, require_status
from coffer.wallets.gateways.base import (
    GatewayIntent,
)
from coffer.wallets.gateways.sandbox import luhn_valid, normalize
from coffer.wallets.payin_base import PAYIN_EVENTS, PayinBase, new_payin_values, secret_hash


class CardPayins(PayinBase):
    """Card and bank transfer pay-ins."""

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
            payin_id, blocked = self._admit(
                connection,
                wallet,
                currency,
                request.amount,
                "payin_card",
                card_fingerprint=payload.get("card_fingerprint"),
                context=context_of(request.metadata),
            )
            R.insert(
                connection,
                T.payins,
                new_payin_values(
                    payin_id,
                    wallet,
                    currency,
                    request.amount,
                    blocked,
                    method="card",
                    gateway=self.gateway.name,
                    status="canceled" if blocked else "requires_payment_method",
                    capture_method=request.capture_method,
                    card_last4=None if number is None else number[-4:],
                    metadata=json.dumps(request.metadata),
                ),
            )
            return payin_id

        payin_id, created = core.create_once(
            key=idempotency_key, operation="card_payin", payload=payload, create=create
        )
        row = self._row(payin_id)
        if row["cancellation_reason"] == RiskBlocked.code:  # refused before any charge
            raise RiskBlocked(
                "this pay-in was refused; contact support if you think it is a mistake"
            )
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
            values["client_secret_hash"] = secret_hash(intent.client_secret)
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
        require_status(
            row, "requires_capture", f"pay-in {payin_id}", "only requires_capture can be captured"
        )
        captured = capture_amount(
            row,
            amount,
            "cannot capture {captured}: the authorization is for {authorized} {currency}",
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
        require_status(row, cancellable, f"pay-in {payin_id}", "it can no longer be canceled")
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

    def bank_transfer(
        self,
        request: S.BankTransferSimulate,
        *,
        idempotency_key: str | None = None,
    ) -> S.Payin:
        """The sandbox bank received a transfer quoting ``reference``: credit that wallet."""
        currency = currencies.check_currency(request.currency)
        payload = request.model_dump(mode="json")

        def create(connection: sa.Connection) -> str:
            wallet = R.wallet_by_bank_reference(connection, request.reference)
            if wallet is None:
                raise ResourceNotFound(f"no wallet has the bank reference {request.reference!r}")
            payin_id, blocked = self._admit(
                connection, wallet, currency, request.amount, "payin_bank"
            )
            values = new_payin_values(
                payin_id,
                wallet,
                currency,
                request.amount,
                blocked,
                method="bank_transfer",
                gateway="sandbox",
                gateway_ref=request.reference,
                status="canceled" if blocked else "processing",
                capture_method="automatic",
                amount_received=request.amount,
            )
            R.insert(connection, T.payins, {**values, "authorized_at": values["created_at"]})
            return payin_id

        payin_id, _ = self.core.create_once(
            key=idempotency_key, operation="bank_transfer", payload=payload, create=create
        )
        row = self._row(payin_id)
        if row["cancellation_reason"] == RiskBlocked.code:
            raise RiskBlocked("this pay-in was refused; the platform returns the money")
        if row["status"] == "processing":
            row = self._credit(row)
        return self._model(row)
