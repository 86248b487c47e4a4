"""Customers and their KYC documents."""

from __future__ import annotations

from coffer.wallets import schemas as S
from coffer.wallets.customer_updates import CustomerUpdate, update_customer
from coffer.wallets.endpoints.deps import (
    AUTH,
    Caller,
    IdempotencyKey,
    Platform,
    list_and_retrieve,
    once,
    routers,
)
from coffer.wallets.http_errors import errors

read, write, public = routers()


@write.post("/customers", status_code=201, responses=errors(*AUTH, 409))
def create_customer(body: S.CustomerCreate, p: Platform, key: IdempotencyKey = None) -> S.Customer:
    return p.wallets.create_customer(body, idempotency_key=key)


list_and_retrieve(
    read,
    "/customers",
    S.Customer,
    service=lambda p: p.wallets,
    names=("customers", "customer"),
    list_errors=(400,),
)


@write.patch("/customers/{customer_id}", responses=errors(*AUTH, 400, 404, 409))
def patch_customer(customer_id: str, p: Platform, body: CustomerUpdate | None = None) -> S.Customer:
    """Change a customer's name, email, birth date or address (event ``customer.updated``;
    a changed name, birth date or country is screened again against the sanctions lists)."""
    return update_customer(p.core, customer_id, body or CustomerUpdate())


@write.post(
    "/customers/{customer_id}/kyc_documents", status_code=201, responses=errors(*AUTH, 404, 409)
)
def submit_kyc_document(
    customer_id: str, body: S.KycDocumentCreate, p: Platform, key: IdempotencyKey = None
) -> S.KycDocument:
    return p.wallets.submit_kyc_document(customer_id, body, idempotency_key=key)


list_and_retrieve(
    read,
    "/kyc_documents",
    S.KycDocument,
    service=lambda p: p.wallets,
    names=("kyc_documents", "kyc_document"),
    id_name="document_id",
    list_errors=(400,),
)


@write.post("/kyc_documents/{document_id}/review", responses=errors(*AUTH, 404, 409))
def review_kyc_document(
    document_id: str, body: S.KycReview, p: Platform, caller: Caller, key: IdempotencyKey = None
) -> S.KycDocument:
    return once(
        p,
        key,
        "kyc_review",
        {"document_id": document_id, **body.model_dump(mode="json")},
        lambda: p.wallets.review_kyc_document(
            document_id, approve=body.decision == "approve", reason=body.reason, actor=caller
        ),
        S.KycDocument,
        document_id,
    )
