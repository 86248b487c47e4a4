"""Builders of risk events for the tests."""

from __future__ import annotations

import itertools
from typing import Any

from coffer.risk.events import Customer, Login, Transaction

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
HOUR = 3600.0
DAY = 86400.0
_ids = itertools.count(1)


def customer(
    cid: str, at: float = T0 - 400 * DAY, kind: str = "natural", country: str = "DE"
) -> Customer:
    return Customer(id=cid, at=at, kind=kind, country=country, kyc_level="verified")


def login(cid: str, at: float, device: str = "d1", ip: str = "DE") -> Login:
    return Login(customer_id=cid, at=at, device_id=device, ip_country=ip)


def tx(
    cid: str,
    at: float,
    kind: str = "transfer",
    amount: int = 10_000,
    counterparty: str | None = None,
    **fields: Any,
) -> Transaction:
    tx_id = fields.pop("id", None) or f"t{next(_ids)}"
    return Transaction(
        id=tx_id,
        at=at,
        kind=kind,
        customer_id=cid,
        amount=amount,
        counterparty=counterparty,
        **fields,
    )
