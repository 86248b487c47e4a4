"""Rows to the API's models, for the resources more than one service answers with."""

from __future__ import annotations

import json

from coffer.wallets import schemas as S
from coffer.wallets.common import (
    Row,
    as_datetime,
)


def transfer_model(row: Row) -> S.Transfer:
    return S.Transfer(
        id=row["id"],
        debited_wallet_id=row["debited_wallet_id"],
        credited_wallet_id=row["credited_wallet_id"],
        amount=row["amount"],
        fee=row["fee"],
        credited_amount=row["amount"] - row["fee"],
        currency=row["currency"],
        status=row["status"],
        failure_code=row["failure_code"],
        ledger_transaction_id=row["ledger_tx_id"],
        metadata=json.loads(row["metadata"]),
        created_at=as_datetime(row["created_at"]),
    )


def payment_model(row: Row) -> S.Payment:
    return S.Payment(
        id=row["id"],
        buyer_wallet_id=row["buyer_wallet_id"],
        seller_wallet_id=row["seller_wallet_id"],
        amount=row["amount"],
        fee=row["fee"],
        captured_amount=row["captured_amount"],
        refunded_amount=row["refunded_amount"],
        currency=row["currency"],
        escrow=bool(row["escrow"]),
        status=row["status"],
        escrow_status=row["escrow_status"],
        failure_code=row["failure_code"],
        metadata=json.loads(row["metadata"]),
        created_at=as_datetime(row["created_at"]),
    )


def redacted_customer(row: Row) -> S.RedactedCustomer:
    return S.RedactedCustomer(
        id=row["id"],
        kind=row["kind"],
        kyc_level=row["kyc_level"],
        created_at=as_datetime(row["created_at"]),
        erased_at=None if row.get("erased_at") is None else as_datetime(row["erased_at"]),
    )


def refund_model(row: Row) -> S.Refund:
    return S.Refund(
        id=row["id"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        amount=row["amount"],
        currency=row["currency"],
        status=row["status"],
        failure_code=row["failure_code"],
        created_at=as_datetime(row["created_at"]),
        gateway_ref=row["gateway_ref"],
        origin=row["origin"],
    )
