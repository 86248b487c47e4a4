"""Schema of assistant_rules.

Revision ID: 0026_assistant_rules
Revises: 0025_policies
"""

from __future__ import annotations

revision = "0026_assistant_rules"
down_revision = "0025_policies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
