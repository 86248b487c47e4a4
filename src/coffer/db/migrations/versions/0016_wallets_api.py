"""Schema of wallets_api.

Revision ID: 0016_wallets_api
Revises: 0015_fx
"""

from __future__ import annotations

revision = "0016_wallets_api"
down_revision = "0015_fx"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
