"""Schema of trust.

Revision ID: 0020_trust
Revises: 0019_platforms
"""

from __future__ import annotations

revision = "0020_trust"
down_revision = "0019_platforms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
