"""Privacy: per-customer data keys (envelope encryption), erasure, consents.

- ``privacy_customer_keys``: each customer's data key, wrapped by the master (PII) key;
  erasure deletes the wrapped key (crypto-shredding) and keeps the row as the record.
- ``privacy_consents``: consents granted and withdrawn, append-only.
- ``wallet_customers.metadata_enc``: the customer's metadata, encrypted under its data key
  (rows written before keep their metadata in clear in ``metadata`` until the privacy
  upgrade re-encrypts them: the worker in the background, or ``coffer privacy upgrade``).
- ``wallet_customers.erased_at``: when the customer's personal data was erased.

Revision ID: 0021_privacy
Revises: 0020_trust
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0021_privacy"
down_revision = "0020_trust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_customer_keys",
        shapes.ref_column("customer_id", primary_key=True),
        shapes.platform_column(default=True),
        sa.Column("wrapped_key", sa.Text, nullable=True),
        shapes.time_column("created_at"),
        shapes.time_column("erased_at", nullable=True),
    )
    op.create_table(
        "privacy_consents",
        shapes.id_column(),
        shapes.platform_column(default=True),
        shapes.ref_column("customer_id"),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        shapes.status_column(),
        shapes.actor_column("actor"),
        sa.Column("address", sa.String(64), nullable=True),
        shapes.time_column("created_at"),
    )
    op.create_index(
        "ix_privacy_consents_customer", "privacy_consents", ["platform_id", "customer_id", "id"]
    )
    with op.batch_alter_table("wallet_customers") as batch:
        batch.add_column(sa.Column("metadata_enc", sa.Text, nullable=True))
        batch.add_column(shapes.time_column("erased_at", nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wallet_customers") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("metadata_enc")
    op.drop_index("ix_privacy_consents_customer", "privacy_consents")
    op.drop_table("privacy_consents")
    op.drop_table("privacy_customer_keys")
