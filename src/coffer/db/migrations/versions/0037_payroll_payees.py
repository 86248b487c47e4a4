"""Reserved slot (filled by the branch that owns it; a no-op otherwise).

Revision ID: 0037_payroll_payees
Revises: 0036_loyalty_keys
"""

from __future__ import annotations

revision = "0037_payroll_payees"
down_revision = "0036_loyalty_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
