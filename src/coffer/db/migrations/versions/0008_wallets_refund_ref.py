"""Wallets: a refund keeps the gateway's refund id, unique, so that a refund made outside
Coffer (Stripe's dashboard) and reported by webhook is recorded once; ``origin`` says
whether Coffer or the gateway started it.

Revision ID: 0008_wallets_refund_ref
Revises: 0007_wallets_dispute_ref
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0008_wallets_refund_ref"
down_revision = "0007_wallets_dispute_ref"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shapes.add_unique_ref("wallet_refunds", "gateway_ref")
    op.add_column(
        "wallet_refunds",
        sa.Column("origin", sa.String(16), nullable=False, server_default="coffer"),
    )


def downgrade() -> None:
    shapes.drop_unique_ref("wallet_refunds", "gateway_ref", "origin")
