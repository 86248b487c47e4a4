"""Changing a customer's personal data (name, email, birth date, address).

The changed fields are sealed with the customer's data key like at creation, and the change
is the outbox event ``customer.updated`` (redacted, as every customer event) naming which
fields changed: the risk worker screens the customer again against the sanctions lists
when their name, birth date or address country changed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from coffer.errors import ValidationError
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.common import as_datetime
from coffer.wallets.core import WalletsCore
from coffer.wallets.customers import customer_model

_CONTEXTS = {
    "name": "customer.name",
    "email": "customer.email",
    "birth_date": "customer.birth_date",
    "address": "customer.address",
}


class CustomerUpdate(BaseModel):
    """The fields to change (those left out keep their value)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    birth_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    address: S.Address | None = None


class CustomerUpdated(S.RedactedCustomer):
    """The ``customer.updated`` event's object: which fields changed, not their values."""

    changed: list[str]


def update_customer(core: WalletsCore, customer_id: str, request: CustomerUpdate) -> S.Customer:
    """Change the fields ``request`` sets; an event only when something changed."""
    fields = request.model_dump(exclude_unset=True)
    with core.unit() as connection:
        row = core.live_customer_row(connection, customer_id)  # another platform's: 404
        if not fields:
            raise ValidationError("nothing to change: give name, email, birth_date or address")
        if "name" in fields and fields["name"] is None:
            raise ValidationError("a customer's name cannot be removed")
        key = core.customer_key(connection, row, create=True)
        current = customer_model(row, key)
        values: dict[str, Any] = {}
        changed: list[str] = []
        for name in fields:
            new = getattr(request, name)
            if new == getattr(current, name):
                continue
            text = new.model_dump_json() if isinstance(new, S.Address) else new
            values[f"{name}_enc"] = key.encrypt(text, context=_CONTEXTS[name])
            changed.append(name)
        if changed:
            now = R.now_micros()
            R.update(connection, T.customers, customer_id, {**values, "updated_at": now})
            core.event(
                connection,
                "customer.updated",
                CustomerUpdated(
                    id=customer_id,
                    kind=row["kind"],
                    kyc_level=row["kyc_level"],
                    created_at=as_datetime(row["created_at"]),
                    changed=changed,
                ),
            )
    with core.engine.connect() as connection:
        row = core.customer_row(connection, customer_id)
        return customer_model(row, core.customer_key(connection, row))
