"""Tables of the risk domain.

Revision ID: 0013_risk
Revises: 0012_ledger_lists_by_window
"""

from __future__ import annotations

revision = "0013_risk"
down_revision = "0012_ledger_lists_by_window"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
