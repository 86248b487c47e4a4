"""Spending policies: the headroom of a usage window that processes reserve ahead
(``amount_reserved``, ``count_reserved``), so movements are counted in memory and the row
stays the arbiter: ``used + reserved`` never passes an enforced limit; a change epoch
(``spending_policy_epochs``) that tells processes to drop the policies they cache.

Revision ID: 0038_policy_counters
Revises: 0037_payroll_payees
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038_policy_counters"
down_revision = "0037_payroll_payees"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, kind in (("amount_reserved", sa.BigInteger()), ("count_reserved", sa.Integer())):
        op.add_column(
            "spending_policy_usage",
            sa.Column(name, kind, nullable=False, server_default="0"),
        )
    op.create_table(
        "spending_policy_epochs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("spending_policy_epochs")
    with op.batch_alter_table("spending_policy_usage") as batch:
        batch.drop_column("count_reserved")
        batch.drop_column("amount_reserved")
