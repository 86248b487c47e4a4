"""Wallets: a cache epoch every process polls to drop its cached wallet and customer rows
when another process changed one (wallet status, KYC level).

Revision ID: 0005_wallets_cache_epochs
Revises: 0004_wallets_idempotency
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_wallets_cache_epochs"
down_revision = "0004_wallets_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    epochs = op.create_table(
        "wallet_cache_epochs",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(epochs, [{"name": "rows", "epoch": 0}])


def downgrade() -> None:
    op.drop_table("wallet_cache_epochs")
