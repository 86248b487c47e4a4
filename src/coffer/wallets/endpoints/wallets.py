"""Wallets: create, read, statement, freeze/unfreeze/close, the platform's wallets."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import Caller, IdempotencyKey, Platform, Routes

api = Routes()


api.create(
    "/wallets", S.WalletCreate, S.Wallet, service=lambda p: p.wallets, method="create_wallet"
)


api.list_and_retrieve(
    "/wallets", S.Wallet, service=lambda p: p.wallets, names=("wallets", "wallet")
)


@api.read.get("/wallets/{wallet_id}/statement", responses=api.errors(400, 404))
def wallet_statement(
    wallet_id: str,
    p: Platform,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> S.Statement:
    return p.wallets.statement(wallet_id, limit=limit, cursor=cursor)


@api.write.post("/wallets/{wallet_id}/{action}", responses=api.errors(400, 404, 409))
@api.action("wallet_{action}", "wallet_id")
def wallet_action(
    wallet_id: str,
    action: Literal["freeze", "unfreeze", "close"],
    p: Platform,
    caller: Caller,
    key: IdempotencyKey = None,
) -> S.Wallet:
    status = {"freeze": "frozen", "unfreeze": "active", "close": "closed"}[action]
    return p.wallets.set_wallet_status(wallet_id, status, actor=caller)


@api.read.get("/platform/wallets/{kind}/{currency}", responses=api.errors(400))
def platform_wallet(kind: Literal["fees", "credit"], currency: str, p: Platform) -> S.Wallet:
    return p.wallets.platform_wallet(kind, currency)
