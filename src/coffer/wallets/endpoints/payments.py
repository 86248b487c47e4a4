"""Merchant payments: authorize, capture, void, escrow, refunds."""

from __future__ import annotations

from typing import Literal

from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import IdempotencyKey, Platform, Routes

api = Routes()


api.create(
    "/payments", S.PaymentCreate, S.Payment, service=lambda p: p.wallets, method="create_payment"
)


api.list_and_retrieve(
    "/payments", S.Payment, service=lambda p: p.wallets, names=("payments", "payment")
)


@api.write.post("/payments/{payment_id}/capture", responses=api.errors(400, 404, 409))
@api.action("payment_capture", "payment_id")
def capture_payment(
    payment_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Payment:
    return p.wallets.capture_payment(payment_id, None if body is None else body.amount)


@api.write.post("/payments/{payment_id}/void", responses=api.errors(404, 409))
@api.action("payment_void", "payment_id")
def void_payment(payment_id: str, p: Platform, key: IdempotencyKey = None) -> S.Payment:
    return p.wallets.void_payment(payment_id)


@api.write.post("/payments/{payment_id}/escrow/{action}", responses=api.errors(400, 404, 409))
@api.action("escrow_{action}", "payment_id")
def escrow_action(
    payment_id: str,
    action: Literal["release", "return"],
    p: Platform,
    key: IdempotencyKey = None,
) -> S.Payment:
    service = p.wallets.release_escrow if action == "release" else p.wallets.return_escrow
    return service(payment_id)


@api.write.post(
    "/payments/{payment_id}/refunds", status_code=201, responses=api.errors(400, 404, 409)
)
def refund_payment(
    payment_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Refund:
    amount = None if body is None else body.amount
    return p.wallets.refund_payment(payment_id, amount, idempotency_key=key)
