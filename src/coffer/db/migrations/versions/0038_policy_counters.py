"""Spending policies: the headroom of a usage window that processes reserve ahead
(``amount_reserved``, ``count_reserved``), so movements are counted in memory and the row
stays the arbiter: ``used + reserved`` never passes an enforced limit.

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


def downgrade() -> None:
    with op.batch_alter_table("spending_policy_usage") as batch:
        batch.drop_column("count_reserved")
        batch.drop_column("amount_reserved")
