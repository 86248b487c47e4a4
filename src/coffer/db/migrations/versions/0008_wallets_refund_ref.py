"""Wallets: a refund keeps the gateway's refund id, unique, so that a refund made outside
Coffer (Stripe's dashboard) and reported by webhook is recorded once; ``origin`` says
whether Coffer or the gateway started it.

Revision ID: 0008_wallets_refund_ref
Revises: 0007_wallets_dispute_ref
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_wallets_refund_ref"
down_revision = "0007_wallets_dispute_ref"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("wallet_refunds", sa.Column("gateway_ref", sa.String(255), nullable=True))
    op.add_column(
        "wallet_refunds",
        sa.Column("origin", sa.String(16), nullable=False, server_default="coffer"),
    )
    condition = sa.text("gateway_ref IS NOT NULL")
    op.create_index(
        "ux_wallet_refunds_gateway_ref",
        "wallet_refunds",
        ["gateway_ref"],
        unique=True,
        sqlite_where=condition,
        postgresql_where=condition,
    )


def downgrade() -> None:
    op.drop_index("ux_wallet_refunds_gateway_ref", table_name="wallet_refunds")
    with op.batch_alter_table("wallet_refunds") as batch:
        batch.drop_column("origin")
        batch.drop_column("gateway_ref")
