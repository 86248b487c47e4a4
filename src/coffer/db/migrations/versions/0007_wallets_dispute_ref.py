"""Wallets: a dispute the card gateway reports by webhook keeps the gateway's dispute id,
unique, so a redelivered event cannot open it twice.

Revision ID: 0007_wallets_dispute_ref
Revises: 0006_wallets_payins_gateway
"""

from __future__ import annotations

from coffer.db.migrations import shapes

revision = "0007_wallets_dispute_ref"
down_revision = "0006_wallets_payins_gateway"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shapes.add_unique_ref("wallet_disputes", "gateway_ref")


def downgrade() -> None:
    shapes.drop_unique_ref("wallet_disputes", "gateway_ref")
