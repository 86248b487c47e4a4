"""Reserved revision (risk online decisions); empty until used.

Revision ID: 0039_slot_a
Revises: 0038_policy_counters
"""

from __future__ import annotations

revision = "0039_slot_a"
down_revision = "0038_policy_counters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
