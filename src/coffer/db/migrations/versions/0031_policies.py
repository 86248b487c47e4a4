"""Schema of policies.

Revision ID: 0031_policies
Revises: 0030_payroll
"""

from __future__ import annotations

revision = "0031_policies"
down_revision = "0030_payroll"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
