"""Encryption under the master (PII) key: AES-256-GCM, the key id stored with each value.

A stored value reads ``<key id>:<base64 of nonce (12 bytes) + ciphertext + tag>``. The
associated data binds a value to its column, so a ciphertext moved to another column
does not decrypt. The master key seals the customers' data keys
(:mod:`coffer.wallets.privacy.keys`, which seal the personal data itself) and the secrets
that belong to no customer (webhook signing secrets, stored idempotent answers).

Keys: ``COFFER_PII_KEY``/``COFFER_PII_KEY_ID`` with retired keys in ``COFFER_PII_OLD_KEYS``,
or the key file (``COFFER_PII_KEY_FILE``), which ``coffer keys rotate`` rewrites. A cipher
built with a ``source`` reads its keys again (at most once per second) when it meets a key
id it does not know or when it seals a value, so a running server follows a rotation.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
import time
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coffer.errors import CofferError

logger = logging.getLogger("coffer.wallets.crypto")
KeySource = Callable[[], tuple[str, dict[str, bytes]]]
RELOAD_SECONDS = 1.0


class DecryptionFailed(CofferError, code="decryption_failed", status=500):
    """Stored personal data could not be decrypted: the key that sealed it is missing."""

    hint = "Set COFFER_PII_OLD_KEYS with the retired key that sealed the data."


class Cipher:
    def __init__(
        self, key_id: str, keys: dict[str, bytes], source: KeySource | None = None
    ) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._reload_due = time.monotonic() + RELOAD_SECONDS
        self._install(key_id, keys)

    def _install(self, key_id: str, keys: dict[str, bytes]) -> None:
        if key_id not in keys:
            raise ValueError("the current key id has no key")
        if ":" in key_id or not key_id:
            raise ValueError("a key id cannot be empty or contain ':'")
        self.key_id = key_id
        self._keys = {name: AESGCM(key) for name, key in keys.items()}

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def reload(self, *, force: bool = False) -> None:
        """Read the keys again from the source (at most once per second unless forced)."""
        if self._source is None:
            return
        now = time.monotonic()
        if not force and now < self._reload_due:
            return
        with self._lock:
            if not force and now < self._reload_due:
                return
            self._reload_due = now + RELOAD_SECONDS
            try:
                key_id, keys = self._source()
                self._install(key_id, keys)
            except (CofferError, ValueError, OSError) as error:
                if force:
                    raise
                # a key file being replaced, or broken: keep the keys already read
                logger.warning("the master key could not be read again: %s", error)

    def encrypt(self, plaintext: str | None, *, context: str) -> str | None:
        if plaintext is None:
            return None
        self.reload()
        nonce = os.urandom(12)
        sealed = self._keys[self.key_id].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str | None, *, context: str) -> str | None:
        if stored is None:
            return None
        key_id, _, payload = stored.partition(":")
        aead = self._keys.get(key_id)
        if aead is None:
            self.reload()
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
