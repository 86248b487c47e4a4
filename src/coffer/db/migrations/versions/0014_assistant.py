"""Tables of the assistant domain.

Revision ID: 0014_assistant
Revises: 0013_risk
"""

from __future__ import annotations

revision = "0014_assistant"
down_revision = "0013_risk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
