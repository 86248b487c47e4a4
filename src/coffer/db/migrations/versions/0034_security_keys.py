"""Schema of security keys.

Revision ID: 0034_security_keys
Revises: 0033_risk_history
"""

from __future__ import annotations

revision = "0034_security_keys"
down_revision = "0033_risk_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
