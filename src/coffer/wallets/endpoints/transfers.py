"""Wallet-to-wallet transfers (the hot path's ASGI front is coffer.wallets.fastpath)."""

from __future__ import annotations

from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import IdempotencyKey, Platform, Routes

api = Routes()


@api.write.post("/transfers", status_code=201, responses=api.errors(400, 404, 409))
def create_transfer(body: S.TransferCreate, p: Platform, key: IdempotencyKey = None) -> S.Transfer:
    return p.wallets.transfer(body, idempotency_key=key)


api.list_and_retrieve(
    "/transfers",
    S.Transfer,
    service=lambda p: p.wallets,
    names=("transfers", "transfer"),
    get_method="transfer_by_id",
)
