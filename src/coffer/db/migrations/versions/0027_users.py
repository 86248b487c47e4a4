"""Schema of users.

Revision ID: 0027_users
Revises: 0026_assistant_rules
"""

from __future__ import annotations

revision = "0027_users"
down_revision = "0026_assistant_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
