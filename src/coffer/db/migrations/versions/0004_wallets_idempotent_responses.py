"""Wallets: idempotency records keep the response of action requests (capture, void,
release, outcome, freeze, review...), so a repeated ``Idempotency-Key`` replays it.

Revision ID: 0004_wallets_idempotency
Revises: 0003_wallets
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_wallets_idempotency"
down_revision = "0003_wallets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wallet_idempotency_keys") as batch:
        batch.add_column(sa.Column("response_status", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("response_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wallet_idempotency_keys") as batch:
        batch.drop_column("response_enc")
        batch.drop_column("response_status")
