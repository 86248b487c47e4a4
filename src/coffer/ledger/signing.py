"""Ed25519 signatures of journal checkpoints."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


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
        path = Path(key_file)
        if not path.exists():
            # Written whole to a file of its own, then linked into place: a process
            # starting at the same moment either links first or reads the complete key.
            partial = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(descriptor, "w") as handle:
                    handle.write(os.urandom(32).hex() + "\n")
                with contextlib.suppress(FileExistsError):
                    os.link(partial, path)
            finally:
                partial.unlink()
        return cls(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(path.read_text().strip())))

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
