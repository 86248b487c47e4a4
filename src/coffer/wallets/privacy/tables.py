"""Tables of personal-data management: customers' data keys and consents."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db import columns as col
from coffer.platforms.tables import platform_column

metadata = sa.MetaData()

# One row per customer that has a data key. ``wrapped_key`` is the customer's AES-256 key
# sealed by the master key (``<master key id>:<base64>``); erasure sets it to NULL and
# ``erased_at`` (the row stays: the record that the customer was erased, and when).
customer_keys = sa.Table(
    "privacy_customer_keys",
    metadata,
    col.ref_column("customer_id", primary_key=True),
    platform_column(),
    sa.Column("wrapped_key", sa.Text, nullable=True),
    col.created_at_column(),
    col.time_column("erased_at", nullable=True),
)

# Consents, append-only: each grant or withdrawal is a row; a type's latest row is its state.
consents = sa.Table(
    "privacy_consents",
    metadata,
    col.id_column(),
    platform_column(),
    col.ref_column("customer_id"),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("version", sa.String(64), nullable=False),
    col.status_column(),  # granted | withdrawn
    sa.Column("actor", sa.String(200), nullable=False),  # who recorded it
    sa.Column("address", sa.String(64), nullable=True),  # from where
    col.created_at_column(),
    sa.Index("ix_privacy_consents_customer", "platform_id", "customer_id", "id"),
)
