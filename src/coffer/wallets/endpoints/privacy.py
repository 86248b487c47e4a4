"""A customer's personal data: erasure, export and consents (docs/privacy.md)."""

from __future__ import annotations

from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import Caller, IdempotencyKey, Platform, Routes
from coffer.wallets.privacy import schemas as P

api = Routes()


@api.write.post("/customers/{customer_id}/erase", responses=api.errors(404, 409))
@api.action("customer_erase", "customer_id")
def erase_customer(
    customer_id: str, p: Platform, caller: Caller, key: IdempotencyKey = None
) -> S.Customer:
    """Erase the customer's personal data: its data key is destroyed (crypto-shredding),
    its wallets closed; balances and movements stay in the ledger. Refused (409
    ``erasure_blocked``) while a wallet holds money or money is moving for it. Erasing an
    erased customer answers it again."""
    return p.privacy.erase(customer_id, actor=caller)


@api.read.get("/customers/{customer_id}/export", responses=api.errors(404))
def export_customer(customer_id: str, p: Platform, caller: Caller) -> P.CustomerExport:
    """Everything Coffer holds about the customer in one JSON document: profile, KYC
    documents, bank accounts, wallets, movements, transfers, payments, pay-ins, payouts,
    consents. Each export is recorded in the audit log."""
    return p.privacy.export(customer_id, actor=caller)


@api.write.post(
    "/customers/{customer_id}/consents", status_code=201, responses=api.errors(404, 409)
)
@api.action("consent", "customer_id")
def record_consent(
    customer_id: str,
    body: P.ConsentCreate,
    p: Platform,
    caller: Caller,
    key: IdempotencyKey = None,
) -> P.Consent:
    """Record that the customer granted or withdrew a consent (type and version of the
    text). Records are never changed: a withdrawal is a new record."""
    return p.privacy.record_consent(customer_id, body, actor=caller)


@api.read.get("/customers/{customer_id}/consents", responses=api.errors(404))
def list_consents(customer_id: str, p: Platform) -> P.ConsentList:
    """Every consent record of the customer, oldest first, and each type's current state."""
    return p.privacy.consents(customer_id)
