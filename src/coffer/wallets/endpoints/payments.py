"""Merchant payments: authorize, capture, void, escrow, refunds."""

from __future__ import annotations

from typing import Literal

from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import (
    AUTH,
    IdempotencyKey,
    Platform,
    list_and_retrieve,
    once,
    routers,
)
from coffer.wallets.http_errors import errors

read, write, public = routers()


@write.post("/payments", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def create_payment(body: S.PaymentCreate, p: Platform, key: IdempotencyKey = None) -> S.Payment:
    return p.wallets.create_payment(body, idempotency_key=key)


list_and_retrieve(
    read, "/payments", S.Payment, service=lambda p: p.wallets, names=("payments", "payment")
)


@write.post("/payments/{payment_id}/capture", responses=errors(*AUTH, 400, 404, 409))
def capture_payment(
    payment_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Payment:
    amount = None if body is None else body.amount
    return once(
        p,
        key,
        "payment_capture",
        {"payment_id": payment_id, "amount": amount},
        lambda: p.wallets.capture_payment(payment_id, amount),
        S.Payment,
        payment_id,
    )


@write.post("/payments/{payment_id}/void", responses=errors(*AUTH, 404, 409))
def void_payment(payment_id: str, p: Platform, key: IdempotencyKey = None) -> S.Payment:
    return once(
        p,
        key,
        "payment_void",
        {"payment_id": payment_id},
        lambda: p.wallets.void_payment(payment_id),
        S.Payment,
        payment_id,
    )


@write.post("/payments/{payment_id}/escrow/{action}", responses=errors(*AUTH, 400, 404, 409))
def escrow_action(
    payment_id: str,
    action: Literal["release", "return"],
    p: Platform,
    key: IdempotencyKey = None,
) -> S.Payment:
    service = p.wallets.release_escrow if action == "release" else p.wallets.return_escrow
    return once(
        p,
        key,
        f"escrow_{action}",
        {"payment_id": payment_id},
        lambda: service(payment_id),
        S.Payment,
        payment_id,
    )


@write.post(
    "/payments/{payment_id}/refunds", status_code=201, responses=errors(*AUTH, 400, 404, 409)
)
def refund_payment(
    payment_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Refund:
    amount = None if body is None else body.amount
    return p.wallets.refund_payment(payment_id, amount, idempotency_key=key)
