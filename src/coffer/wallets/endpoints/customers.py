"""Customers and their KYC documents."""

from __future__ import annotations

from coffer.wallets import schemas as S
from coffer.wallets.customer_updates import CustomerUpdate, update_customer
from coffer.wallets.endpoints.deps import Caller, IdempotencyKey, Platform, Routes

api = Routes()


@api.write.post("/customers", status_code=201, responses=api.errors(409))
def create_customer(body: S.CustomerCreate, p: Platform, key: IdempotencyKey = None) -> S.Customer:
    return p.wallets.create_customer(body, idempotency_key=key)


api.list_and_retrieve(
    "/customers",
    S.Customer,
    service=lambda p: p.wallets,
    names=("customers", "customer"),
    list_errors=(400,),
)


@api.write.patch("/customers/{customer_id}", responses=api.errors(400, 404, 409))
def patch_customer(customer_id: str, p: Platform, body: CustomerUpdate | None = None) -> S.Customer:
    """Change a customer's name, email, birth date or address (event ``customer.updated``;
    a changed name, birth date or country is screened again against the sanctions lists)."""
    return update_customer(p.core, customer_id, body or CustomerUpdate())


@api.write.post(
    "/customers/{customer_id}/kyc_documents", status_code=201, responses=api.errors(404, 409)
)
def submit_kyc_document(
    customer_id: str, body: S.KycDocumentCreate, p: Platform, key: IdempotencyKey = None
) -> S.KycDocument:
    return p.wallets.submit_kyc_document(customer_id, body, idempotency_key=key)


api.list_and_retrieve(
    "/kyc_documents",
    S.KycDocument,
    service=lambda p: p.wallets,
    names=("kyc_documents", "kyc_document"),
    id_name="document_id",
    list_errors=(400,),
)


@api.write.post("/kyc_documents/{document_id}/review", responses=api.errors(404, 409))
@api.action("kyc_review", "document_id")
def review_kyc_document(
    document_id: str, body: S.KycReview, p: Platform, caller: Caller, key: IdempotencyKey = None
) -> S.KycDocument:
    approve = body.decision == "approve"
    return p.wallets.review_kyc_document(
        document_id, approve=approve, reason=body.reason, actor=caller
    )
