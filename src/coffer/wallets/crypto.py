"""Encryption of personal data at rest: AES-256-GCM, the key id stored with each value.

A stored value reads ``<key id>:<base64 of nonce (12 bytes) + ciphertext + tag>``. The
associated data binds a value to its column, so a ciphertext moved to another column
does not decrypt. Rotation: set a new ``COFFER_PII_KEY``/``COFFER_PII_KEY_ID`` and keep the
old key in ``COFFER_PII_OLD_KEYS``; old rows stay readable and :meth:`needs_rotation` tells
which to re-encrypt.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coffer.errors import CofferError


class DecryptionFailed(CofferError):
    """Stored personal data could not be decrypted: the key that sealed it is missing."""

    code = "decryption_failed"
    hint = "Set COFFER_PII_OLD_KEYS with the retired key that sealed the data."
    status = 500


class Cipher:
    def __init__(self, key_id: str, keys: dict[str, bytes]) -> None:
        if key_id not in keys:
            raise ValueError("the current key id has no key")
        if ":" in key_id:
            raise ValueError("a key id cannot contain ':'")
        self.key_id = key_id
        self._keys = {name: AESGCM(key) for name, key in keys.items()}

    def encrypt(self, plaintext: str | None, *, context: str) -> str | None:
        if plaintext is None:
            return None
        nonce = os.urandom(12)
        sealed = self._keys[self.key_id].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str | None, *, context: str) -> str | None:
        if stored is None:
            return None
        key_id, _, payload = stored.partition(":")
        aead = self._keys.get(key_id)
        if aead is None:
            raise DecryptionFailed(f"no key {key_id!r} to read a {context} value")
        raw = base64.b64decode(payload)
        try:
            return aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except InvalidTag as exc:
            raise DecryptionFailed(f"a {context} value does not decrypt") from exc

    def needs_rotation(self, stored: str | None) -> bool:
        return stored is not None and not stored.startswith(self.key_id + ":")
