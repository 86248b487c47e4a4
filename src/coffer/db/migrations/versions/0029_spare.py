"""Schema of spare.

Revision ID: 0029_spare
Revises: 0028_payroll
"""

from __future__ import annotations

revision = "0029_spare"
down_revision = "0028_payroll"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
