"""Pay-ins (card and bank transfer), their refunds and disputes; every refund."""

from __future__ import annotations

from fastapi import Request

from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import (
    IdempotencyKey,
    Listed,
    Platform,
    Routes,
    SandboxPlatform,
    absolute,
)

api = Routes()


@api.write.post("/payins/card", status_code=201, responses=api.errors(400, 402, 404, 409, 502))
def create_card_payin(
    body: S.CardPayinCreate, request: Request, p: Platform, key: IdempotencyKey = None
) -> S.Payin:
    return absolute(p.payins.create_card_payin(body, idempotency_key=key), request)


@api.read.get("/payins", responses=api.errors())
def list_payins(p: Platform, request: Request, query: Listed) -> S.ListPage[S.Payin]:
    page = p.payins.payins(query)
    page.data = [absolute(payin, request) for payin in page.data]
    return page


@api.read.get("/payins/{payin_id}", responses=api.errors(404))
def get_payin(payin_id: str, request: Request, p: Platform) -> S.Payin:
    return absolute(p.payins.payin(payin_id), request)


@api.write.post("/payins/{payin_id}/capture", responses=api.errors(400, 404, 409, 502))
@api.action("payin_capture", "payin_id")
def capture_payin(
    payin_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Payin:
    return p.payins.capture_payin(payin_id, None if body is None else body.amount)


@api.write.post("/payins/{payin_id}/cancel", responses=api.errors(404, 409, 502))
@api.action("payin_cancel", "payin_id")
def cancel_payin(payin_id: str, p: Platform, key: IdempotencyKey = None) -> S.Payin:
    return p.payins.cancel_payin(payin_id)


@api.write.post(
    "/payins/{payin_id}/refunds", status_code=201, responses=api.errors(400, 404, 409, 502)
)
def refund_payin(
    payin_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Refund:
    amount = None if body is None else body.amount
    return p.payins.refund_payin(payin_id, amount, idempotency_key=key)


@api.write.post("/payins/{payin_id}/disputes", status_code=201, responses=api.errors(400, 404, 409))
@api.action("dispute_open", "payin_id")
def open_dispute(
    payin_id: str, body: S.DisputeCreate, p: Platform, key: IdempotencyKey = None
) -> S.Dispute:
    """Sandbox: the card network opens a dispute on a pay-in."""
    return p.payins.open_dispute(payin_id, body)


api.list_and_retrieve(
    "/refunds", S.Refund, service=lambda p: p.wallets, names=("refunds", "refund")
)
api.list_and_retrieve(
    "/disputes", S.Dispute, service=lambda p: p.payins, names=("disputes", "dispute")
)


@api.write.post("/disputes/{dispute_id}/close", responses=api.errors(400, 404, 409))
@api.action("dispute_close", "dispute_id")
def close_dispute(
    dispute_id: str, body: S.DisputeClose, p: Platform, key: IdempotencyKey = None
) -> S.Dispute:
    return p.payins.close_dispute(dispute_id, body.outcome)


@api.write.post("/sandbox/bank_transfers", status_code=201, responses=api.errors(400, 404, 409))
def sandbox_bank_transfer(
    body: S.BankTransferSimulate, p: SandboxPlatform, key: IdempotencyKey = None
) -> S.Payin:
    """Sandbox bank: a transfer quoting a wallet's reference arrived (sandbox platforms
    only: 404 ``sandbox_only`` on a live platform)."""
    return p.payins.bank_transfer(body, idempotency_key=key)
