"""Tables of personal-data management: customers' data keys and consents."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.platforms import DEFAULT_PLATFORM_ID

metadata = sa.MetaData()

# One row per customer that has a data key. ``wrapped_key`` is the customer's AES-256 key
# sealed by the master key (``<master key id>:<base64>``); erasure sets it to NULL and
# ``erased_at`` (the row stays: the record that the customer was erased, and when).
customer_keys = sa.Table(
    "privacy_customer_keys",
    metadata,
    sa.Column("customer_id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(40), nullable=False, server_default=DEFAULT_PLATFORM_ID),
    sa.Column("wrapped_key", sa.Text, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("erased_at", sa.BigInteger, nullable=True),
)

# Consents, append-only: each grant or withdrawal is a row; a type's latest row is its state.
consents = sa.Table(
    "privacy_consents",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(40), nullable=False, server_default=DEFAULT_PLATFORM_ID),
    sa.Column("customer_id", sa.String(40), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # granted | withdrawn
    sa.Column("actor", sa.String(200), nullable=False),  # who recorded it
    sa.Column("address", sa.String(64), nullable=True),  # from where
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_privacy_consents_customer", "platform_id", "customer_id", "id"),
)
