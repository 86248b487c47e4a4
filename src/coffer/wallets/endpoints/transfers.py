"""Wallet-to-wallet transfers (the hot path's ASGI front is coffer.wallets.fastpath)."""

from __future__ import annotations

from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import (
    AUTH,
    IdempotencyKey,
    Listed,
    Platform,
    routers,
)
from coffer.wallets.http_errors import errors

read, write, public = routers()


@write.post("/transfers", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def create_transfer(body: S.TransferCreate, p: Platform, key: IdempotencyKey = None) -> S.Transfer:
    return p.wallets.transfer(body, idempotency_key=key)


@read.get("/transfers", responses=errors(*AUTH))
def list_transfers(p: Platform, query: Listed) -> S.ListPage[S.Transfer]:
    return p.wallets.transfers(query)


@read.get("/transfers/{transfer_id}", responses=errors(*AUTH, 404))
def get_transfer(transfer_id: str, p: Platform) -> S.Transfer:
    return p.wallets.transfer_by_id(transfer_id)
