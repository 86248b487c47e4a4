"""Schema of payroll.

Revision ID: 0028_payroll
Revises: 0027_users
"""

from __future__ import annotations

revision = "0028_payroll"
down_revision = "0027_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
