"""What the pay-in flows share: the gateway, reads of pay-ins, refunds and disputes, the
wallet credit of a captured pay-in, and the Stripe event constants."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import sqlalchemy as sa

from coffer.db.columns import model_from_row
from coffer.errors import RiskBlocked
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets import templates as N
from coffer.wallets.checks import Movement
from coffer.wallets.common import Row, wallet_account
from coffer.wallets.core import WalletsCore, movement
from coffer.wallets.gateways.base import (
    CardGateway,
    GatewayIntent,
)
from coffer.wallets.reviews import assess_one, store_assessment

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


class PayinBase:
    """The state and reads every pay-in flow uses."""

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
        return self.core.existing(T.payins, payin_id, "pay-in")

    def payin(self, payin_id: str) -> S.Payin:
        return self._model(self._row(payin_id))

    def payins(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Payin]:
        return self.core.list_page("payins", query, filters, S.Payin, self._model)

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
        return model_from_row(S.Payin, row, next_action=next_action)

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

    def _admit(
        self,
        connection: sa.Connection,
        wallet: Row,
        currency: str,
        amount: int,
        kind: str,
        **movement: Any,
    ) -> tuple[str, bool]:
        """Check that ``wallet`` may receive a pay-in of ``amount`` (currency, state, KYC
        limits), give the pay-in its id, ask the checks about it and store their verdicts
        in ``connection``'s unit: the id, and True when it is blocked. ``movement``: the
        :class:`Movement`'s optional fields (card fingerprint, context)."""
        core = self.core
        core.check_currency(wallet, currency)
        core.check_can_receive(wallet)
        core.check_limits(connection, wallet, amount, receiving=amount, payin=True)
        payin = Movement.of_wallet(kind, R.new_id("pi"), wallet, amount, currency, **movement)
        assessment = assess_one(core, payin)
        store_assessment(connection, assessment, payin)
        return payin.id, assessment.outcome == "block"

    def _credit(self, row: Row) -> Row:
        """Credit the received amount to the wallet (idempotent), then mark ``succeeded``;
        a pay-in a check put in review is credited as a hold (``in_review``)."""
        movement_type = "payin_card" if row["method"] == "card" else "payin_bank"
        with self.core.unit() as connection:
            review = R.review_row(connection, movement_type, row["id"])
        external = f"external:{'card' if row['method'] == 'card' else 'bank'}:{row['gateway']}"
        tx = self.core.run(
            N.PAYIN,
            N.payin(
                external, wallet_account(row["wallet_id"]), row["currency"], row["amount_received"]
            ),
            **movement("payin", row["id"], "credit"),
            pending=review is not None,
            extras=(
                self.core.earning(
                    "payin_card",
                    row["id"],
                    row["wallet_id"],
                    row["amount_received"],
                    row["currency"],
                    row.get("metadata"),
                )
                if review is None and row["method"] == "card"
                else []
            ),
        )
        values: dict[str, Any] = {"status": "succeeded", "ledger_tx_id": tx.id}
        if review is not None:
            values = {"status": "in_review"}
        with self.core.unit() as connection:
            if review is not None:
                R.set_review_hold(connection, movement_type, row["id"], tx.id)
            changed = R.update(
                connection, T.payins, row["id"], values, expect_status=["processing"]
            )
            fresh = R.get(connection, T.payins, row["id"])
            assert fresh is not None
            if changed:
                self.core.event(connection, f"payin.{values['status']}", self._model(fresh))
        return fresh

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

    def _refund_row(self, refund_id: str) -> Row:
        return self.core.existing(T.refunds, refund_id, "refund")

    @staticmethod
    def _row_in(connection: sa.Connection, payin_id: str) -> Row:
        row = R.get(connection, T.payins, payin_id)
        assert row is not None
        return row

    def _dispute_row(self, dispute_id: str) -> Row:
        return self.core.existing(T.disputes, dispute_id, "dispute")


def dispute_model(row: Row) -> S.Dispute:
    return model_from_row(S.Dispute, row)


def gateway_receipt(
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


def secret_hash(secret: str) -> str:
    """What a pay-in keeps of its intent's client secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_payin_values(
    payin_id: str, wallet: Row, currency: str, amount: int, blocked: bool, **values: Any
) -> dict[str, Any]:
    """The row of a new pay-in of ``amount`` to ``wallet``: nothing received, refunded or
    disputed, no card, decline, challenge nor ledger transaction yet, no metadata, created
    now, canceled by the checks when ``blocked``; ``values`` give the rest (method,
    gateway, status, capture method) and override these."""
    now = R.now_micros()
    return {
        "id": payin_id,
        "wallet_id": wallet["id"],
        "gateway_ref": None,
        "currency": currency,
        "amount": amount,
        "amount_received": 0,
        "amount_refunded": 0,
        "amount_disputed": 0,
        "card_last4": None,
        "card_brand": None,
        "decline_code": None,
        "cancellation_reason": RiskBlocked.code if blocked else None,
        "challenge_token": None,
        "next_action_url": None,
        "authorized_at": None,
        "ledger_tx_id": None,
        "metadata": "{}",
        "created_at": now,
        "updated_at": now,
        **values,
    }
