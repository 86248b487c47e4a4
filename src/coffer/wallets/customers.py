"""Customers (their personal data encrypted at rest) and their KYC documents."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from coffer.db.columns import model_from_row
from coffer.errors import (
    InvalidState,
    ResourceNotFound,
)
from coffer.identity.audit import SYSTEM, Actor, record, record_by
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.base import Service
from coffer.wallets.common import (
    Row,
    as_datetime,
)
from coffer.wallets.models import redacted_customer
from coffer.wallets.privacy.keys import CustomerKey
from coffer.wallets.settings import KYC_LEVELS

SANDBOX_REVIEWER = "system:sandbox_reviewer"  # the actor of the automatic KYC reviews


def sealed_customer_values(key: CustomerKey, request: S.CustomerCreate) -> dict[str, Any]:
    """The personal columns of a customer row, sealed by the customer's data key."""
    address = None if request.address is None else request.address.model_dump_json()
    return {
        "name_enc": key.encrypt(request.name, context="customer.name"),
        "email_enc": key.encrypt(request.email, context="customer.email"),
        "birth_date_enc": key.encrypt(request.birth_date, context="customer.birth_date"),
        "address_enc": key.encrypt(address, context="customer.address"),
        "metadata": "{}",
        "metadata_enc": key.encrypt(json.dumps(request.metadata), context="customer.metadata"),
    }


def customer_metadata(row: Row, key: CustomerKey) -> dict[str, str]:
    """The customer's metadata: sealed in ``metadata_enc``, or in clear in ``metadata`` in
    rows written before metadata was encrypted (until the privacy upgrade)."""
    if row.get("erased_at") is not None:
        return {}
    sealed = row.get("metadata_enc")
    if sealed is not None:
        return dict(json.loads(key.decrypt(sealed, context="customer.metadata") or "{}"))
    return dict(json.loads(row["metadata"]))


def customer_model(row: Row, key: CustomerKey) -> S.Customer:
    """A customer row as the API shows it, its personal data opened with its data key (an
    erased customer's reads empty)."""
    decrypt = key.decrypt
    address = decrypt(row["address_enc"], context="customer.address")
    return model_from_row(
        S.Customer,
        row,
        name=decrypt(row["name_enc"], context="customer.name") or "",
        email=decrypt(row["email_enc"], context="customer.email"),
        birth_date=decrypt(row["birth_date_enc"], context="customer.birth_date"),
        address=None if address is None else S.Address.model_validate_json(address),
        metadata=customer_metadata(row, key),
    )


