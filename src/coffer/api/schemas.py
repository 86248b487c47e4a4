"""Request and response models: Formance Ledger v2's JSON shapes, plus Coffer's additions.

Amounts are ``int`` (exact, any size): JSON numbers in and out, never floats. Handlers
build plain dicts for speed; these models document them in the OpenAPI and are what the
schema tests check responses against.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

Amount = Annotated[StrictInt, Field(ge=0, le=2**128 - 1, description="Smallest unit, exact.")]
SignedAmount = Annotated[int, Field(description="Exact integer, may be negative.")]
Metadata = dict[str, str]


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# -- requests ------------------------------------------------------------------------------


class PostingIn(Model):
    source: str
    destination: str
    amount: Amount
    asset: str


class ScriptIn(Model):
    plain: str = Field(max_length=1_000_000)  # numscript_max_source_bytes decides
    vars: dict[str, Any] | None = None


class PostTransaction(Model):
    """Formance's ``V2PostTransaction``: postings or a Numscript ``script``."""

    postings: list[PostingIn] | None = Field(default=None, max_length=10_000)
    script: ScriptIn | None = None
    reference: str | None = Field(default=None, max_length=1000)
    metadata: Metadata | None = None
    timestamp: datetime | None = None
    accountMetadata: dict[str, Metadata] | None = None
    force: bool | None = None


class CreateLedgerRequest(Model):
    bucket: str | None = None
    metadata: Metadata | None = None
    features: dict[str, str] | None = None


class RevertTransactionRequest(Model):
    metadata: Metadata | None = None


class BulkElement(Model):
    action: Literal["CREATE_TRANSACTION", "ADD_METADATA", "REVERT_TRANSACTION", "DELETE_METADATA"]
    ik: str | None = Field(default=None, max_length=255)
    data: dict[str, Any] | None = None


class CreateHoldRequest(Model):
    """A pending transaction: postings (or a script) reserved until posted or voided."""

    postings: list[PostingIn] | None = Field(default=None, max_length=10_000)
    script: ScriptIn | None = None
    reference: str | None = Field(default=None, max_length=1000)
    metadata: Metadata | None = None
    timestamp: datetime | None = None
    timeoutSeconds: float | None = Field(default=None, gt=0, le=10 * 365 * 86_400)


class PostHoldRequest(Model):
    amount: Amount | None = Field(default=None, description="Post this much (single posting).")
    amounts: list[Amount] | None = Field(default=None, description="One amount per posting.")
    metadata: Metadata | None = None


# -- responses -----------------------------------------------------------------------------


class ErrorResponse(Model):
    errorCode: str
    errorMessage: str
    details: str | None = None


class Volume(Model):
    input: SignedAmount
    output: SignedAmount
    balance: SignedAmount | None = None


VolumesByAsset = dict[str, Volume]
VolumesByAccount = dict[str, VolumesByAsset]


class PostingOut(Model):
    source: str
    destination: str
    amount: SignedAmount
    asset: str


class Transaction(Model):
    id: int
    postings: list[PostingOut]
    metadata: Metadata
    timestamp: datetime
    insertedAt: datetime | None = None
    reference: str | None = None
    reverted: bool
    revertedAt: datetime | None = None
    updatedAt: datetime | None = None
    preCommitVolumes: VolumesByAccount | None = None
    postCommitVolumes: VolumesByAccount | None = None
    preCommitEffectiveVolumes: VolumesByAccount | None = None
    postCommitEffectiveVolumes: VolumesByAccount | None = None


class TransactionResponse(Model):
    data: Transaction


class Cursor(Model):
    pageSize: int
    hasMore: bool
    next: str | None = None
    previous: str | None = None


class TransactionsCursor(Cursor):
    data: list[Transaction]


class TransactionsCursorResponse(Model):
    cursor: TransactionsCursor


class Account(Model):
    address: str
    metadata: Metadata
    firstUsage: datetime | None = None
    insertionDate: datetime | None = None
    updatedAt: datetime | None = None
    volumes: VolumesByAsset | None = None
    effectiveVolumes: VolumesByAsset | None = None


