"""Recompute a ledger from its stored rows and compare with everything stored.

``verify`` streams the journal, transactions, postings and holds in order, recomputes the
hash chain, the Merkle root at every checkpoint (and its signature), and replays every
entry into balances, metadata and hold states; then it compares those with the stored
balances, metadata, hold states, posting lists and ledger head. Any row changed or deleted
directly in the database shows up as the first entry or balance that does not match.

- :mod:`.run`: one pass per ledger (the entry point, :func:`verify_database`);
- :mod:`.replay`: the journal replayed entry by entry (hashes, checkpoints, transactions
  and their rows, holds, metadata);
- :mod:`.checks`: the stored state compared with the replay's (head, counters, metadata,
  holds, balances, posting lists);
- :mod:`.rows`: the rows streamed in order; :mod:`.report`: what verify reports;
- :mod:`.proofs`: inclusion and consistency proofs checked without the database.
"""

from coffer.ledger.verify.proofs import verify_consistency_proof, verify_inclusion_proof
from coffer.ledger.verify.report import LedgerCheck, VerifyReport
from coffer.ledger.verify.run import verify_database

__all__ = [
    "LedgerCheck",
    "VerifyReport",
    "verify_consistency_proof",
    "verify_database",
    "verify_inclusion_proof",
]
