"""Tables of the risk domain: sanctions lists and their entries.

Revision ID: 0013_risk
Revises: 0012_ledger_lists_by_window
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0013_risk"
down_revision = "0012_ledger_lists_by_window"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_sanction_lists",
        sa.Column("list", sa.String(16), primary_key=True),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("entry_count", sa.Integer, nullable=False),
        shapes.time_column("loaded_at"),
    )
    op.create_table(
        "risk_sanction_entries",
        sa.Column("list", sa.String(16), primary_key=True),
        sa.Column("entry_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("risk_sanction_entries")
    op.drop_table("risk_sanction_lists")
