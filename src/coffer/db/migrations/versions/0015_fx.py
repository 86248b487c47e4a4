"""Tables of the fx domain.

Revision ID: 0015_fx
Revises: 0014_assistant
"""

from __future__ import annotations

revision = "0015_fx"
down_revision = "0014_assistant"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
