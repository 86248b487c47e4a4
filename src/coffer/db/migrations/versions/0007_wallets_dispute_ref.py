"""Wallets: a dispute the card gateway reports by webhook keeps the gateway's dispute id,
unique, so a redelivered event cannot open it twice.

Revision ID: 0007_wallets_dispute_ref
Revises: 0006_wallets_payins_gateway
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_wallets_dispute_ref"
down_revision = "0006_wallets_payins_gateway"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("wallet_disputes", sa.Column("gateway_ref", sa.String(255), nullable=True))
    condition = sa.text("gateway_ref IS NOT NULL")
    op.create_index(
        "ux_wallet_disputes_gateway_ref",
        "wallet_disputes",
        ["gateway_ref"],
        unique=True,
        sqlite_where=condition,
        postgresql_where=condition,
    )


def downgrade() -> None:
    op.drop_index("ux_wallet_disputes_gateway_ref", table_name="wallet_disputes")
    with op.batch_alter_table("wallet_disputes") as batch:
        batch.drop_column("gateway_ref")
