"""Coffer: programmable wallet infrastructure on a verifiable double-entry ledger.

import coffer
from coffer import Posting

with coffer.open("sqlite:///coffer.db") as c:
    ledger = c.ledger("main")
    ledger.post([Posting("world", "users:alice", 10_000, "USD/2")])
"""

from coffer.core import Coffer, open
from coffer.errors import CofferError, IdempotencyConflict, InsufficientFunds
from coffer.ledger import (
    UNBOUNDED,
    Balance,
    Hold,
    Ledger,
    Posting,
    ScriptRequest,
    Transaction,
    TransactionRequest,
    verify_consistency_proof,
    verify_inclusion_proof,
)
from coffer.runtime.cpupin import pin_to_one_cpu
from coffer.runtime.gctune import tune_gc

__all__ = [
    "UNBOUNDED",
    "Balance",
    "Coffer",
    "CofferError",
    "Hold",
    "IdempotencyConflict",
    "InsufficientFunds",
    "Ledger",
    "Posting",
    "ScriptRequest",
    "Transaction",
    "TransactionRequest",
    "open",
    "pin_to_one_cpu",
    "tune_gc",
    "verify_consistency_proof",
    "verify_inclusion_proof",
]
__version__ = "0.1.0"
