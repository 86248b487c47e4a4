"""Pay-ins (card and bank transfer), their refunds and disputes; every refund."""

from __future__ import annotations

from fastapi import Request

from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import (
    AUTH,
    IdempotencyKey,
    Listed,
    Platform,
    SandboxPlatform,
    absolute,
    list_and_retrieve,
    once,
    routers,
)
from coffer.wallets.http_errors import errors

read, write, public = routers()


@write.post("/payins/card", status_code=201, responses=errors(*AUTH, 400, 402, 404, 409, 502))
def create_card_payin(
    body: S.CardPayinCreate, request: Request, p: Platform, key: IdempotencyKey = None
) -> S.Payin:
    return absolute(p.payins.create_card_payin(body, idempotency_key=key), request)


@read.get("/payins", responses=errors(*AUTH))
def list_payins(p: Platform, request: Request, query: Listed) -> S.ListPage[S.Payin]:
    page = p.payins.payins(query)
    page.data = [absolute(payin, request) for payin in page.data]
    return page


@read.get("/payins/{payin_id}", responses=errors(*AUTH, 404))
def get_payin(payin_id: str, request: Request, p: Platform) -> S.Payin:
    return absolute(p.payins.payin(payin_id), request)


@write.post("/payins/{payin_id}/capture", responses=errors(*AUTH, 400, 404, 409, 502))
def capture_payin(
    payin_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Payin:
    amount = None if body is None else body.amount
    return once(
        p,
        key,
        "payin_capture",
        {"payin_id": payin_id, "amount": amount},
        lambda: p.payins.capture_payin(payin_id, amount),
        S.Payin,
        payin_id,
    )


@write.post("/payins/{payin_id}/cancel", responses=errors(*AUTH, 404, 409, 502))
def cancel_payin(payin_id: str, p: Platform, key: IdempotencyKey = None) -> S.Payin:
    return once(
        p,
        key,
        "payin_cancel",
        {"payin_id": payin_id},
        lambda: p.payins.cancel_payin(payin_id),
        S.Payin,
        payin_id,
    )


@write.post(
    "/payins/{payin_id}/refunds", status_code=201, responses=errors(*AUTH, 400, 404, 409, 502)
)
def refund_payin(
    payin_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Refund:
    amount = None if body is None else body.amount
    return p.payins.refund_payin(payin_id, amount, idempotency_key=key)


@write.post("/payins/{payin_id}/disputes", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def open_dispute(
    payin_id: str, body: S.DisputeCreate, p: Platform, key: IdempotencyKey = None
) -> S.Dispute:
    """Sandbox: the card network opens a dispute on a pay-in."""
    return once(
        p,
        key,
        "dispute_open",
        {"payin_id": payin_id, **body.model_dump(mode="json")},
        lambda: p.payins.open_dispute(payin_id, body),
        S.Dispute,
        payin_id,
    )


list_and_retrieve(
    read, "/refunds", S.Refund, service=lambda p: p.wallets, names=("refunds", "refund")
)
list_and_retrieve(
    read, "/disputes", S.Dispute, service=lambda p: p.payins, names=("disputes", "dispute")
)


@write.post("/disputes/{dispute_id}/close", responses=errors(*AUTH, 400, 404, 409))
def close_dispute(
    dispute_id: str, body: S.DisputeClose, p: Platform, key: IdempotencyKey = None
) -> S.Dispute:
    return once(
        p,
        key,
        "dispute_close",
        {"dispute_id": dispute_id, **body.model_dump(mode="json")},
        lambda: p.payins.close_dispute(dispute_id, body.outcome),
        S.Dispute,
        dispute_id,
    )


@write.post("/sandbox/bank_transfers", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def sandbox_bank_transfer(
    body: S.BankTransferSimulate, p: SandboxPlatform, key: IdempotencyKey = None
) -> S.Payin:
    """Sandbox bank: a transfer quoting a wallet's reference arrived (sandbox platforms
    only: 404 ``sandbox_only`` on a live platform)."""
    return p.payins.bank_transfer(body, idempotency_key=key)
