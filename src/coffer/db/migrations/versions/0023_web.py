"""Schema of web.

Revision ID: 0023_web
Revises: 0022_automations
"""

from __future__ import annotations

revision = "0023_web"
down_revision = "0022_automations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
