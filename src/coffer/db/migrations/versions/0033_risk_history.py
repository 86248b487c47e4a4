"""Schema of risk history.

Revision ID: 0033_risk_history
Revises: 0032_loyalty_alerts
"""

from __future__ import annotations

revision = "0033_risk_history"
down_revision = "0032_loyalty_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
