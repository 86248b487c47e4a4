"""Schema of loyalty alerts.

Revision ID: 0032_loyalty_alerts
Revises: 0031_policies
"""

from __future__ import annotations

revision = "0032_loyalty_alerts"
down_revision = "0031_policies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
