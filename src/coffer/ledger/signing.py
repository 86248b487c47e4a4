"""Ed25519 signatures of journal checkpoints."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from coffer.errors import ConfigurationError
from coffer.keyfile import read_or_create, replace

if TYPE_CHECKING:
    from coffer.settings import Settings


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
        seed = read_or_create(path, lambda: os.urandom(32).hex())
        signer = cls(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed)))
        public = public_key_path(path)
        if not public.exists():  # what `coffer verify` elsewhere needs, and only that
            with contextlib.suppress(OSError):
                replace(public, signer.public_key.hex())
        return signer

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_path(key_file: Path) -> Path:
    """Where the public key of the key in ``key_file`` is written: ``<key_file>.pub``."""
    return key_file.with_name(key_file.name + ".pub")


def _public_key_of(text: str, source: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigurationError(
            f"{source} is not an Ed25519 public key (64 hex digits): fix it, or set "
            "COFFER_SIGNING_PUBLIC_KEY"
        )
    return key


def public_key_from_settings(settings: Settings) -> bytes:
    """The checkpoint signing public key, read without creating anything: from
    ``signing_public_key``, else ``signing_public_key_file``, else the private key
    (``signing_key``, or ``signing_key_file`` and its ``.pub`` if they exist).

    :class:`ConfigurationError` when none is there: verifying against a key made up on
    the spot would call an intact database tampered."""
    if settings.signing_public_key:
        return _public_key_of(settings.signing_public_key, "COFFER_SIGNING_PUBLIC_KEY")
    if settings.signing_public_key_file:
        path = Path(settings.signing_public_key_file).expanduser()
        if not path.is_file():
            raise ConfigurationError(
                f"the checkpoint public key file {path} does not exist: point "
                "COFFER_SIGNING_PUBLIC_KEY_FILE at the server's signing key file + '.pub'"
            )
        return _public_key_of(path.read_text(), str(path))
    if settings.signing_key:
        try:
            seed = bytes.fromhex(settings.signing_key)
            return Signer(Ed25519PrivateKey.from_private_bytes(seed)).public_key
        except ValueError:
            raise ConfigurationError(
                "COFFER_SIGNING_KEY is not an Ed25519 seed (64 hex digits)"
            ) from None
    key_file = Path(settings.signing_key_file).expanduser()
    public = public_key_path(key_file)
    if public.is_file():
        return _public_key_of(public.read_text(), str(public))
    if key_file.is_file():
        try:
            seed = bytes.fromhex(key_file.read_text().strip())
            return Signer(Ed25519PrivateKey.from_private_bytes(seed)).public_key
        except ValueError:
            raise ConfigurationError(f"{key_file} does not hold an Ed25519 seed") from None
    raise ConfigurationError(
        f"no checkpoint public key: {key_file.resolve()} does not exist (a relative "
        "COFFER_SIGNING_KEY_FILE is read from the current folder). Set "
        "COFFER_SIGNING_PUBLIC_KEY (hex) or COFFER_SIGNING_PUBLIC_KEY_FILE to the server's "
        "public key; verify never creates a key"
    )
