"""Envelope encryption of personal data: one data key per customer, wrapped by the master key.

Each customer gets a random AES-256 key when it is created. The key is stored wrapped
(sealed by the master key, :class:`~coffer.wallets.crypto.Cipher`) in
``privacy_customer_keys``; the customer's personal data (name, email, birth date, address,
metadata, KYC document names, bank-account holder names and IBANs) is sealed by it with
AES-256-GCM. A value sealed by a customer key reads ``ck1.<base64 of nonce + ciphertext +
tag>`` (no ``:``, so it cannot be mistaken for a master-key value ``<key id>:<base64>``);
its associated data binds it to its column and its customer, so a value copied to another
customer's row does not decrypt.

Erasure deletes the wrapped key (crypto-shredding): every copy of the data sealed by it,
in the database, its backups and replicas, becomes unreadable at once. Rotating the master
key re-wraps the data keys only; the personal data is not re-encrypted.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coffer.wallets.crypto import Cipher, DecryptionFailed
from coffer.wallets.privacy import repository as R
from coffer.wallets.privacy.format import PREFIX


def sealed_by_customer_key(stored: str | None) -> bool:
    """Whether a stored value is sealed by a customer's data key (not the master key)."""
    return stored is not None and stored.startswith(PREFIX) and ":" not in stored


def _associated(context: str, customer_id: str) -> bytes:
    return f"{context}\x00{customer_id}".encode()


def _key_context(customer_id: str) -> str:
    return f"customer_key.{customer_id}"


class CustomerKey:
    """The data key of one customer, to seal and open its personal data.

    ``erased``: the key was destroyed; every value of the customer reads as None. A customer
    without a key row yet (created before data keys existed) has ``key`` None: its values,
    still sealed by the master key, are read with it until the privacy upgrade re-seals them.
    """

    def __init__(
        self, customer_id: str, key: bytes | None, master: Cipher, *, erased: bool = False
    ) -> None:
        self.customer_id = customer_id
        self.erased = erased
        self._aead = None if key is None else AESGCM(key)
        self._master = master

    @property
    def usable(self) -> bool:
        return self._aead is not None

    def encrypt(self, plaintext: str | None, *, context: str) -> str | None:
        if plaintext is None:
            return None
        if self._aead is None:
            raise DecryptionFailed(
                f"customer {self.customer_id} has no data key"
                + (" (its personal data was erased)" if self.erased else "")
            )
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(
            nonce, plaintext.encode(), _associated(context, self.customer_id)
        )
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str | None, *, context: str) -> str | None:
        """The plaintext, or None when there is none or the customer was erased."""
        if stored is None or self.erased:
            return None
        if not sealed_by_customer_key(stored):
            return self._master.decrypt(stored, context=context)  # written before data keys
        if self._aead is None:
            raise DecryptionFailed(f"customer {self.customer_id} has no data key")
        raw = base64.b64decode(stored[len(PREFIX) :])
        try:
            plain = self._aead.decrypt(raw[:12], raw[12:], _associated(context, self.customer_id))
        except InvalidTag as exc:
            raise DecryptionFailed(f"a {context} value does not decrypt") from exc
        return plain.decode()


class DataKeys:
    """The customers' data keys: made, unwrapped, destroyed and re-wrapped here only."""

    def __init__(self, master: Cipher) -> None:
        self.master = master

    def wrap(self, customer_id: str, key: bytes) -> str:
        wrapped = self.master.encrypt(
            base64.b64encode(key).decode(), context=_key_context(customer_id)
        )
        assert wrapped is not None
        return wrapped

    def unwrap(self, customer_id: str, wrapped: str) -> bytes:
        text = self.master.decrypt(wrapped, context=_key_context(customer_id))
        assert text is not None
        return base64.b64decode(text)

    def _of_row(self, customer_id: str, row: R.KeyRow | None) -> CustomerKey:
        if row is None:
            return CustomerKey(customer_id, None, self.master)
        if row.wrapped_key is None:
            return CustomerKey(customer_id, None, self.master, erased=True)
        return CustomerKey(customer_id, self.unwrap(customer_id, row.wrapped_key), self.master)

    def create(
        self, connection: sa.Connection, customer_id: str, *, platform_id: str
    ) -> CustomerKey:
        """A new data key for a customer that has none (stored wrapped, in the caller's
        transaction)."""
        key = AESGCM.generate_key(bit_length=256)
        R.insert_key(
            connection,
            customer_id=customer_id,
            platform_id=platform_id,
            wrapped_key=self.wrap(customer_id, key),
            created_at=R.now_micros(),
        )
        return CustomerKey(customer_id, key, self.master)

    def of(
        self,
        connection: sa.Connection,
        customer_id: str,
        *,
        create: bool = False,
        platform_id: str | None = None,
    ) -> CustomerKey:
        """The customer's key; with ``create``, one is made if it has none (not if erased)."""
        row = R.key_row(connection, customer_id)
        if row is None and create:
            assert platform_id is not None
            return self.create(connection, customer_id, platform_id=platform_id)
        return self._of_row(customer_id, row)

    def of_many(
        self, connection: sa.Connection, customer_ids: Iterable[str]
    ) -> dict[str, CustomerKey]:
        """The keys of several customers, in one query."""
        ids = sorted(set(customer_ids))
        rows = R.key_rows(connection, ids)
        return {c: self._of_row(c, rows.get(c)) for c in ids}

    def destroy(self, connection: sa.Connection, customer_id: str) -> bool:
        """Delete the customer's wrapped key (crypto-shredding); False if already done."""
        return R.destroy_key(connection, customer_id, R.now_micros())
