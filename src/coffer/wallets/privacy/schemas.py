"""Models of personal-data management: consents, the export document, retention reports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from coffer.wallets import schemas as S

ConsentCreate = S.ConsentCreate
Consent = S.Consent


class ConsentList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Consent] = Field(description="Every record, oldest first.")
    current: dict[str, Consent] = Field(
        description="The latest record of each consent type: its state now."
    )


class ExportedKycDocument(S.KycDocument):
    name: str | None = Field(description="The document's name as submitted.")


class ExportedBankAccount(S.BankAccount):
    iban: str | None


class Movement(BaseModel):
    wallet_id: str
    currency: str
    transaction_id: int
    timestamp: datetime
    amount: int = Field(description="Signed, minor units: positive credits the wallet.")
    balance: int = Field(description="The wallet's balance after it.")
    type: str | None
    reference_id: str | None


class CustomerExport(BaseModel):
    """Everything Coffer holds about one customer, in one document."""

    object: Literal["customer_export"] = "customer_export"
    generated_at: datetime
    customer: S.Customer
    kyc_documents: list[ExportedKycDocument]
    bank_accounts: list[ExportedBankAccount]
    wallets: list[S.Wallet]
    movements: list[Movement] = Field(description="Every ledger line of the wallets.")
    movements_complete: bool = Field(
        description="False when the wallets have more lines than COFFER_EXPORT_MAX_MOVEMENTS"
        " allows in one document: page the rest with GET /wallets/{id}/statement."
    )
    transfers: list[S.Transfer]
    payments: list[S.Payment]
    payins: list[S.Payin]
    payouts: list[S.Payout]
    consents: list[Consent]


class RetentionReport(BaseModel):
    applied: bool = Field(description="False: what would be done (a dry run).")
    customers_erased: list[str]
    events_deleted: int
    idempotency_keys_deleted: int


class UpgradeReport(BaseModel):
    customers_upgraded: int


class RotationReport(BaseModel):
    key_id: str
    customer_keys_rewrapped: int
    values_reencrypted: int
    customers_upgraded: int
    retired_key_ids: list[str]
