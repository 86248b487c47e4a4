"""Wallets: a card pay-in keeps a hash of its gateway intent's client secret, which the
return page (``/payments/return``) asks for before it shows the pay-in.

Revision ID: 0009_wallets_payin_client_secret
Revises: 0008_wallets_refund_ref
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_wallets_payin_client_secret"
down_revision = "0008_wallets_refund_ref"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("wallet_payins", sa.Column("client_secret_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wallet_payins") as batch:
        batch.drop_column("client_secret_hash")
