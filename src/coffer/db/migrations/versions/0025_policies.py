"""Schema of policies.

Revision ID: 0025_policies
Revises: 0024_risk_cases
"""

from __future__ import annotations

revision = "0025_policies"
down_revision = "0024_risk_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
