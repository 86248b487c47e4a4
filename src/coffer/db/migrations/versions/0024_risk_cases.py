"""Schema of risk_cases.

Revision ID: 0024_risk_cases
Revises: 0023_web
"""

from __future__ import annotations

revision = "0024_risk_cases"
down_revision = "0023_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
