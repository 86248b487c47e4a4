"""Proof that a ledger movement was written by the wallets domain itself.

Every movement the domain runs carries, in its metadata, ``wallets_proof``: an HMAC-SHA256
over its kind, object id and template variables, under a key derived from the domain's
master key (the PII key file, which ledger API clients never see). Recovery adopts only a
transaction whose proof checks: a posting made through the ledger API with metadata
``wallets_type=transfer, wallets_id=tr_X`` cannot carry one.

The proof is ``<key id>:<hex>``, so that movements signed before a master-key rotation
still check against the old key while it is kept.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from coffer.ledger.journal import canonical_json

PROOF_FIELD = "wallets_proof"
_LABEL = b"coffer-wallets-ledger-proof-v1"


def derive(master: bytes) -> bytes:
    """The proof key of a master key (never the master key itself)."""
    return hmac.new(master, _LABEL, hashlib.sha256).digest()


def _mac(key: bytes, kind: str, object_id: str, variables: Mapping[str, str]) -> str:
    message = canonical_json([kind, object_id, dict(variables)]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(key_id: str, key: bytes, kind: str, object_id: str, variables: Mapping[str, str]) -> str:
    return f"{key_id}:{_mac(key, kind, object_id, variables)}"


def check(
    keys: Mapping[str, bytes],
    proof: object,
    kind: str,
    object_id: str,
    variables: Mapping[str, str],
) -> bool:
    """Whether ``proof`` (from a transaction's metadata) proves this movement."""
    if not isinstance(proof, str) or ":" not in proof:
        return False
    key_id, digest = proof.rsplit(":", 1)
    key = keys.get(key_id)
    if key is None:
        return False
    return hmac.compare_digest(digest, _mac(key, kind, object_id, variables))
