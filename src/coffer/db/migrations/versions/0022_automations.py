"""Schema of automations.

Revision ID: 0022_automations
Revises: 0021_privacy
"""

from __future__ import annotations

revision = "0022_automations"
down_revision = "0021_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
