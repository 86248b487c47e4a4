"""Reserved slot (filled by the branch that owns it; a no-op otherwise).

Revision ID: 0039_risk_speed
Revises: 0038_policy_counters
"""

from __future__ import annotations

revision = "0039_risk_speed"
down_revision = "0038_policy_counters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
