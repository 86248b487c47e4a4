"""Schema of privacy.

Revision ID: 0021_privacy
Revises: 0020_trust
"""

from __future__ import annotations

revision = "0021_privacy"
down_revision = "0020_trust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
