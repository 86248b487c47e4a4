"""Rows of loyalty programs, lots and movements as the API's models."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from coffer.fx.loyalty import schemas as S
from coffer.ledger.models import from_micros

Row = Mapping[str, Any]


def program_model(row: Row) -> S.Program:
    return S.Program(
        id=row["id"],
        name=row["name"],
        asset=row["asset"],
        cash_currency=row["cash_currency"],
        redemption_rate=row["redemption_rate"],
        expiry_days=row["expiry_days"],
        earn_rules=json.loads(row["earn_rules"]),
        tiers=json.loads(row["tiers"]),
        tier_window_days=row["tier_window_days"],
        created_at=from_micros(row["created_at"]),
        earn_on=json.loads(row["earn_on"]) if row.get("earn_on") else ["payment"],
    )


def lot_model(row: Row) -> S.Lot:
    return S.Lot(
        id=row["id"],
        customer_id=row["customer_id"],
        points=int(row["points"]),
        remaining=int(row["remaining"]),
        status=row["status"],
        reason=row["reason"],
        campaign=row["campaign"],
        earned_at=from_micros(row["earned_at"]),
        expires_at=from_micros(row["expires_at"]) if row["expires_at"] is not None else None,
        ledger_transaction_id=row["ledger_transaction_id"],
    )


def movement_model(row: Row) -> S.Movement:
    return S.Movement(
        id=row["id"],
        kind=row["kind"],
        customer_id=row["customer_id"],
        points=int(row["points"]),
        cash_amount=int(row["cash_amount"]) if row["cash_amount"] is not None else None,
        wallet_id=row["wallet_id"],
        lots=json.loads(row["lots"]),
        status=row["status"],
        ledger_transaction_id=row["ledger_transaction_id"],
        created_at=from_micros(row["created_at"]),
        source_id=row.get("source_id"),
        forgiven=int(row.get("forgiven") or 0),
    )
