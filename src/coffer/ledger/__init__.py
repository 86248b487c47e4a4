"""The verifiable double-entry ledger."""

from coffer.ledger.models import (
    UNBOUNDED,
    Account,
    Balance,
    Checkpoint,
    ConsistencyProof,
    DryRun,
    Hold,
    InclusionProof,
    JournalEntry,
    Page,
    Posting,
    ScriptRequest,
    Transaction,
    TransactionRequest,
    Volumes,
)
from coffer.ledger.service import Ledger, LedgerInfo
from coffer.ledger.verify import (
    VerifyReport,
    verify_consistency_proof,
    verify_inclusion_proof,
)

__all__ = [
    "UNBOUNDED",
    "Account",
    "Balance",
    "Checkpoint",
    "ConsistencyProof",
    "DryRun",
    "Hold",
    "InclusionProof",
    "JournalEntry",
    "Ledger",
    "LedgerInfo",
    "Page",
    "Posting",
    "ScriptRequest",
    "Transaction",
    "TransactionRequest",
    "VerifyReport",
    "Volumes",
    "verify_consistency_proof",
    "verify_inclusion_proof",
]
