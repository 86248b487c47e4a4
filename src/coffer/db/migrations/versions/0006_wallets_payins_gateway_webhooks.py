"""Wallets: card gateway webhooks find a pay-in by its gateway reference (an index), and a
pay-in keeps the gateway's 3-D Secure page (Stripe's redirect URL) while it waits for it.

Revision ID: 0006_wallets_payins_gateway
Revises: 0005_wallets_cache_epochs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_wallets_payins_gateway"
down_revision = "0005_wallets_cache_epochs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("wallet_payins", sa.Column("next_action_url", sa.Text(), nullable=True))
    op.create_index(
        "ix_wallet_payins_gateway_ref", "wallet_payins", ["gateway", "gateway_ref"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_wallet_payins_gateway_ref", table_name="wallet_payins")
    with op.batch_alter_table("wallet_payins") as batch:
        batch.drop_column("next_action_url")
