"""Reserved slot (filled by the branch that owns it; a no-op otherwise).

Revision ID: 0040_assistant_speed
Revises: 0039_risk_speed
"""

from __future__ import annotations

revision = "0040_assistant_speed"
down_revision = "0039_risk_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