class Customers(Service):
    """Customers and KYC."""

    def create_customer(
        self, request: S.CustomerCreate, *, idempotency_key: str | None = None
    ) -> S.Customer:
        core = self.core
        payload = request.model_dump(mode="json")

        def create(connection: sa.Connection) -> str:
            customer_id = R.new_id("cus")
            now = R.now_micros()
            # the customer's own data key seals its personal data (docs/privacy.md)
            key = core.data_keys.create(
                connection, customer_id, platform_id=R.platform_of(connection)
            )
            R.insert(
                connection,
                T.customers,
                {
                    "id": customer_id,
                    "kind": request.kind,
                    "kyc_level": "none",
                    **sealed_customer_values(key, request),
                    "created_at": now,
                    "updated_at": now,
                },
            )
            core.event(
                connection,
                "customer.created",
                S.RedactedCustomer(
                    id=customer_id,
                    kind=request.kind,
                    kyc_level="none",
                    created_at=as_datetime(now),
                ),
            )
            return customer_id

        customer_id, _ = core.create_once(
            key=idempotency_key, operation="customer", payload=payload, create=create
        )
        return self.customer(customer_id)

    def customer(self, customer_id: str) -> S.Customer:
        with self.core.engine.connect() as connection:
            row = self.core.customer_row(connection, customer_id)
            return customer_model(row, self.core.customer_key(connection, row))

    def customers(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Customer]:
        return self.core.list_sealed_page(
            "customers", query, filters, S.Customer, customer_model, owner="id"
        )

    # -- KYC -----------------------------------------------------------------------------

    def submit_kyc_document(
        self,
        customer_id: str,
        request: S.KycDocumentCreate,
        *,
        idempotency_key: str | None = None,
    ) -> S.KycDocument:
        """Submit a document. The sandbox reviewer decides by its name: a name containing
        ``refuse`` is refused, one containing ``review`` waits for an operator, any other is
        validated (and raises the customer to the document's level)."""
        core = self.core
        payload = {"customer_id": customer_id, **request.model_dump(mode="json")}

        def create(connection: sa.Connection) -> str:
            document_id, _ = core.insert_for_customer(
                connection,
                T.kyc_documents,
                "doc",
                customer_id,
                lambda key: {
                    "type": request.type,
                    "level": request.level,
                    "name_enc": key.encrypt(request.name, context="kyc_document.name"),
                    "status": "validation_asked",
                    "refused_reason": None,
                },
            )
            core.event(
                connection,
                "kyc_document.created",
                self._kyc_document_model(R.get(connection, T.kyc_documents, document_id) or {}),
            )
            return document_id

        document_id, created = core.create_once(
            key=idempotency_key, operation="kyc_document", payload=payload, create=create
        )
        if created:
            name = request.name.lower()
            reviewer = Actor(SANDBOX_REVIEWER)
            if "refuse" in name:
                return self.review_kyc_document(
                    document_id, approve=False, reason="unreadable", actor=reviewer
                )
            if "review" not in name:
                return self.review_kyc_document(document_id, approve=True, actor=reviewer)
        return self.kyc_document(document_id)

    def review_kyc_document(
        self,
        document_id: str,
        *,
        approve: bool,
        reason: str | None = None,
        actor: Actor = SYSTEM,
    ) -> S.KycDocument:
        """Validate or refuse a document, recorded in the audit log as done by ``actor``."""
        core = self.core
        with core.unit() as connection:
            document = R.get(connection, T.kyc_documents, document_id, for_update=True)
            if document is None:
                raise ResourceNotFound(f"KYC document {document_id!r} does not exist")
            status = "validated" if approve else "refused"
            if not R.update(
                connection,
                T.kyc_documents,
                document_id,
                {"status": status, "refused_reason": None if approve else (reason or "refused")},
                expect_status=["validation_asked"],
            ):
                raise InvalidState(
                    f"KYC document {document_id} was already {document['status']}",
                    status=document["status"],
                )
            core.event(
                connection,
                f"kyc_document.{status}",
                self._kyc_document_model(R.get(connection, T.kyc_documents, document_id) or {}),
            )
            record_by(
                connection,
                actor,
                "kyc_document.reviewed",
                document_id,
                {
                    "customer_id": document["customer_id"],
                    "decision": "approve" if approve else "refuse",
                    "level": document["level"],
                    **({} if approve else {"reason": reason or "refused"}),
                },
            )
            if approve:
                customer = core.customer_row(connection, document["customer_id"])
                current = KYC_LEVELS.index(customer["kyc_level"])
                if KYC_LEVELS.index(document["level"]) > current:
                    R.update(
                        connection, T.customers, customer["id"], {"kyc_level": document["level"]}
                    )
                    # verify checks the row's level against this (coffer.trust.money_state)
                    record(
                        connection,
                        actor="wallets",
                        action="customer.kyc_level_changed",
                        target=customer["id"],
                        details={"kyc_level": document["level"], "document": document_id},
                    )
                    core.event(
                        connection,
                        "customer.kyc_level_changed",
                        redacted_customer({**customer, "kyc_level": document["level"]}),
                    )
                    core.forget_customer(connection, customer["id"])
        core.drop_cached("customer", document["customer_id"])  # again, now committed
        return self.kyc_document(document_id)

    def kyc_document(self, document_id: str) -> S.KycDocument:
        row = self.core.existing(T.kyc_documents, document_id, "KYC document")
        return self._kyc_document_model(row)

    def kyc_documents(
        self, query: S.ListQuery | None = None, **filters: Any
    ) -> S.ListPage[S.KycDocument]:
        return self.core.list_page(
            "kyc_documents", query, filters, S.KycDocument, self._kyc_document_model
        )

    @staticmethod
    def _kyc_document_model(row: Row) -> S.KycDocument:
        return model_from_row(S.KycDocument, row)
