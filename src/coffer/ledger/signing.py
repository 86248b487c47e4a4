"""Ed25519 signatures of journal checkpoints."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from coffer.keyfile import read_or_create


def checkpoint_message(ledger: str, tree_size: int, root: bytes) -> bytes:
    return f"coffer-checkpoint-v1\n{ledger}\n{tree_size}\n{root.hex()}\n".encode()


class Signer:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @classmethod
    def from_settings(cls, seed_hex: str | None, key_file: str) -> Signer:
        if seed_hex:
            return cls(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex)))
        seed = read_or_create(Path(key_file), lambda: os.urandom(32).hex())
        return cls(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed)))

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
