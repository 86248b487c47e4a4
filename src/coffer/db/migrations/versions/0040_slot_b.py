"""Reserved revision (spending policies and payroll); empty until used.

Revision ID: 0040_slot_b
Revises: 0039_slot_a
"""

from __future__ import annotations

revision = "0040_slot_b"
down_revision = "0039_slot_a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
