"""Reserved slot (filled by the branch that owns it; a no-op otherwise).

Revision ID: 0038_policy_counters
Revises: 0037_payroll_payees
"""

from __future__ import annotations

revision = "0038_policy_counters"
down_revision = "0037_payroll_payees"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
