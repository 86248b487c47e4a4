"""Schema of platforms.

Revision ID: 0019_platforms
Revises: 0018_security
"""

from __future__ import annotations

revision = "0019_platforms"
down_revision = "0018_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