class AccountResponse(Model):
    data: Account


class AccountsCursor(Cursor):
    data: list[Account]


class AccountsCursorResponse(Model):
    cursor: AccountsCursor


class AggregateBalancesResponse(Model):
    data: dict[str, SignedAmount]


class VolumesWithBalance(Model):
    account: str
    asset: str
    input: SignedAmount
    output: SignedAmount
    balance: SignedAmount


class VolumesCursor(Cursor):
    data: list[VolumesWithBalance]


class VolumesCursorResponse(Model):
    cursor: VolumesCursor


class Ledger(Model):
    id: int | None = None
    name: str
    addedAt: datetime
    bucket: str
    metadata: Metadata | None = None
    features: dict[str, str] | None = None


class LedgerResponse(Model):
    data: Ledger


class LedgersCursor(Cursor):
    data: list[Ledger]


class LedgersCursorResponse(Model):
    cursor: LedgersCursor


class MigrationInfo(Model):
    version: str | None = None
    name: str | None = None
    date: datetime | None = None
    state: str | None = None


class LedgerStorage(Model):
    migrations: list[MigrationInfo] | None = None


class LedgerInfo(Model):
    name: str | None = None
    storage: LedgerStorage | None = None


class LedgerInfoResponse(Model):
    data: LedgerInfo


class Stats(Model):
    accounts: int
    transactions: int


class StatsResponse(Model):
    data: Stats


class ServerInfo(Model):
    server: str
    version: str
    experimental_features: list[str] | None = None


class Log(Model):
    id: int
    type: str
    data: dict[str, Any]
    hash: str
    date: datetime


class LogsCursor(Cursor):
    data: list[Log]


class LogsCursorResponse(Model):
    cursor: LogsCursor


class BulkElementResult(Model):
    responseType: str
    logID: int
    data: Transaction | None = None
    errorCode: str | None = None
    errorDescription: str | None = None
    errorDetails: str | None = None


class BulkResponse(Model):
    data: list[BulkElementResult] | None = None
    errorCode: str | None = None
    errorMessage: str | None = None


class Hold(Model):
    id: int
    postings: list[PostingOut]
    status: Literal["pending", "posted", "voided", "expired"]
    createdAt: datetime
    expiresAt: datetime | None = None
    reference: str | None = None
    metadata: Metadata


class HoldResponse(Model):
    data: Hold


class HoldsResponse(Model):
    data: list[Hold]


class Checkpoint(Model):
    ledger: str
    treeSize: int
    root: str = Field(description="Merkle root, hex")
    createdAt: datetime
    publicKey: str = Field(description="Ed25519 public key, hex")
    signature: str = Field(description="Ed25519 signature, hex")


class CheckpointResponse(Model):
    data: Checkpoint


class CheckpointsResponse(Model):
    data: list[Checkpoint]


class JournalEntry(Model):
    seq: int
    kind: int
    type: str
    refId: int | None = None
    body: str
    createdAt: datetime
    hash: str
    previousHash: str


class JournalPage(Model):
    data: list[JournalEntry]
    hasMore: bool
    next: int | None = Field(
        default=None, description="Pass as afterSeq to read the next page (when hasMore)"
    )


class InclusionProof(Model):
    entry: JournalEntry
    leafIndex: int
    treeSize: int
    path: list[str]
    checkpoint: Checkpoint
    verified: bool = Field(description="Whether the server verified the proof it returns")


class InclusionProofResponse(Model):
    data: InclusionProof


class ConsistencyProof(Model):
    old: Checkpoint
    new: Checkpoint
    path: list[str]
    verified: bool


class ConsistencyProofResponse(Model):
    data: ConsistencyProof


class TokenResponse(Model):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str


class OAuthError(Model):
    error: str
    error_description: str | None = None


class Health(Model):
    status: str
    checks: dict[str, str] | None = None
