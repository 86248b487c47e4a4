"""Inclusion and consistency proofs, checked against a trusted public key without the
database."""

from __future__ import annotations

from typing import Any

from coffer.ledger import journal as J
from coffer.ledger import merkle
from coffer.ledger.models import ConsistencyProof, InclusionProof, to_micros
from coffer.ledger.signing import checkpoint_message, verify_signature


def _entry_digest(proof_entry: Any) -> bytes:
    return J.entry_hash(
        proof_entry.previous_hash,
        proof_entry.seq,
        proof_entry.kind,
        proof_entry.ref_id,
        to_micros(proof_entry.created_at),
        proof_entry.body,
    )


def verify_inclusion_proof(proof: InclusionProof, public_key: bytes) -> bool:
    """Check an inclusion proof against a trusted public key, without the database."""
    entry = proof.entry
    if _entry_digest(entry) != entry.hash or entry.seq != proof.leaf_index:
        return False
    checkpoint = proof.checkpoint
    if checkpoint.tree_size != proof.tree_size or checkpoint.public_key != public_key:
        return False
    message = checkpoint_message(checkpoint.ledger, checkpoint.tree_size, checkpoint.root)
    if not verify_signature(public_key, message, checkpoint.signature):
        return False
    return merkle.verify_inclusion(
        merkle.leaf_hash(entry.hash),
        proof.leaf_index,
        proof.tree_size,
        proof.path,
        checkpoint.root,
    )


def verify_consistency_proof(proof: ConsistencyProof, public_key: bytes) -> bool:
    """Check that two signed checkpoints are consistent (the older is a prefix)."""
    for checkpoint in (proof.old, proof.new):
        message = checkpoint_message(checkpoint.ledger, checkpoint.tree_size, checkpoint.root)
        if checkpoint.public_key != public_key or not verify_signature(
            public_key, message, checkpoint.signature
        ):
            return False
    return merkle.verify_consistency(
        proof.old.tree_size, proof.new.tree_size, proof.old.root, proof.new.root, proof.path
    )
