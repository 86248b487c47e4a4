"""A customer's personal data: erasure, export and consents (docs/privacy.md)."""

from __future__ import annotations

from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import (
    AUTH,
    Caller,
    IdempotencyKey,
    Platform,
    once,
    routers,
)
from coffer.wallets.http_errors import errors
from coffer.wallets.privacy import schemas as P

read, write, public = routers()


@write.post("/customers/{customer_id}/erase", responses=errors(*AUTH, 404, 409))
def erase_customer(
    customer_id: str, p: Platform, caller: Caller, key: IdempotencyKey = None
) -> S.Customer:
    """Erase the customer's personal data: its data key is destroyed (crypto-shredding),
    its wallets closed; balances and movements stay in the ledger. Refused (409
    ``erasure_blocked``) while a wallet holds money or money is moving for it. Erasing an
    erased customer answers it again."""
    return once(
        p,
        key,
        "customer_erase",
        {"customer_id": customer_id},
        lambda: p.privacy.erase(customer_id, actor=caller),
        S.Customer,
        customer_id,
    )


@read.get("/customers/{customer_id}/export", responses=errors(*AUTH, 404))
def export_customer(customer_id: str, p: Platform, caller: Caller) -> P.CustomerExport:
    """Everything Coffer holds about the customer in one JSON document: profile, KYC
    documents, bank accounts, wallets, movements, transfers, payments, pay-ins, payouts,
    consents. Each export is recorded in the audit log."""
    return p.privacy.export(customer_id, actor=caller)


@write.post("/customers/{customer_id}/consents", status_code=201, responses=errors(*AUTH, 404, 409))
def record_consent(
    customer_id: str,
    body: P.ConsentCreate,
    p: Platform,
    caller: Caller,
    key: IdempotencyKey = None,
) -> P.Consent:
    """Record that the customer granted or withdrew a consent (type and version of the
    text). Records are never changed: a withdrawal is a new record."""
    return once(
        p,
        key,
        "consent",
        {"customer_id": customer_id, **body.model_dump(mode="json")},
        lambda: p.privacy.record_consent(customer_id, body, actor=caller),
        P.Consent,
        customer_id,
    )


@read.get("/customers/{customer_id}/consents", responses=errors(*AUTH, 404))
def list_consents(customer_id: str, p: Platform) -> P.ConsentList:
    """Every consent record of the customer, oldest first, and each type's current state."""
    return p.privacy.consents(customer_id)
