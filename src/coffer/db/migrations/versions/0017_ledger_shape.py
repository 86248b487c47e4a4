"""Schema of ledger_shape.

Revision ID: 0017_ledger_shape
Revises: 0016_wallets_api
"""

from __future__ import annotations

revision = "0017_ledger_shape"
down_revision = "0016_wallets_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
