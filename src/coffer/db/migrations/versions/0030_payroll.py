"""Schema of payroll.

Revision ID: 0030_payroll
Revises: 0029_spare
"""

from __future__ import annotations

revision = "0030_payroll"
down_revision = "0029_spare"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
