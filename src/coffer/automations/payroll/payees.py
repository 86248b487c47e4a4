"""The personal data of a payment batch line, sealed at rest.

A line's IBAN, BIC, name and reference are one value: a JSON object, base64-encoded (so it
never holds ``:``, which marks a sealed value), sealed by the master key with context
:data:`~coffer.automations.payroll.tables.PAYEE_CONTEXT` into ``payee_enc``. The column is
registered with :mod:`coffer.platforms.sealed`: ``coffer keys rotate`` re-seals it, and
seals the values of lines written before 0037_payroll_payees, which hold the encoded
payload in clear (read here in both forms).

Erasing a customer (``coffer customers erase``, ``POST /customers/{id}/erase``) blanks the
personal data of the lines paying that customer's wallets (the column is registered as
erased with the wallets, in ``tables.py``).
The pain.001 file of a batch's bank lines carries the real IBAN and name: they are read
here when the worker pays the line out.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, Protocol

from coffer.automations.payroll.tables import PAYEE_CONTEXT, PAYEES

FIELDS = ("iban", "bic", "name", "reference")


class Sealer(Protocol):
    """What seals the values: the master-key cipher (coffer.wallets.crypto.Cipher)."""

    def encrypt(self, plaintext: str | None, *, context: str) -> str | None: ...

    def decrypt(self, stored: str | None, *, context: str) -> str | None: ...


def seal(sealer: Sealer, line: Mapping[str, Any]) -> str | None:
    """The sealed personal data of ``line`` (None when it has none)."""
    values = {name: line[name] for name in FIELDS if line.get(name) is not None}
    if not values:
        return None
    text = json.dumps(values, separators=(",", ":"), sort_keys=True)
    return sealer.encrypt(base64.urlsafe_b64encode(text.encode()).decode(), context=PAYEE_CONTEXT)


def unseal(sealer: Sealer, stored: str | None) -> dict[str, str | None]:
    """The personal data of a line (every field, None when absent or erased)."""
    values: dict[str, str | None] = dict.fromkeys(FIELDS)
    if stored is None:
        return values
    encoded = stored if PAYEES.plaintext(stored) else sealer.decrypt(stored, context=PAYEE_CONTEXT)
    assert encoded is not None
    values.update(json.loads(base64.urlsafe_b64decode(encoded.encode())))
    return values


def line_id(batch_id: str, line_number: int) -> str:
    return f"{batch_id}:{line_number}"
